"""Where stock lives and what it is: locations and products (SKUs)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from oms.models import validate_time_zone
from oms.validators import code_validator, sku_validator, validate_ean, validate_postcode


class Location(models.Model):
    """A warehouse, store, dropshipper or returns centre that holds or ships stock."""

    class Type(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse")
        STORE = "store", _("Store")
        DROPSHIPPER = "dropshipper", _("Dropshipper")
        RETURNS_CENTRE = "returns_centre", _("Returns centre")

    code = models.SlugField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    partner = models.ForeignKey(
        "fulfillment.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="locations",
        verbose_name=_("partner"),
        help_text=_("The dropshipper or partner that runs this location."),
    )
    street = models.CharField(_("street"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    country = models.ForeignKey(
        "oms.Country", on_delete=models.PROTECT, related_name="locations", verbose_name=_("country")
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )
    opening_hours = models.CharField(
        _("opening hours"), max_length=200, blank=True, help_text=_("e.g. Mo-Sa 10:00-20:00")
    )
    daily_capacity = models.PositiveIntegerField(
        _("daily capacity"), default=100, help_text=_("Delivery orders this location ships a day.")
    )
    offers_pickup = models.BooleanField(_("offers click & collect"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_outage = models.BooleanField(
        _("outage"), default=False, help_text=_("Switched off for now: nothing is routed here.")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.CheckConstraint(
                name="location_latitude_range",
                condition=models.Q(latitude__gte=-90, latitude__lte=90),
            ),
            models.CheckConstraint(
                name="location_longitude_range",
                condition=models.Q(longitude__gte=-180, longitude__lte=180),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.country_id and self.postcode:
            try:
                validate_postcode(self.country_id_code, self.postcode)
            except ValidationError as error:
                errors["postcode"] = error
        if self.type == self.Type.DROPSHIPPER and not self.partner_id:
            errors["partner"] = _("A dropshipper location belongs to a partner.")
        if self.offers_pickup and self.type != self.Type.STORE:
            errors["offers_pickup"] = _("Only stores offer click & collect.")
        if errors:
            raise ValidationError(errors)

    @property
    def country_id_code(self) -> str:
        return self.country.code

    @property
    def can_fulfil(self) -> bool:
        return self.is_active and not self.is_outage


class Product(models.Model):
    """A SKU: one size/colour variant of a style, or a service article without stock."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True, validators=[sku_validator])
    ean = models.CharField(
        _("EAN/GTIN"), max_length=14, unique=True, null=True, blank=True, validators=[validate_ean]
    )
    name = models.CharField(_("name"), max_length=200)
    style = models.CharField(
        _("style"), max_length=64, db_index=True, help_text=_("Variants of one style share it.")
    )
    size = models.CharField(_("size"), max_length=20, blank=True)
    colour = models.CharField(_("colour"), max_length=40, blank=True)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    is_hazardous = models.BooleanField(_("hazardous"), default=False)
    is_bulky = models.BooleanField(_("bulky"), default=False)
    is_service = models.BooleanField(
        _("service article"), default=False, help_text=_("No physical stock, e.g. assembly.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                name="product_service_is_not_bulky",
                condition=~models.Q(is_service=True, is_bulky=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} – {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.is_service and self.is_bulky:
            raise ValidationError(
                {"is_bulky": _("A service article has no physical goods and cannot be bulky.")}
            )
        if self.is_service and self.is_hazardous:
            raise ValidationError(
                {
                    "is_hazardous": _(
                        "A service article has no physical goods and cannot be hazardous."
                    )
                }
            )
