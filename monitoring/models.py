"""Service levels per process step, the breaches found against them, and who is alerted."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Step(models.TextChoices):
    """The process steps the dashboard times, each from one recorded moment to the next."""

    INTAKE_RELEASED = "intake_released", _("Intake → released")
    RELEASED_ROUTED = "released_routed", _("Released → routed")
    ROUTED_ACCEPTED = "routed_accepted", _("Routed → accepted")
    ACCEPTED_SHIPPED = "accepted_shipped", _("Accepted → shipped")
    SHIPPED_DELIVERED = "shipped_delivered", _("Shipped → delivered")
    PICKUP_COLLECTED = "pickup_collected", _("Ready for pickup → collected")
    RETURN_REFUNDED = "return_refunded", _("Return announced → refunded")


# Used when the admin configured nothing for a step (neither for the shop nor as default).
DEFAULT_SLAS: dict[str, datetime.timedelta] = {
    Step.INTAKE_RELEASED: datetime.timedelta(hours=24),
    Step.RELEASED_ROUTED: datetime.timedelta(hours=1),
    Step.ROUTED_ACCEPTED: datetime.timedelta(hours=4),
    Step.ACCEPTED_SHIPPED: datetime.timedelta(hours=24),
    Step.SHIPPED_DELIVERED: datetime.timedelta(days=4),
    Step.PICKUP_COLLECTED: datetime.timedelta(days=5),
    Step.RETURN_REFUNDED: datetime.timedelta(days=7),
}


class StepSla(models.Model):
    """How long one process step may take, for one shop or (without shop) for every shop."""

    step = models.CharField(_("step"), max_length=30, choices=Step.choices)
    shop = models.ForeignKey(
        "oms.Shop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shop"),
        help_text=_("Empty: the default for every shop without its own value."),
    )
    max_duration = models.DurationField(
        _("maximum duration"), help_text=_("e.g. 4:00:00 for four hours, 2 00:00:00 for two days.")
    )

    class Meta:
        ordering = ["step", "shop__code"]
        verbose_name = _("step service level")
        verbose_name_plural = _("step service levels")
        constraints = [
            models.UniqueConstraint(fields=["step", "shop"], name="one_sla_per_step_and_shop"),
            models.UniqueConstraint(
                fields=["step"], condition=models.Q(shop__isnull=True), name="one_default_sla"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} ({(self.shop_id and self.shop.code) or _('default')})"

    def clean(self) -> None:
        super().clean()
        if self.max_duration is not None and self.max_duration <= datetime.timedelta(0):
            raise ValidationError({"max_duration": _("The duration must be positive.")})


class SlaBreach(models.Model):
    """An order found past the service level of a step; marked once per order and step."""

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="sla_breaches",
        verbose_name=_("order"),
    )
    step = models.CharField(_("step"), max_length=30, choices=Step.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    step_started_at = models.DateTimeField(_("step started"))
    sla = models.DurationField(_("service level"))
    detected_at = models.DateTimeField(_("detected"), default=timezone.now, db_index=True)
    notified_at = models.DateTimeField(_("operations alerted"), null=True, blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        constraints = [
            models.UniqueConstraint(fields=["order", "step"], name="one_breach_per_order_and_step")
        ]
        indexes = [models.Index(fields=["notified_at", "detected_at"])]

    def __str__(self) -> str:
        return f"{self.order} {self.step}"


class AlertSettings(models.Model):
    """Who operations alerts go to and how often (one row, edited in the admin)."""

    class Mode(models.TextChoices):
        OFF = "off", _("No e-mail")
        IMMEDIATE = "immediate", _("Immediately when found")
        DAILY = "daily", _("Daily digest")

    mode = models.CharField(
        _("alert e-mail"), max_length=20, choices=Mode.choices, default=Mode.OFF
    )
    recipients = models.TextField(
        _("recipients"),
        blank=True,
        help_text=_("E-mail addresses, one per line or comma-separated."),
    )
    digest_hour = models.PositiveSmallIntegerField(
        _("digest hour"), default=7, help_text=_("Local hour (0–23) the daily digest is sent.")
    )

    class Meta:
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")

    def __str__(self) -> str:
        return str(_("Alert settings"))

    @property
    def recipient_list(self) -> list[str]:
        return [
            item.strip() for item in self.recipients.replace(",", "\n").splitlines() if item.strip()
        ]

    def clean(self) -> None:
        super().clean()
        errors = {}
        for address in self.recipient_list:
            try:
                validate_email(address)
            except ValidationError:
                errors["recipients"] = _("%(value)s is not an e-mail address.") % {"value": address}
        if self.mode != self.Mode.OFF and not self.recipient_list:
            errors["recipients"] = _("Alerts need at least one recipient.")
        if self.digest_hour > 23:
            errors["digest_hour"] = _("Between 0 and 23.")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls) -> "AlertSettings":
        return cls.objects.order_by("pk").first() or cls()


class StepDuration(models.Model):
    """One finished process step with its duration: the facts the step percentiles read.

    Copied from the recorded times by `monitoring.services.step_durations_refresh` (a beat
    job, every minute) up to `StepRollupState.covered_until`; the dashboard reads the minutes
    after that straight from the orders, delivery orders, shipments and the timeline.
    """

    step = models.CharField(_("step"), max_length=30, choices=Step.choices)
    # The order, delivery order or shipment whose recorded time ended the step.
    source_id = models.BigIntegerField(_("source"))
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
        verbose_name=_("order"),
    )
    shop_id = models.BigIntegerField(_("shop"))
    # The delivery order's location for the steps of a delivery order or its parcel; empty
    # for the order's own steps (intake, pickup, return): those count at every location the
    # order has a delivery order at.
    location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,  # read through the indexes below, which include it
        related_name="+",
        verbose_name=_("location"),
    )
    finished_at = models.DateTimeField(_("finished"))
    seconds = models.FloatField(_("duration in seconds"))
    # floor(ln(max(seconds, 1)) / BUCKET_WIDTH): ordered like `seconds`, so a percentile's
    # rank is found in the counts per bucket and its value read exactly inside one bucket.
    bucket = models.SmallIntegerField(_("duration bucket"))

    class Meta:
        verbose_name = _("step duration")
        verbose_name_plural = _("step durations")
        constraints = [
            models.UniqueConstraint(fields=["step", "source_id"], name="one_duration_per_source")
        ]
        indexes = [
            # The window's first part-hour (day with a location filter), the recounts and the
            # pruning; the location and order say where a location filter counts a duration.
            models.Index(
                fields=["finished_at", "step", "bucket", "shop_id"],
                include=["location", "order"],
                name="stepduration_finished",
            ),
            # A percentile's value among one bucket's durations.
            models.Index(
                fields=["step", "bucket", "finished_at", "shop_id", "seconds"],
                include=["location", "order"],
                name="stepduration_step_bucket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} {self.source_id}: {self.seconds:.0f} s"


class StepHistogram(models.Model):
    """How many steps finished in one hour or one day (UTC) per shop and duration bucket."""

    class Span(models.TextChoices):
        HOUR = "hour", _("Hour")
        DAY = "day", _("Day")

    step = models.CharField(_("step"), max_length=30, choices=Step.choices)
    span = models.CharField(_("span"), max_length=4, choices=Span.choices)
    start = models.DateTimeField(_("start"))
    shop_id = models.BigIntegerField(_("shop"))
    bucket = models.SmallIntegerField(_("duration bucket"))
    count = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("step duration histogram")
        verbose_name_plural = _("step duration histograms")
        constraints = [
            models.UniqueConstraint(
                fields=["step", "span", "start", "shop_id", "bucket"], name="one_histogram_cell"
            )
        ]
        indexes = [
            models.Index(
                fields=["span", "start", "step", "bucket", "shop_id", "count"],
                name="stephistogram_span_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} {self.span} {self.start:%Y-%m-%d %H}h {self.bucket}: {self.count}"


class StepPlaceHistogram(models.Model):
    """How many steps finished in one day (UTC) per shop, location or type, and bucket.

    The cells the location (type) filters read: a step of a delivery order or its parcel
    counts at that location and its type; the order's own steps (intake, pickup, return) at
    every location and every type it has a delivery order at, once each. A location's cell
    has `location_id` and no type, a type's cell the type and no location. The readers take
    the days; hour cells are kept for yesterday and today only, to add up today's day cell
    every minute without counting the whole day's durations again.
    """

    step = models.CharField(_("step"), max_length=30, choices=Step.choices)
    span = models.CharField(
        _("span"), max_length=4, choices=StepHistogram.Span.choices, default="day"
    )
    start = models.DateTimeField(_("start"))
    shop_id = models.BigIntegerField(_("shop"))
    location_id = models.BigIntegerField(_("location"), null=True, blank=True)
    location_type = models.CharField(_("location type"), max_length=20, blank=True)
    bucket = models.SmallIntegerField(_("duration bucket"))
    count = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("step duration histogram per location")
        verbose_name_plural = _("step duration histograms per location")
        indexes = [
            models.Index(
                fields=[
                    "span",
                    "location_type",
                    "location_id",
                    "start",
                    "step",
                    "bucket",
                    "shop_id",
                ],
                include=["count"],
                name="stepplacehistogram_place",
            ),
            models.Index(fields=["span", "start"], name="stepplacehistogram_start"),
        ]

    def __str__(self) -> str:
        place = self.location_type or f"location {self.location_id}"
        return (
            f"{self.step} {self.span} {self.start:%Y-%m-%d %H}h {place} {self.bucket}: {self.count}"
        )


class RollupState(models.Model):
    """How far a roll-up job has counted: [covered_from, covered_until), and when it ran."""

    covered_from = models.DateTimeField(_("covered from"))
    covered_until = models.DateTimeField(_("covered until"))
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.covered_from:%Y-%m-%d %H:%M} – {self.covered_until:%Y-%m-%d %H:%M}"


class StepRollupState(RollupState):
    """How far the step durations are copied: [covered_from, covered_until).

    The histogram counts every hour and day (UTC) up to `covered_until`, the last ones only
    up to that moment.
    """

    class Meta:
        verbose_name = _("step duration roll-up")
        verbose_name_plural = _("step duration roll-ups")


class KeyFigureMeasures(models.Model):
    """The key figures of one cell, each counted at its own moment (see `monitoring.figures`).

    Orders and their value, cancellations and units at the order's placing; split rate at the
    order's first parcel; store share at the delivery order's creation; on time at the
    delivery. The roll-up job counts a cell again whenever one of its orders gets a timeline
    entry.
    """

    start = models.DateTimeField(_("hour"))
    shop_id = models.BigIntegerField(_("shop"))
    orders = models.PositiveIntegerField(_("orders"), default=0)
    revenue = models.DecimalField(_("revenue"), max_digits=16, decimal_places=3, default=0)
    cancelled = models.PositiveIntegerField(_("cancelled orders"), default=0)
    units_shipped = models.PositiveIntegerField(_("units shipped"), default=0)
    units_returned = models.PositiveIntegerField(_("units returned"), default=0)
    orders_shipped = models.PositiveIntegerField(_("orders first shipped"), default=0)
    parcels = models.PositiveIntegerField(_("their parcels"), default=0)
    deliveries = models.PositiveIntegerField(_("delivery orders"), default=0)
    store_deliveries = models.PositiveIntegerField(_("from stores"), default=0)
    delivered = models.PositiveIntegerField(_("parcels delivered"), default=0)
    on_time = models.PositiveIntegerField(_("delivered on time"), default=0)

    class Meta:
        abstract = True


class KeyFigureHour(KeyFigureMeasures):
    """The key figures of one hour (UTC) and shop, counted by the roll-up job."""

    class Meta:
        verbose_name = _("key figures of an hour")
        verbose_name_plural = _("key figures per hour")
        constraints = [
            models.UniqueConstraint(fields=["start", "shop_id"], name="one_key_figure_cell")
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H}h shop {self.shop_id}: {self.orders} orders"


class KeyFigureLocationHour(KeyFigureMeasures):
    """The key figures of one hour (UTC), shop and location, as the location filter counts.

    An order counts at every location it has a delivery order at; parcels, deliveries and
    on-time deliveries at their delivery order's location.
    """

    location_id = models.BigIntegerField(_("location"))

    class Meta:
        verbose_name = _("key figures of an hour at a location")
        verbose_name_plural = _("key figures per hour and location")
        constraints = [
            models.UniqueConstraint(
                fields=["start", "shop_id", "location_id"], name="one_key_figure_location_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H}h shop {self.shop_id} location {self.location_id}"


class KeyFigureLocationTypeHour(KeyFigureMeasures):
    """The key figures of one hour (UTC), shop and location type, as the type filter counts.

    Counted on their own, not summed from the location cells: an order with delivery orders
    at two stores counts once for "stores".
    """

    location_type = models.CharField(_("location type"), max_length=20)

    class Meta:
        verbose_name = _("key figures of an hour at a location type")
        verbose_name_plural = _("key figures per hour and location type")
        constraints = [
            models.UniqueConstraint(
                fields=["start", "shop_id", "location_type"],
                name="one_key_figure_location_type_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H}h shop {self.shop_id} {self.location_type}"


class KeyFigureRollupState(RollupState):
    """The key-figure cells count every hour in [covered_from, covered_until).

    The cell of the hour `covered_until` lies in counts up to that moment.
    """

    class Meta:
        verbose_name = _("key figure roll-up")
        verbose_name_plural = _("key figure roll-ups")
