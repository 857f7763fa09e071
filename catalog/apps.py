from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from shop.core.roles import Role, register_role

        register_role(Role.SELLER, lambda user: user.sellers.exists())
