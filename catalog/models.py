from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Upper
from django.utils.translation import gettext_lazy as _

from catalog.validators import DIVISION_CODE_RE, GTIN14_RE


class Seller(models.Model):
    """A farmer household, a cooperative or a small enterprise that sells here."""

    class Kind(models.TextChoices):
        FARMER_HOUSEHOLD = "farmer_household", _("Farmer household")
        COOPERATIVE = "cooperative", _("Cooperative")
        ENTERPRISE = "enterprise", _("Enterprise")

    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    slug = models.SlugField(_("slug"), max_length=140, unique=True, allow_unicode=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="sellers", blank=True, verbose_name=_("members")
    )
    is_verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_poverty_household = models.BooleanField(
        _("registered poverty-alleviation household"), default=False
    )
    linked_poverty_households = models.PositiveIntegerField(
        _("registered households employed or bought from"), default=0
    )
    province = models.CharField(_("province"), max_length=40)
    city = models.CharField(_("city"), max_length=40)
    county = models.CharField(_("county"), max_length=40)
    township = models.CharField(_("township"), max_length=40, blank=True)
    village = models.CharField(_("village"), max_length=40, blank=True)
    division_code = models.CharField(
        _("administrative division code"),
        max_length=12,
        validators=[RegexValidator(DIVISION_CODE_RE)],
        db_index=True,
    )
    story = models.TextField(_("story"), blank=True)
    # Set by reject_seller, cleared when a member corrects the details (back in
    # the queue) or an operator verifies; the reason stays as the last one given.
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(division_code__regex=r"^[0-9]{12}$"), name="seller_division_code_12"
            ),
            models.CheckConstraint(
                condition=Q(is_verified=False) | Q(verified_at__isnull=False),
                name="seller_verified_has_time",
            ),
            models.CheckConstraint(
                condition=Q(is_verified=False) | Q(rejected_at__isnull=True),
                name="seller_verified_not_rejected",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Farm(models.Model):
    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="farms", verbose_name=_("seller")
    )
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    village = models.CharField(_("village"), max_length=60)
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
    area_mu = models.DecimalField(
        _("area (mu)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    produce = models.CharField(_("grows or raises"), max_length=200)

    class Meta:
        verbose_name = _("farm")
        verbose_name_plural = _("farms")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="farm_point_on_earth",
            ),
            models.CheckConstraint(condition=Q(area_mu__gte=0), name="farm_area_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent category"),
    )
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="products", verbose_name=_("seller")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    farm = models.ForeignKey(
        Farm,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
        verbose_name=_("farm"),
    )
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    slug = models.SlugField(_("slug"), max_length=140, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    origin = models.CharField(_("origin"), max_length=200, blank=True)
    storage = models.CharField(_("storage"), max_length=200, blank=True)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    search_text = models.GeneratedField(
        expression=Upper(Concat("name", Value(" "), "name_en", Value(" "), "origin")),
        output_field=models.TextField(),
        db_persist=True,
        help_text="What the database search matches: one upper-cased column keeps "
        "PostgreSQL's row estimates right, so it can walk the name index.",
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["is_published", "name", "id"])]

    def __str__(self) -> str:
        return self.name


class ProductVariant(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="variants", verbose_name=_("product")
    )
    seller = models.ForeignKey(
        Seller,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("seller"),
        help_text=_("Always the product's seller."),
    )
    sku = models.CharField(_("SKU"), max_length=64)
    # Null, not "", for "no GTIN": variant_gtin_unique lets many variants have none.
    gtin = models.CharField(  # noqa: DJ001
        _("GTIN-14"),
        max_length=14,
        null=True,
        blank=True,
        validators=[RegexValidator(GTIN14_RE)],
    )
    name = models.CharField(_("unit"), max_length=80, help_text=_('For example "5 kg bag".'))
    net_weight_grams = models.PositiveIntegerField(_("net weight (g)"))
    price = models.DecimalField(_("price (CNY)"), max_digits=10, decimal_places=2)
    stock_quantity = models.IntegerField(_("stock"), default=0)
    cold_chain = models.BooleanField(_("needs cold chain"), default=False)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("product variant")
        verbose_name_plural = _("product variants")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "sku"], name="variant_sku_unique_per_seller"),
            models.UniqueConstraint(fields=["gtin"], name="variant_gtin_unique"),
            models.CheckConstraint(condition=Q(price__gt=0), name="variant_price_positive"),
            models.CheckConstraint(
                condition=Q(stock_quantity__gte=0), name="variant_stock_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(gtin__isnull=True) | Q(gtin__regex=r"^[0-9]{14}$"),
                name="variant_gtin_14_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.name}"


class ProductImage(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product")
    )
    image = models.ImageField(_("picture"), upload_to="products/%Y/%m/")
    # As shown, after the EXIF orientation (set by catalog.services.add_product_image).
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    alt = models.CharField(_("alternative text"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.image.name


class ProductImageThumbnail(models.Model):
    """A resized copy of a product image, made by a Celery task after upload."""

    class Format(models.TextChoices):
        JPEG = "jpeg", "JPEG"
        WEBP = "webp", "WebP"

    image = models.ForeignKey(
        ProductImage,
        on_delete=models.CASCADE,
        related_name="thumbnails",
        verbose_name=_("product image"),
    )
    size = models.PositiveIntegerField(_("size (px)"))
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    file = models.ImageField(_("file"), upload_to="thumbnails/%Y/%m/")

    class Meta:
        verbose_name = _("thumbnail")
        verbose_name_plural = _("thumbnails")
        constraints = [
            models.UniqueConstraint(fields=["image", "size", "format"], name="thumbnail_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.size}px {self.format}"
