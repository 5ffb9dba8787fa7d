"""Where stock lives and what it is: locations and products (SKUs)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

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
    region = models.CharField(
        _("region"),
        max_length=10,
        blank=True,
        help_text=_(
            "State or region as in the public holidays (e.g. BY): its regional holidays close "
            "the location, so nothing is handed to a carrier there that day."
        ),
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


class SafetyStockDefault(models.Model):
    """Units per SKU that a location type never promises (overridable per location and SKU)."""

    location_type = models.CharField(
        _("location type"), max_length=20, choices=Location.Type.choices, unique=True
    )
    quantity = models.PositiveIntegerField(_("safety stock"), default=0)

    class Meta:
        ordering = ["location_type"]
        verbose_name = _("safety stock default")
        verbose_name_plural = _("safety stock defaults")

    def __str__(self) -> str:
        return f"{self.get_location_type_display()}: {self.quantity}"


class StockLevel(models.Model):
    """What one location holds of one SKU. `reserved` = open reservations routed to it."""

    # No single-column indexes: the unique (location, product) and stock_by_product cover them,
    # and every index slows the bulk feeds.
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="stock_levels",
        verbose_name=_("location"),
        db_index=False,
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="stock_levels",
        verbose_name=_("product"),
        db_index=False,
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    safety_stock = models.PositiveIntegerField(
        _("safety stock override"),
        null=True,
        blank=True,
        help_text=_("Empty: the default for the location type applies."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["product__sku", "location__code"]
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["location", "product"], name="one_stock_level_per_sku"),
            models.CheckConstraint(name="stock_on_hand_not_negative", condition=Q(on_hand__gte=0)),
            models.CheckConstraint(
                name="stock_reserved_not_negative", condition=Q(reserved__gte=0)
            ),
        ]
        indexes = [models.Index(fields=["product", "location"], name="stock_by_product")]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.location.code}: {self.on_hand}"


class InboundStock(models.Model):
    """Stock on its way to a location (purchase order, transfer), with its expected arrival."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="inbound_stock", verbose_name=_("location")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="inbound_stock", verbose_name=_("product")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    expected_on = models.DateField(_("expected arrival"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    class Meta:
        ordering = ["expected_on", "pk"]
        verbose_name = _("inbound stock")
        verbose_name_plural = _("inbound stock")
        indexes = [models.Index(fields=["product", "location"], name="inbound_by_product")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product.sku} → {self.location.code} ({self.expected_on})"


class ServiceRegion(models.Model):
    """Where a service article (e.g. assembly) is offered: a country, optionally a postcode range."""

    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        related_name="service_regions",
        limit_choices_to={"is_service": True},
        verbose_name=_("service article"),
    )
    country = models.ForeignKey(
        "oms.Country", on_delete=models.CASCADE, related_name="+", verbose_name=_("country")
    )
    postcode_from = models.CharField(_("postcode from"), max_length=10, blank=True)
    postcode_to = models.CharField(_("postcode to"), max_length=10, blank=True)

    class Meta:
        ordering = ["product__sku", "country__code", "postcode_from"]
        verbose_name = _("service region")
        verbose_name_plural = _("service regions")

    def __str__(self) -> str:
        if self.postcode_from or self.postcode_to:
            return (
                f"{self.product.sku}: {self.country.code} {self.postcode_from}–{self.postcode_to}"
            )
        return f"{self.product.sku}: {self.country.code}"

    def clean(self) -> None:
        super().clean()
        if self.product_id and not self.product.is_service:
            raise ValidationError({"product": _("Only service articles have service regions.")})
        if bool(self.postcode_from) != bool(self.postcode_to):
            raise ValidationError(_("Give both ends of the postcode range, or neither."))
        if self.postcode_from and self.postcode_from > self.postcode_to:
            raise ValidationError({"postcode_to": _("The range ends before it starts.")})

    def covers(self, country: str, postcode: str | None) -> bool:
        """True when the destination lies in this region (no postcode: the country decides)."""
        if self.country.code != country:
            return False
        if not self.postcode_from or not postcode:
            return True
        return self.postcode_from <= postcode.strip() <= self.postcode_to


class StockQuota(models.Model):
    """Stock set aside for a marketplace shop: a share or a fixed quantity, per SKU or for all."""

    shop = models.ForeignKey(
        "oms.Shop",
        on_delete=models.CASCADE,
        related_name="stock_quotas",
        limit_choices_to={"channel": "marketplace"},
        verbose_name=_("marketplace shop"),
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stock_quotas",
        verbose_name=_("product"),
        help_text=_("Empty: the quota applies to every SKU."),
    )
    share_percent = models.PositiveSmallIntegerField(
        _("share (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    quantity = models.PositiveIntegerField(_("fixed quantity"), null=True, blank=True)

    class Meta:
        ordering = ["shop__code", "product__sku"]
        verbose_name = _("stock quota")
        verbose_name_plural = _("stock quotas")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "product"],
                name="one_quota_per_shop_and_sku",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                name="quota_is_share_or_quantity",
                condition=Q(share_percent__isnull=False, quantity__isnull=True)
                | Q(share_percent__isnull=True, quantity__isnull=False),
            ),
            models.CheckConstraint(
                name="quota_share_at_most_100", condition=Q(share_percent__lte=100)
            ),
        ]

    def __str__(self) -> str:
        what = f"{self.share_percent} %" if self.share_percent is not None else self.quantity
        return f"{self.shop.code}: {what} of {self.product.sku if self.product else _('all SKUs')}"

    def clean(self) -> None:
        super().clean()
        if (self.share_percent is None) == (self.quantity is None):
            raise ValidationError(_("Give either a share or a fixed quantity."))
        if self.shop_id and self.shop.channel != "marketplace":
            raise ValidationError({"shop": _("Quotas are for marketplace shops.")})

    def set_aside(self, free_stock: int) -> int:
        """The units this quota holds back out of the free stock of the shop's locations."""
        if self.quantity is not None:
            return self.quantity
        return free_stock * (self.share_percent or 0) // 100


class Reservation(ConcurrentTransitionMixin, models.Model):
    """Stock held for an order line or a click & reserve: in the shop's pool, then at a location."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONSUMED = "consumed", _("Consumed")
        RELEASED = "released", _("Released")
        EXPIRED = "expired", _("Expired")

    class Kind(models.TextChoices):
        ORDER = "order", _("Order")
        CLICK_RESERVE = "click_reserve", _("Click & reserve")

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("product")
    )
    shop = models.ForeignKey(
        "oms.Shop", on_delete=models.PROTECT, related_name="reservations", verbose_name=_("shop")
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("location"),
        help_text=_("Empty while the reservation is held in the shop's pool (not yet routed)."),
    )
    order_line = models.ForeignKey(
        "orders.OrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("order line"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ORDER)
    quantity = models.PositiveIntegerField(_("open quantity"))
    quantity_consumed = models.PositiveIntegerField(_("consumed"), default=0)
    quantity_released = models.PositiveIntegerField(_("released"), default=0)
    status = FSMField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, protected=True
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        indexes = [
            models.Index(
                fields=["product", "shop"],
                name="open_pool_reservations",
                condition=Q(status="open", location__isnull=True),
            ),
            models.Index(
                fields=["expires_at"],
                name="open_expiring_reservations",
                condition=Q(status="open", expires_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        where = self.location.code if self.location_id else _("pool")
        return f"{self.quantity} × {self.product.sku} @ {where} ({self.status})"

    @property
    def is_pool(self) -> bool:
        return self.location_id is None

    @transition(field=status, source=Status.OPEN, target=Status.CONSUMED)
    def consume(self) -> None:
        """Mark the reservation as fully shipped."""

    @transition(field=status, source=Status.OPEN, target=Status.RELEASED)
    def release(self) -> None:
        """Mark the reservation as fully given back (cancellation, reroute)."""

    @transition(field=status, source=Status.OPEN, target=Status.EXPIRED)
    def expire(self) -> None:
        """Mark the reservation as lapsed (click & reserve deadline passed)."""


class StockMovement(models.Model):
    """One change of stock with its reason: the append-only answer to "why is it this number?"."""

    class Reason(models.TextChoices):
        FEED = "feed", _("Stock feed")
        RESERVATION = "reservation", _("Reservation")
        RELEASE = "release", _("Release")
        PICK = "pick", _("Pick")
        SHIPMENT = "shipment", _("Shipment")
        RETURN_RESTOCK = "return_restock", _("Return restock")
        CORRECTION = "correction", _("Store correction")
        TRANSFER = "transfer", _("Transfer")

    # The log's references are not database constraints: only the stock services write it,
    # with ids they have just validated or locked, and per-row FK checks would more than
    # halve the speed of bulk feeds (100,000 movements each). Deleting a location or product
    # with history is still refused (PROTECT, and their stock levels are real FKs).
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
        help_text=_("Empty for changes of the shops' pool (reservations not yet routed)."),
        db_constraint=False,
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
        db_index=False,  # movements_by_sku starts with the product
        db_constraint=False,
    )
    delta_on_hand = models.IntegerField(_("Δ on hand"), default=0)
    delta_reserved = models.IntegerField(_("Δ reserved"), default=0)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    source = models.CharField(_("source"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    actor = models.CharField(_("by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [
            models.Index(fields=["product", "location", "created_at"], name="movements_by_sku")
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.location_id}: {self.delta_on_hand:+d} ({self.reason})"
