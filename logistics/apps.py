from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "logistics"
    verbose_name = _("Logistics")

    def ready(self) -> None:
        from shop.core.roles import Role, register_role

        register_role(Role.STATION_STAFF, lambda user: user.pickup_points.exists())
