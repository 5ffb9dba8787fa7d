"""Orders and everything that happens to them: customers, lines, payments, timeline, messages."""

from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

MONEY = {"max_digits": 14, "decimal_places": 3}


class Customer(models.Model):
    """One person across all channels, matched by e-mail address."""

    email = models.EmailField(_("e-mail"), unique=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    group = models.CharField(_("customer group"), max_length=40, default="standard")
    language = models.CharField(_("language"), max_length=10, default="de")
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} <{self.email}>" if name else self.email


class Address(models.Model):
    """A postal address as given with an order; never edited, replaced by a new one."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="addresses",
        verbose_name=_("customer"),
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company = models.CharField(_("company"), max_length=100, blank=True)
    street = models.CharField(_("street"), max_length=200)
    street2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    country = models.ForeignKey(
        "oms.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("country")
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.street}, {self.postcode} {self.city}"


class ShopOrderSettings(models.Model):
    """How one shop handles orders: prepayment deadlines, bank details, click & reserve hold."""

    shop = models.OneToOneField(
        "oms.Shop",
        on_delete=models.CASCADE,
        related_name="order_settings",
        verbose_name=_("shop"),
    )
    prepayment_reminder_days = models.PositiveSmallIntegerField(
        _("prepayment reminder after (days)"), default=5
    )
    prepayment_cancel_days = models.PositiveSmallIntegerField(
        _("cancel unpaid prepayment after (days)"), default=10
    )
    bank_account_holder = models.CharField(_("account holder"), max_length=100, blank=True)
    bank_iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bank_bic = models.CharField(_("BIC"), max_length=11, blank=True)
    click_reserve_hold_days = models.PositiveSmallIntegerField(
        _("click & reserve hold (days)"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("How long the store keeps reserved items for the customer to come and pay."),
    )

    class Meta:
        verbose_name = _("shop order settings")
        verbose_name_plural = _("shop order settings")

    def __str__(self) -> str:
        return str(self.shop)


class Order(ConcurrentTransitionMixin, models.Model):
    """A customer's order in one shop; its status moves only through transitions."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ON_HOLD = "on_hold", _("On hold for review")
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        RELEASED = "released", _("Released")
        UNROUTABLE = "unroutable", _("Waiting for a location")
        IN_FULFILMENT = "in_fulfilment", _("In fulfilment")
        PARTLY_SHIPPED = "partly_shipped", _("Partly shipped")
        SHIPPED = "shipped", _("Shipped")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class DeliveryMethod(models.TextChoices):
        SHIP = "ship", _("Home delivery")
        CLICK_COLLECT = "click_collect", _("Click & collect")
        RESERVE = "reserve", _("Click & reserve")

    class PaymentMethod(models.TextChoices):
        PREPAYMENT = "prepayment", _("Prepayment")
        CARD = "card", _("Card")
        PAYPAL = "paypal", _("PayPal")
        INVOICE = "invoice", _("Invoice")
        CASH = "cash", _("Cash")

    number = models.CharField(_("number"), max_length=20, unique=True, null=True, editable=False)
    shop = models.ForeignKey(
        "oms.Shop", on_delete=models.PROTECT, related_name="orders", verbose_name=_("shop")
    )
    external_id = models.CharField(_("external id"), max_length=100)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=10, default="de")
    currency = models.CharField(_("currency"), max_length=3)
    status = FSMField(
        _("status"), max_length=30, default=Status.NEW, choices=Status.choices, protected=True
    )
    billing_address = models.ForeignKey(
        Address, on_delete=models.PROTECT, related_name="+", verbose_name=_("billing address")
    )
    shipping_address = models.ForeignKey(
        Address, on_delete=models.PROTECT, related_name="+", verbose_name=_("shipping address")
    )
    delivery_method = models.CharField(
        _("delivery method"), max_length=20, choices=DeliveryMethod.choices
    )
    delivery_service = models.CharField(_("delivery service"), max_length=40, blank=True)
    pickup_location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pickup_orders",
        verbose_name=_("pickup store"),
    )
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentMethod.choices
    )
    subtotal = models.DecimalField(_("goods value"), **MONEY, default=Decimal("0"))
    discount_total = models.DecimalField(_("order discounts"), **MONEY, default=Decimal("0"))
    shipping_fee = models.DecimalField(_("shipping fee"), **MONEY, default=Decimal("0"))
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"))
    hold_reason = models.CharField(
        _("hold reason"),
        max_length=300,
        blank=True,
        help_text=_("Why the order is held for review or waits for a location."),
    )
    payment_reminder_sent_at = models.DateTimeField(
        _("payment reminder sent"), null=True, blank=True
    )
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "external_id"], name="order_external_id_unique_per_shop"
            )
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The dashboard's intake → released durations.
            models.Index(fields=["released_at"], name="order_released_at"),
        ]
        # One permission per care action (customercare/actions.py, oms/roles.py).
        permissions = [
            ("cancel_order", _("Can cancel orders or quantities of lines")),
            ("change_address_order", _("Can change the delivery address or switch to pickup")),
            ("change_payment_order", _("Can change the payment method")),
            ("exchange_order", _("Can exchange items for another size or colour")),
            ("approve_order", _("Can approve or reject orders held for review")),
            ("refund_order", _("Can give goodwill refunds and vouchers")),
            ("resend_message_order", _("Can resend customer messages")),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status not in {self.Status.COMPLETED, self.Status.CANCELLED}

    # Transitions change the object in memory only; services save and record events.

    @transition(field=status, source=Status.NEW, target=Status.ON_HOLD)
    def hold(self) -> None:
        """Hold the order for manual risk review."""

    @transition(field=status, source=[Status.NEW, Status.ON_HOLD], target=Status.AWAITING_PAYMENT)
    def await_payment(self) -> None:
        """Wait for the customer's payment before fulfilment."""

    @transition(
        field=status,
        source=[Status.NEW, Status.ON_HOLD, Status.AWAITING_PAYMENT],
        target=Status.RELEASED,
    )
    def release(self) -> None:
        """Release the order for fulfilment."""
        self.released_at = timezone.now()

    @transition(field=status, source=Status.RELEASED, target=Status.IN_FULFILMENT)
    def start_fulfilment(self) -> None:
        """Mark the order as being fulfilled."""

    @transition(
        field=status, source=[Status.RELEASED, Status.IN_FULFILMENT], target=Status.UNROUTABLE
    )
    def wait_for_routing(self, reason: str) -> None:
        """No location can take the order now: it waits, with the reason, and is retried."""
        self.hold_reason = reason[:300]

    @transition(field=status, source=Status.UNROUTABLE, target=Status.RELEASED)
    def resume_routing(self) -> None:
        """A location can take the waiting order again: it is routed as a released order."""
        self.hold_reason = ""

    @transition(
        field=status,
        source=[Status.RELEASED, Status.IN_FULFILMENT, Status.PARTLY_SHIPPED],
        target=Status.PARTLY_SHIPPED,
    )
    def ship_partly(self) -> None:
        """Record that part of the order has been shipped."""

    @transition(
        field=status,
        source=[Status.RELEASED, Status.IN_FULFILMENT, Status.PARTLY_SHIPPED],
        target=Status.SHIPPED,
    )
    def ship(self) -> None:
        """Record that everything not cancelled has been shipped."""

    @transition(
        field=status, source=[Status.SHIPPED, Status.COMPLETED], target=Status.PARTLY_SHIPPED
    )
    def reopen(self) -> None:
        """A new line (an exchange of delivered units) is to be shipped after all."""

    @transition(field=status, source=Status.SHIPPED, target=Status.COMPLETED)
    def complete(self) -> None:
        """Close the order."""

    @transition(
        field=status,
        source=[
            Status.NEW,
            Status.ON_HOLD,
            Status.AWAITING_PAYMENT,
            Status.RELEASED,
            Status.UNROUTABLE,
            Status.IN_FULFILMENT,
        ],
        target=Status.CANCELLED,
    )
    def cancel(self) -> None:
        """Cancel the whole order."""
        self.cancelled_at = timezone.now()


class OrderDiscount(models.Model):
    """An order-level promotion as submitted by the shop."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="discounts")
    code = models.CharField(_("code"), max_length=60, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("order discount")
        verbose_name_plural = _("order discounts")

    def __str__(self) -> str:
        return f"{self.code} {self.amount}"


class OrderLine(models.Model):
    """One SKU of an order with its prices and the fate of its units."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PARTLY_SHIPPED = "partly_shipped", _("Partly shipped")
        SHIPPED = "shipped", _("Shipped")
        CANCELLED = "cancelled", _("Cancelled")
        RETURNED = "returned", _("Returned")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    product = models.ForeignKey(
        "inventory.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    discount = models.DecimalField(_("line discount"), **MONEY, default=Decimal("0"))
    order_discount = models.DecimalField(
        _("share of order discounts"), **MONEY, default=Decimal("0")
    )
    net_price = models.DecimalField(_("net line total"), **MONEY)
    unit_amounts = models.JSONField(
        _("net amount per unit"),
        default=list,
        help_text=_("What each unit was sold for after all discounts; refunds use these."),
    )
    quantity_cancelled = models.PositiveIntegerField(_("cancelled"), default=0)
    quantity_allocated = models.PositiveIntegerField(_("allocated"), default=0)
    quantity_shipped = models.PositiveIntegerField(_("shipped"), default=0)
    quantity_returned = models.PositiveIntegerField(_("returned"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, editable=False
    )

    class Meta:
        ordering = ["order", "position"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                name="order_line_quantities_within_ordered",
                condition=models.Q(
                    quantity_cancelled__lte=models.F("quantity") - models.F("quantity_shipped"),
                    quantity_returned__lte=models.F("quantity_shipped"),
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"

    @property
    def quantity_open(self) -> int:
        """Units neither cancelled nor shipped."""
        return self.quantity - self.quantity_cancelled - self.quantity_shipped

    def refresh_status(self) -> None:
        """Derive the line status from its quantities."""
        active = self.quantity - self.quantity_cancelled
        if active == 0:
            self.status = self.Status.CANCELLED
        elif self.quantity_returned and self.quantity_returned >= active:
            self.status = self.Status.RETURNED
        elif self.quantity_shipped >= active:
            self.status = self.Status.SHIPPED
        elif self.quantity_shipped:
            self.status = self.Status.PARTLY_SHIPPED
        else:
            self.status = self.Status.OPEN


class Payment(models.Model):
    """One means of payment of an order and how much of it was authorised, paid, refunded."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        AUTHORIZED = "authorized", _("Authorised")
        PAID = "paid", _("Paid")
        PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")
        REFUNDED = "refunded", _("Refunded")
        VOIDED = "voided", _("Voided")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(_("method"), max_length=20, choices=Order.PaymentMethod.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    amount_captured = models.DecimalField(_("captured/paid"), **MONEY, default=Decimal("0"))
    amount_refunded = models.DecimalField(_("refunded"), **MONEY, default=Decimal("0"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.method} {self.amount} ({self.status})"


class PaymentTransaction(models.Model):
    """One call to the payment provider or one recorded incoming payment."""

    class Kind(models.TextChoices):
        AUTHORIZE = "authorize", _("Authorise")
        CAPTURE = "capture", _("Capture")
        PAYMENT = "payment", _("Payment received")
        REFUND = "refund", _("Refund")
        VOID = "void", _("Void")

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="transactions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    succeeded = models.BooleanField(_("succeeded"))
    provider = models.CharField(_("provider"), max_length=40, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["payment", "id"]
        verbose_name = _("payment transaction")
        verbose_name_plural = _("payment transactions")

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class OrderEvent(models.Model):
    """One entry on an order's timeline; append-only."""

    class ActorKind(models.TextChoices):
        USER = "user", _("User")
        API_CLIENT = "api_client", _("API client")
        SYSTEM = "system", _("System")

    class Channel(models.TextChoices):
        API = "api", _("API")
        CARE = "care", _("Customer care")
        STORE = "store", _("Store")
        PARTNER = "partner", _("Partner portal")
        SYSTEM = "system", _("System")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    type = models.CharField(_("type"), max_length=50)
    actor = models.CharField(_("actor"), max_length=150)
    actor_kind = models.CharField(_("actor kind"), max_length=20, choices=ActorKind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["order", "at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        # The dashboard's steps that only the timeline knows (pickup, returns).
        indexes = [models.Index(fields=["type", "at"], name="orderevent_type_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.type}"


class RiskRule(models.Model):
    """A condition that holds an order for review or asks for prepayment; set in the admin."""

    class Condition(models.TextChoices):
        LINE_QUANTITY_ABOVE = "line_quantity_above", _("Quantity of one SKU above")
        ORDER_VALUE_ABOVE = "order_value_above", _("Order value above")
        NEW_CUSTOMER_VALUE_ABOVE = "new_customer_value_above", _("New customer, value above")
        COUNTRIES_DIFFER = "countries_differ", _("Billing and shipping country differ")
        SKU_WATCH_LIST = "sku_watch_list", _("SKU on watch list")

    class Action(models.TextChoices):
        HOLD = "hold", _("Hold for manual review")
        PREPAYMENT = "prepayment", _("Switch payment to prepayment")

    name = models.CharField(_("name"), max_length=100, unique=True)
    condition = models.CharField(_("condition"), max_length=40, choices=Condition.choices)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Quantity or amount the condition compares with."),
    )
    skus = models.TextField(
        _("watched SKUs"), blank=True, help_text=_("One SKU per line or comma-separated.")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    shops = models.ManyToManyField(
        "oms.Shop",
        blank=True,
        related_name="+",
        verbose_name=_("shops"),
        help_text=_("Leave empty to apply to every shop."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")

    def __str__(self) -> str:
        return self.name

    @property
    def sku_list(self) -> set[str]:
        return {s.strip() for s in self.skus.replace(",", "\n").splitlines() if s.strip()}


class MessageTemplate(models.Model):
    """Subject and body of one kind of customer message in one language (Django template)."""

    class Type(models.TextChoices):
        CONFIRMATION = "confirmation", _("Order confirmation")
        PAYMENT_INSTRUCTIONS = "payment_instructions", _("Prepayment instructions")
        PAYMENT_REMINDER = "payment_reminder", _("Payment reminder")
        PAYMENT_METHOD_CHANGED = "payment_method_changed", _("Payment method changed")
        PAYMENT_RECEIVED = "payment_received", _("Payment received")
        CANCELLED = "cancelled", _("Cancellation")
        SHIPPED = "shipped", _("Shipped")
        DELAYED = "delayed", _("Delayed")
        READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
        REFUND_ISSUED = "refund_issued", _("Refund issued")
        GOODWILL_VOUCHER = "goodwill_voucher", _("Goodwill voucher")
        PAYMENT_METHOD_INVOICE = "payment_method_invoice", _("Payment method changed to invoice")

    type = models.CharField(_("type"), max_length=40, choices=Type.choices)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))

    class Meta:
        ordering = ["type", "language"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["type", "language"], name="message_template_type_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.language})"


class CustomerMessage(models.Model):
    """A message to a customer, rendered once and sent at most once."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="messages")
    type = models.CharField(_("type"), max_length=40, choices=MessageTemplate.Type.choices)
    key = models.CharField(
        _("deduplication key"),
        max_length=200,
        unique=True,
        help_text=_("The same event never produces a second message."),
    )
    language = models.CharField(_("language"), max_length=10)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The outbox (orders.services.messages): what the drain needs besides the order, and how
    # sending went so far.
    context = models.JSONField(
        _("extra context"),
        default=dict,
        encoder=DjangoJSONEncoder,
        blank=True,
        help_text=_("Values for the template besides the order, given when it was queued."),
    )
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    class Meta:
        ordering = ["order", "created_at", "id"]
        indexes = [
            # The outbox: the drains read the few unsent messages in id order.
            models.Index(
                fields=["id"],
                condition=models.Q(sent_at__isnull=True),
                name="orders_message_unsent",
            )
        ]
        verbose_name = _("customer message")
        verbose_name_plural = _("customer messages")

    def __str__(self) -> str:
        return f"{self.type} → {self.to}"
