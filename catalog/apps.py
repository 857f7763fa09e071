from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalogue")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from catalog import models
        from shop.api.public_cache import invalidate_public_responses

        def changed(sender, **kwargs):
            invalidate_public_responses()

        for model in (
            models.Seller,
            models.Farm,
            models.Category,
            models.Product,
            models.ProductVariant,
            models.ProductImage,
            models.ProductImageThumbnail,
        ):
            post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"public:{model}")
            post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"public:{model}")
