"""Who fulfils and ships: partners, carriers, transit times, routing, delivery orders, shipments."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from fulfillment import routing
from oms.validators import code_validator


class Partner(models.Model):
    """A dropshipper or marketplace the retailer works with; can be switched off quickly."""

    class Kind(models.TextChoices):
        DROPSHIPPER = "dropshipper", _("Dropshipper")
        MARKETPLACE = "marketplace", _("Marketplace")

    code = models.SlugField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class Carrier(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    tracking_url_template = models.CharField(
        _("tracking URL template"),
        max_length=300,
        help_text=_("Use {tracking_number}, e.g. https://track.example/{tracking_number}"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if "{tracking_number}" not in (self.tracking_url_template or ""):
            raise ValidationError(
                {"tracking_url_template": _("The template must contain {tracking_number}.")}
            )
        if not (self.tracking_url_template or "").startswith(("https://", "http://")):
            raise ValidationError(
                {"tracking_url_template": _("The template must be an http(s) address.")}
            )

    def tracking_url(self, tracking_number: str) -> str:
        return self.tracking_url_template.replace("{tracking_number}", tracking_number)


class CarrierService(models.Model):
    """A carrier's service level (standard, express) with its cut-off time for same-day hand-over."""

    class Level(models.TextChoices):
        STANDARD = "standard", _("Standard")
        EXPRESS = "express", _("Express")

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="services")
    level = models.CharField(_("service"), max_length=20, choices=Level.choices)
    cutoff_time = models.TimeField(_("cut-off time"), default=datetime.time(15, 0))
    transit_days = models.PositiveSmallIntegerField(_("default transit days"), default=2)
    working_days = models.CharField(
        _("working days"),
        max_length=7,
        default="12345",
        help_text=_("Days the carrier picks up and delivers, Monday = 1, e.g. 123456."),
    )

    class Meta:
        ordering = ["carrier__code", "level"]
        verbose_name = _("carrier service")
        verbose_name_plural = _("carrier services")
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "level"], name="one_service_level_per_carrier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.level}"


class TransitTime(models.Model):
    """Working days a carrier service needs to a destination zone (a postcode range)."""

    service = models.ForeignKey(
        CarrierService,
        on_delete=models.CASCADE,
        related_name="transit_times",
        verbose_name=_("carrier service"),
    )
    country = models.ForeignKey(
        "oms.Country", on_delete=models.CASCADE, related_name="+", verbose_name=_("country")
    )
    zone = models.CharField(_("zone"), max_length=50, blank=True)
    postcode_from = models.CharField(_("postcode from"), max_length=10)
    postcode_to = models.CharField(_("postcode to"), max_length=10)
    transit_days = models.PositiveSmallIntegerField(_("transit working days"))

    class Meta:
        ordering = ["service", "country", "postcode_from"]
        verbose_name = _("transit time")
        verbose_name_plural = _("transit times")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "country", "postcode_from"], name="one_transit_time_per_zone"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} → {self.country_id} {self.postcode_from}–{self.postcode_to}"

    def clean(self) -> None:
        super().clean()
        if self.postcode_from and self.postcode_to and self.postcode_from > self.postcode_to:
            raise ValidationError({"postcode_to": _("The range ends before it starts.")})


class Holiday(models.Model):
    """A public holiday: no hand-over and no delivery that day (country-wide or in one region)."""

    country = models.ForeignKey(
        "oms.Country", on_delete=models.CASCADE, related_name="+", verbose_name=_("country")
    )
    region = models.CharField(
        _("region"), max_length=10, blank=True, help_text=_("Empty: the whole country.")
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["date", "country"]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "region", "date"], name="one_holiday_per_region_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.country_id} {self.name}"


class LocationCarrier(models.Model):
    """A carrier service a location hands parcels to, with its cut-off time and costs."""

    location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.CASCADE,
        related_name="carrier_services",
        verbose_name=_("location"),
    )
    service = models.ForeignKey(
        CarrierService,
        on_delete=models.CASCADE,
        related_name="locations",
        verbose_name=_("carrier service"),
    )
    cutoff_time = models.TimeField(
        _("cut-off time"), null=True, blank=True, help_text=_("Empty: the service's cut-off.")
    )
    cost_base = models.DecimalField(
        _("cost per parcel"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    cost_per_kg = models.DecimalField(
        _("cost per kg"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["location", "service"]
        verbose_name = _("location carrier service")
        verbose_name_plural = _("location carrier services")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "service"], name="one_carrier_service_per_location"
            )
        ]

    def __str__(self) -> str:
        return f"{self.location_id} – {self.service}"

    @property
    def effective_cutoff(self) -> datetime.time:
        return self.cutoff_time or self.service.cutoff_time

    def cost_for(self, weight_grams: int) -> Decimal:
        return self.cost_base + self.cost_per_kg * Decimal(weight_grams) / Decimal(1000)


class LocationRoutingProfile(models.Model):
    """What routing needs to know about a location beyond its address and capacity."""

    location = models.OneToOneField(
        "inventory.Location",
        on_delete=models.CASCADE,
        related_name="routing_profile",
        verbose_name=_("location"),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        default=50,
        validators=[MaxValueValidator(100)],
        help_text=_("0–100, higher is preferred when the strategy weighs location priority."),
    )
    ships_hazardous = models.BooleanField(_("may ship hazardous goods"), default=False)
    markdown_skus = models.JSONField(
        _("markdown SKUs"),
        default=list,
        blank=True,
        help_text=_("SKUs this store would otherwise mark down: routing prefers them here."),
    )
    dropship_styles = models.JSONField(
        _("own styles (dropshipper)"),
        default=list,
        blank=True,
        help_text=_("Styles a dropshipper supplies itself; it is routed only these."),
    )

    class Meta:
        verbose_name = _("location routing profile")
        verbose_name_plural = _("location routing profiles")

    def __str__(self) -> str:
        return str(self.location)


class RoutingStrategy(models.Model):
    """How a shop's orders are routed: hard filters and weighted criteria, versioned."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    shop = models.ForeignKey(
        "oms.Shop",
        on_delete=models.CASCADE,
        related_name="routing_strategies",
        verbose_name=_("shop"),
    )
    customer_group = models.CharField(
        _("customer group"), max_length=40, blank=True, help_text=_("Empty: every customer.")
    )
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = FSMField(
        _("status"), max_length=20, default=Status.DRAFT, choices=Status.choices, protected=True
    )
    # Hard filters
    allowed_location_types = models.JSONField(
        _("location types allowed"),
        default=list,
        blank=True,
        help_text=_('e.g. ["warehouse", "store", "dropshipper"]; empty: every type.'),
    )
    exclude_outage = models.BooleanField(_("skip locations under outage"), default=True)
    require_destination = models.BooleanField(
        _("only locations serving the destination country"), default=True
    )
    require_capacity = models.BooleanField(
        _("only locations with capacity left today"), default=True
    )
    hazardous_only_permitted = models.BooleanField(
        _("hazardous goods only from permitted locations"), default=True
    )
    bulky_max_distance_km = models.PositiveIntegerField(
        _("bulky goods: maximum distance (km)"), null=True, blank=True
    )
    dropshipper_own_skus_only = models.BooleanField(
        _("dropshippers only for their own SKUs"), default=True
    )
    allow_split = models.BooleanField(_("split over several locations"), default=True)
    max_locations = models.PositiveSmallIntegerField(
        _("at most this many locations"), null=True, blank=True
    )
    # Weighted criteria (each weight is the price of one unit of its score)
    weight_parcels = models.DecimalField(
        _("weight: per parcel"), max_digits=8, decimal_places=3, default=Decimal("10")
    )
    weight_delivery = models.DecimalField(
        _("weight: per day later"), max_digits=8, decimal_places=3, default=Decimal("5")
    )
    weight_distance = models.DecimalField(
        _("weight: per 100 km"), max_digits=8, decimal_places=3, default=Decimal("1")
    )
    weight_cost = models.DecimalField(
        _("weight: per currency unit of shipping cost"),
        max_digits=8,
        decimal_places=3,
        default=Decimal("1"),
    )
    weight_backlog = models.DecimalField(
        _("weight: backlog share (0–1)"), max_digits=8, decimal_places=3, default=Decimal("2")
    )
    weight_priority = models.DecimalField(
        _("weight: location priority"), max_digits=8, decimal_places=3, default=Decimal("1")
    )
    weight_markdown = models.DecimalField(
        _("weight: stock not marked down"), max_digits=8, decimal_places=3, default=Decimal("1")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["shop", "customer_group", "-version"]
        verbose_name = _("routing strategy")
        verbose_name_plural = _("routing strategies")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "customer_group", "version"], name="routing_strategy_version"
            ),
            models.UniqueConstraint(
                fields=["shop", "customer_group"],
                condition=models.Q(status="active"),
                name="one_active_routing_strategy",
            ),
        ]

    def __str__(self) -> str:
        group = f" [{self.customer_group}]" if self.customer_group else ""
        return f"{self.shop_id}{group} {self.name} v{self.version} ({self.status})"

    @transition(field=status, source=Status.DRAFT, target=Status.ACTIVE)
    def activate(self) -> None:
        """Make this version the one routing uses."""
        self.activated_at = timezone.now()

    @transition(field=status, source=[Status.DRAFT, Status.ACTIVE], target=Status.ARCHIVED)
    def archive(self) -> None:
        """Retire this version."""

    def to_engine(self, *, time_budget_ms: float = 50.0) -> "routing.Strategy":
        """The plain-data strategy the engine takes."""
        filters = routing.Filters(
            allowed_types=frozenset(self.allowed_location_types) or None,
            exclude_outage=self.exclude_outage,
            require_destination=self.require_destination,
            hazardous_only_permitted=self.hazardous_only_permitted,
            bulky_max_distance_km=self.bulky_max_distance_km,
            dropshipper_own_skus_only=self.dropshipper_own_skus_only,
            require_capacity=self.require_capacity,
        )
        weights = routing.Weights(
            **{name: float(getattr(self, f"weight_{name}")) for name in routing.CRITERIA}
        )
        return routing.Strategy(
            filters=filters,
            weights=weights,
            allow_split=self.allow_split,
            max_locations=self.max_locations,
            time_budget_ms=time_budget_ms,
        )


class RoutingDecision(models.Model):
    """One routing run for an order: every candidate considered, and what was chosen."""

    class Outcome(models.TextChoices):
        ROUTED = "routed", _("Routed")
        PARTIAL = "partial", _("Partly routed")
        UNROUTABLE = "unroutable", _("Not routable")

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="routing_decisions",
        verbose_name=_("order"),
    )
    strategy = models.ForeignKey(
        RoutingStrategy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("strategy"),
    )
    strategy_version = models.PositiveIntegerField(_("strategy version"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=40, default="release")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    method = models.CharField(_("method"), max_length=20)
    objective = models.FloatField(_("objective cost"), default=0)
    elapsed_ms = models.FloatField(_("engine time (ms)"), default=0)
    chosen = models.JSONField(_("chosen locations"), default=list)
    unallocated = models.JSONField(_("quantity not routed per line"), default=dict, blank=True)
    candidates = models.JSONField(_("candidates and scores"), default=list)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("routing decision")
        verbose_name_plural = _("routing decisions")

    def __str__(self) -> str:
        return f"{self.order} {self.outcome} → {', '.join(self.chosen) or '–'}"


class DeliveryOrder(ConcurrentTransitionMixin, models.Model):
    """The part of an order one location fulfils; warehouses, stores and partners work it."""

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        RELEASED = "released", _("Released")
        ACCEPTED = "accepted", _("Accepted")
        PICKING = "picking", _("Picking")
        PACKED = "packed", _("Packed")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
        COLLECTED = "collected", _("Collected")
        EXPIRED = "expired", _("Expired")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (Status.CREATED, Status.RELEASED, Status.ACCEPTED, Status.PICKING, Status.PACKED)
    NOT_PICKED_STATES = (Status.CREATED, Status.RELEASED, Status.ACCEPTED)

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="delivery_orders",
        verbose_name=_("order"),
    )
    location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        related_name="delivery_orders",
        verbose_name=_("location"),
    )
    status = FSMField(
        _("status"), max_length=20, default=Status.CREATED, choices=Status.choices, protected=True
    )
    decision = models.ForeignKey(
        RoutingDecision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="delivery_orders",
        verbose_name=_("routing decision"),
    )
    carrier_service = models.ForeignKey(
        CarrierService,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("carrier service"),
    )
    promised_date = models.DateField(_("promised delivery date"), null=True, blank=True)
    reject_reason = models.CharField(_("reason for rejection"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery order")
        verbose_name_plural = _("delivery orders")
        indexes = [
            models.Index(fields=["location", "status"]),
            # The dashboard's stuck lists ("not accepted", "not shipped") and step durations.
            models.Index(fields=["status", "released_at"], name="deliveryorder_status_released"),
            models.Index(fields=["accepted_at"], name="deliveryorder_accepted_at"),
            models.Index(fields=["shipped_at"], name="deliveryorder_shipped_at"),
        ]

    def __str__(self) -> str:
        return f"DO-{self.pk} {self.location_id} ({self.status})"

    # Transitions change the object in memory only; services save and record events.

    @transition(field=status, source=Status.CREATED, target=Status.RELEASED)
    def release(self) -> None:
        """Hand the delivery order to its location."""
        self.released_at = timezone.now()

    @transition(field=status, source=Status.RELEASED, target=Status.ACCEPTED)
    def accept(self) -> None:
        """The location confirms it will fulfil the delivery order."""
        self.accepted_at = timezone.now()

    @transition(field=status, source=[Status.RELEASED, Status.ACCEPTED], target=Status.PICKING)
    def start_picking(self) -> None:
        """Mark the delivery order as being picked."""

    @transition(field=status, source=[Status.ACCEPTED, Status.PICKING], target=Status.PACKED)
    def pack(self) -> None:
        """Mark the delivery order as packed."""

    @transition(
        field=status,
        source=[Status.RELEASED, Status.ACCEPTED, Status.PICKING, Status.PACKED],
        target=Status.SHIPPED,
    )
    def ship(self) -> None:
        """Everything the delivery order still holds has left the location."""
        self.shipped_at = timezone.now()

    @transition(field=status, source=Status.SHIPPED, target=Status.DELIVERED)
    def deliver(self) -> None:
        """The carrier delivered every parcel."""

    @transition(
        field=status,
        source=[Status.ACCEPTED, Status.PICKING, Status.PACKED],
        target=Status.READY_FOR_PICKUP,
    )
    def ready_for_pickup(self) -> None:
        """The goods wait in the store for the customer."""

    @transition(field=status, source=Status.READY_FOR_PICKUP, target=Status.COLLECTED)
    def collect(self) -> None:
        """The customer collected the goods."""

    @transition(field=status, source=Status.READY_FOR_PICKUP, target=Status.EXPIRED)
    def expire(self) -> None:
        """The customer did not collect in time."""

    @transition(
        field=status,
        source=[Status.CREATED, Status.RELEASED, Status.ACCEPTED, Status.PICKING, Status.PACKED],
        target=Status.REJECTED,
    )
    def reject(self) -> None:
        """The location cannot fulfil what is left of the delivery order."""

    @transition(
        field=status,
        source=[Status.CREATED, Status.RELEASED, Status.ACCEPTED, Status.PICKING, Status.PACKED],
        target=Status.CANCELLED,
    )
    def cancel(self) -> None:
        """Nothing of the delivery order is to be fulfilled any more."""


class DeliveryOrderLine(models.Model):
    """A quantity of one order line that a delivery order fulfils."""

    delivery_order = models.ForeignKey(
        DeliveryOrder,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("delivery order"),
    )
    order_line = models.ForeignKey(
        "orders.OrderLine",
        on_delete=models.CASCADE,
        related_name="delivery_lines",
        verbose_name=_("order line"),
    )
    sku = models.CharField(_("SKU"), max_length=64)
    quantity = models.PositiveIntegerField(_("quantity"))
    quantity_shipped = models.PositiveIntegerField(_("shipped"), default=0)
    quantity_rejected = models.PositiveIntegerField(_("rejected"), default=0)
    quantity_cancelled = models.PositiveIntegerField(_("cancelled"), default=0)

    class Meta:
        ordering = ["delivery_order", "order_line"]
        verbose_name = _("delivery order line")
        verbose_name_plural = _("delivery order lines")
        constraints = [
            models.UniqueConstraint(
                fields=["delivery_order", "order_line"], name="one_line_per_delivery_order"
            ),
            models.CheckConstraint(
                name="delivery_line_quantities_within_quantity",
                condition=models.Q(
                    quantity_shipped__lte=models.F("quantity")
                    - models.F("quantity_rejected")
                    - models.F("quantity_cancelled")
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"

    @property
    def quantity_open(self) -> int:
        """Units still to ship from this location."""
        return (
            self.quantity - self.quantity_shipped - self.quantity_rejected - self.quantity_cancelled
        )


class Shipment(ConcurrentTransitionMixin, models.Model):
    """A parcel with a carrier's tracking number."""

    class Status(models.TextChoices):
        SHIPPED = "shipped", _("Handed to carrier")
        IN_TRANSIT = "in_transit", _("In transit")
        DELIVERED = "delivered", _("Delivered")
        EXCEPTION = "exception", _("Exception")

    delivery_order = models.ForeignKey(
        DeliveryOrder,
        on_delete=models.CASCADE,
        related_name="shipments",
        verbose_name=_("delivery order"),
    )
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("carrier")
    )
    tracking_number = models.CharField(_("tracking number"), max_length=100)
    status = FSMField(
        _("status"), max_length=20, default=Status.SHIPPED, choices=Status.choices, protected=True
    )
    promised_date = models.DateField(_("promised delivery date"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    late_notified_at = models.DateTimeField(_("customer told it is late"), null=True, blank=True)
    compensated_at = models.DateTimeField(_("late compensation applied"), null=True, blank=True)

    class Meta:
        ordering = ["-shipped_at", "-id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"], name="tracking_number_unique_per_carrier"
            )
        ]
        # Late shipments, the on-time rate and the shipped → delivered step.
        indexes = [
            models.Index(fields=["status", "shipped_at"], name="shipment_status_shipped"),
            # The dashboard's split rate: the parcels handed over in an hour.
            models.Index(fields=["shipped_at"], name="shipment_shipped_at"),
            models.Index(fields=["delivered_at"], name="shipment_delivered_at"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.tracking_number}"

    @property
    def tracking_url(self) -> str:
        return self.carrier.tracking_url(self.tracking_number)

    @transition(
        field=status,
        source=[Status.SHIPPED, Status.IN_TRANSIT, Status.EXCEPTION],
        target=Status.IN_TRANSIT,
    )
    def transit(self) -> None:
        """The carrier reports the parcel on its way."""

    @transition(
        field=status,
        source=[Status.SHIPPED, Status.IN_TRANSIT, Status.EXCEPTION],
        target=Status.DELIVERED,
    )
    def deliver(self) -> None:
        """The carrier delivered the parcel."""

    @transition(
        field=status,
        source=[Status.SHIPPED, Status.IN_TRANSIT, Status.EXCEPTION],
        target=Status.EXCEPTION,
    )
    def report_exception(self) -> None:
        """The carrier reports a problem (damaged, address unknown, …)."""


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="lines", verbose_name=_("shipment")
    )
    delivery_line = models.ForeignKey(
        DeliveryOrderLine,
        on_delete=models.CASCADE,
        related_name="shipment_lines",
        verbose_name=_("delivery order line"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")

    def __str__(self) -> str:
        return f"{self.delivery_line.sku} × {self.quantity}"


class ShipmentEvent(models.Model):
    """A tracking update from the carrier."""

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="events", verbose_name=_("shipment")
    )
    status = models.CharField(_("status"), max_length=20, choices=Shipment.Status.choices)
    at = models.DateTimeField(_("at"))
    message = models.CharField(_("message"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")

    def __str__(self) -> str:
        return f"{self.shipment} {self.status} {self.at:%Y-%m-%d %H:%M}"


class ShopFulfilmentSettings(models.Model):
    """A shop's promise policy: what a customer gets when a parcel arrives late."""

    class Compensation(models.TextChoices):
        NONE = "none", _("Apology only")
        REFUND_EXPRESS_FEE = "refund_express_fee", _("Refund the express fee")
        VOUCHER = "voucher", _("Voucher code in the message")

    shop = models.OneToOneField(
        "oms.Shop",
        on_delete=models.CASCADE,
        related_name="fulfilment_settings",
        verbose_name=_("shop"),
    )
    late_compensation = models.CharField(
        _("compensation for late delivery"),
        max_length=30,
        choices=Compensation.choices,
        default=Compensation.NONE,
    )
    voucher_code = models.CharField(_("voucher code"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("shop fulfilment settings")
        verbose_name_plural = _("shop fulfilment settings")

    def __str__(self) -> str:
        return str(self.shop)

    def clean(self) -> None:
        super().clean()
        if self.late_compensation == self.Compensation.VOUCHER and not self.voucher_code:
            raise ValidationError({"voucher_code": _("A voucher compensation needs its code.")})
