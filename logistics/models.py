from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from catalog.validators import DIVISION_CODE_RE


class PointKind(models.TextChoices):
    VILLAGE_STATION = "village_station", _("Village service station")
    TOWNSHIP_STATION = "township_station", _("Township service station")
    COUNTY_HUB = "county_hub", _("County logistics hub")


class PickupPoint(models.Model):
    """A village or township e-commerce service station, or a county hub.

    Buyers collect parcels here; its staff are the platform's station-staff
    role. `opening_hours` maps a weekday ("0" Monday … "6" Sunday) to its
    opening intervals, [["08:00", "12:00"], ["14:00", "18:00"]]; a weekday left
    out is closed (`logistics.rules.clean_opening_hours` keeps the shape).
    """

    Kind = PointKind

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=PointKind.choices)
    address = models.CharField(_("address"), max_length=255)
    division_code = models.CharField(
        _("administrative division code"),
        max_length=12,
        validators=[RegexValidator(DIVISION_CODE_RE)],
        db_index=True,
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    opening_hours = models.JSONField(_("opening hours"), default=dict, blank=True)
    phone = PhoneNumberField(_("phone"), region="CN", blank=True)
    parcel_capacity = models.PositiveIntegerField(
        _("parcel capacity"), validators=[MinValueValidator(1)]
    )
    cold_storage = models.BooleanField(_("cold storage"), default=False)
    instructions = models.TextField(_("pickup instructions"), blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="pickup_points", blank=True, verbose_name=_("staff")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pickup point")
        verbose_name_plural = _("pickup points")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(division_code__regex=r"^[0-9]{12}$"),
                name="pickup_point_division_code_12",
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="pickup_point_on_earth",
            ),
            models.CheckConstraint(
                condition=Q(parcel_capacity__gt=0), name="pickup_point_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[kind.value for kind in PointKind]),
                name="pickup_point_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name
