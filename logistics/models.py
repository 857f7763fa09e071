from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PickupPoint(models.Model):
    """A village or township e-commerce service station.

    Its staff are the platform's station-staff role; shipments and parcels
    will hang off it.
    """

    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=255)
    division_code = models.CharField(_("administrative division code"), max_length=12)
    opening_hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    instructions = models.TextField(_("pickup instructions"), blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="pickup_points", blank=True, verbose_name=_("staff")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pickup point")
        verbose_name_plural = _("pickup points")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
