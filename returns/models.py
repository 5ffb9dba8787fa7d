"""Returns and refunds: what comes back, what the customer gets, where the goods go."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

MONEY = {"max_digits": 14, "decimal_places": 3}


class ShopReturnSettings(models.Model):
    """How one shop takes returns: window, when refunds are paid, shipping fee, trust."""

    class RefundTiming(models.TextChoices):
        RECEIPT = "receipt", _("When the parcel is received")
        INSPECTION = "inspection", _("After inspection")

    shop = models.OneToOneField(
        "oms.Shop", on_delete=models.CASCADE, related_name="return_settings", verbose_name=_("shop")
    )
    window_days = models.PositiveSmallIntegerField(
        _("return window (days)"), default=30, help_text=_("Counted from the shipment.")
    )
    refund_timing = models.CharField(
        _("refund mailed returns"),
        max_length=20,
        choices=RefundTiming.choices,
        default=RefundTiming.RECEIPT,
    )
    trusted_groups = models.CharField(
        _("trusted customer groups"),
        max_length=200,
        blank=True,
        default="vip",
        help_text=_("Comma-separated customer groups refunded as soon as they announce a return."),
    )
    refund_shipping_on_full_return = models.BooleanField(
        _("refund the shipping fee when everything is returned"), default=True
    )
    announcement_valid_days = models.PositiveSmallIntegerField(
        _("announced returns are cancelled after (days)"),
        default=30,
        help_text=_(
            "A mailed return whose parcel has not arrived after this many days is cancelled "
            "automatically, so its units can be returned again. 0: never."
        ),
    )

    class Meta:
        verbose_name = _("shop return settings")
        verbose_name_plural = _("shop return settings")

    def __str__(self) -> str:
        return str(self.shop)

    @property
    def trusted_group_list(self) -> set[str]:
        return {group.strip() for group in self.trusted_groups.split(",") if group.strip()}


class ReturnFee(models.Model):
    """A fee kept from the refund of a return, per shop and (optionally) return reason."""

    shop = models.ForeignKey(
        "oms.Shop", on_delete=models.CASCADE, related_name="return_fees", verbose_name=_("shop")
    )
    reason = models.CharField(
        _("reason"),
        max_length=100,
        blank=True,
        help_text=_("Matched without regard to case; empty: every reason without its own fee."),
    )
    amount = models.DecimalField(_("fee"), **MONEY, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["shop", "reason"]
        verbose_name = _("return fee")
        verbose_name_plural = _("return fees")
        constraints = [
            models.UniqueConstraint(fields=["shop", "reason"], name="one_return_fee_per_reason")
        ]

    def __str__(self) -> str:
        return f"{self.shop} {self.reason or '*'}: {self.amount}"


class StoreTargetStock(models.Model):
    """How many units of a SKU a store wants on its shelf; resellable returns fill it first."""

    location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("store"),
        limit_choices_to={"type": "store"},
    )
    product = models.ForeignKey(
        "inventory.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    quantity = models.PositiveIntegerField(_("target stock"))

    class Meta:
        ordering = ["location", "product"]
        verbose_name = _("store target stock")
        verbose_name_plural = _("store target stock")
        constraints = [
            models.UniqueConstraint(fields=["location", "product"], name="one_target_per_store_sku")
        ]

    def __str__(self) -> str:
        return f"{self.location_id}/{self.product_id}: {self.quantity}"


class Return(ConcurrentTransitionMixin, models.Model):
    """A return authorisation: announced (mail) or taken at a store counter."""

    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("Announced")
        RECEIVED = "received", _("Received")
        INSPECTED = "inspected", _("Inspected")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        MAIL = "mail", _("By mail")
        STORE = "store", _("In store")

    # Not yet finished: the goods or the money may still move.
    OPEN_STATES = (Status.ANNOUNCED, Status.RECEIVED, Status.INSPECTED)

    number = models.CharField(_("return authorisation"), max_length=30, unique=True)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="returns", verbose_name=_("order")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = FSMField(
        _("status"), max_length=20, default=Status.ANNOUNCED, choices=Status.choices, protected=True
    )
    destination = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("send to"),
        help_text=_("Where the parcel goes (the address on the label), or the store."),
    )
    received_at_location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received at"),
    )
    refund_amount = models.DecimalField(_("refund"), **MONEY, default=Decimal("0"))
    goods_value = models.DecimalField(_("value of the goods"), **MONEY, default=Decimal("0"))
    shipping_refund = models.DecimalField(_("shipping fee refunded"), **MONEY, default=Decimal("0"))
    fee = models.DecimalField(_("return fee"), **MONEY, default=Decimal("0"))
    refund_on = models.CharField(_("refund when"), max_length=20, blank=True)
    window_overridden = models.BooleanField(_("return window overridden"), default=False)
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("announced"), default=timezone.now, db_index=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    inspected_at = models.DateTimeField(_("inspected"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        permissions = [
            ("override_return_window", _("Can accept returns after the return window")),
            ("process_return", _("Can receive, inspect and close returns")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_refunded(self) -> bool:
        return self.refunds.filter(succeeded=True).exists()

    @transition(field=status, source=Status.ANNOUNCED, target=Status.RECEIVED)
    def receive(self) -> None:
        """The goods are back at a location."""
        self.received_at = timezone.now()

    @transition(field=status, source=Status.RECEIVED, target=Status.INSPECTED)
    def inspect(self) -> None:
        """The goods have been checked and their condition recorded."""
        self.inspected_at = timezone.now()

    @transition(field=status, source=[Status.INSPECTED], target=Status.CLOSED)
    def close(self) -> None:
        """Nothing more to do for this return."""
        self.closed_at = timezone.now()

    @transition(field=status, source=Status.ANNOUNCED, target=Status.CANCELLED)
    def cancel(self) -> None:
        """The parcel will not come (the customer kept the goods, or it never arrived)."""
        self.cancelled_at = timezone.now()


class ReturnLine(models.Model):
    """Units of one order line coming back, their value and where they go."""

    class Condition(models.TextChoices):
        RESELLABLE = "resellable", _("Resellable")
        DEFECTIVE = "defective", _("Defective")

    return_order = models.ForeignKey(
        Return, on_delete=models.CASCADE, related_name="lines", verbose_name=_("return")
    )
    order_line = models.ForeignKey(
        "orders.OrderLine",
        on_delete=models.PROTECT,
        related_name="return_lines",
        verbose_name=_("order line"),
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    first_unit = models.PositiveIntegerField(
        _("first unit"), help_text=_("Position of the first returned unit in the line's units.")
    )
    amount = models.DecimalField(_("value"), **MONEY)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices)
    destination = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("goods go to"),
    )

    class Meta:
        ordering = ["return_order", "id"]
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")

    def __str__(self) -> str:
        return f"{self.order_line.sku} × {self.quantity}"


class Refund(models.Model):
    """Money given back for a return: through the original payment or in cash at a store."""

    class Method(models.TextChoices):
        ORIGINAL = "original", _("Original payment method")
        CASH = "cash", _("Cash")

    return_order = models.ForeignKey(
        Return, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("return")
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order")
    )
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    amount = models.DecimalField(
        _("amount"), **MONEY, help_text=_("What the customer owes less, in total.")
    )
    amount_paid_out = models.DecimalField(
        _("paid back"),
        **MONEY,
        default=Decimal("0"),
        help_text=_("Money sent back; the rest lowered an authorisation not yet captured."),
    )
    succeeded = models.BooleanField(_("succeeded"), default=True)
    transactions = models.ManyToManyField(
        "orders.PaymentTransaction", blank=True, related_name="+", verbose_name=_("transactions")
    )
    location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paid out at"),
    )
    actor = models.CharField(_("by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["order", "created_at", "id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.UniqueConstraint(
                fields=["return_order"],
                condition=models.Q(succeeded=True),
                name="one_successful_refund_per_return",
            )
        ]

    def __str__(self) -> str:
        return f"{self.return_order} {self.amount} ({self.method})"


class Transfer(ConcurrentTransitionMixin, models.Model):
    """Returned goods on their way from where they came back to where they are useful."""

    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", _("In transit")
        ARRIVED = "arrived", _("Arrived")

    return_line = models.ForeignKey(
        ReturnLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
        verbose_name=_("return line"),
    )
    product = models.ForeignKey(
        "inventory.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    condition = models.CharField(
        _("condition"), max_length=20, choices=ReturnLine.Condition.choices
    )
    source = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    target = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    status = FSMField(
        _("status"),
        max_length=20,
        default=Status.IN_TRANSIT,
        choices=Status.choices,
        protected=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}: {self.source_id} → {self.target_id}"

    @transition(field=status, source=Status.IN_TRANSIT, target=Status.ARRIVED)
    def arrive(self) -> None:
        """The goods are at the target location."""
        self.arrived_at = timezone.now()
