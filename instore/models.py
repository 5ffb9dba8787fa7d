"""What the store screens keep beyond delivery orders: pick progress, parcels, pickups, settings."""

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oms.validators import code_validator


class PickIssueReason(models.Model):
    """Why a store cannot pick a unit; the reason decides what happens to the store's stock."""

    class StockEffect(models.TextChoices):
        NONE = "none", _("No stock change")
        REDUCE = "reduce", _("On hand reduced by the rejected quantity")
        ZERO = "zero", _("On hand of the SKU set to zero in this store")

    code = models.SlugField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    stock_effect = models.CharField(
        _("stock effect"), max_length=10, choices=StockEffect.choices, default=StockEffect.NONE
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("pick issue reason")
        verbose_name_plural = _("pick issue reasons")

    def __str__(self) -> str:
        return self.name


class StoreSettings(models.Model):
    """How a shop's orders are handled in its stores: due times, pickup deadline, handover."""

    class Verification(models.TextChoices):
        CODE = "code", _("Pickup code")
        ID = "id", _("ID check")
        CODE_OR_ID = "code_or_id", _("Pickup code or ID check")

    shop = models.OneToOneField(
        "oms.Shop", on_delete=models.CASCADE, related_name="store_settings", verbose_name=_("shop")
    )
    amber_after_minutes = models.PositiveIntegerField(
        _("amber after (minutes)"),
        default=60,
        help_text=_("A delivery order older than this is shown in amber."),
    )
    due_after_minutes = models.PositiveIntegerField(
        _("due after (minutes)"),
        default=120,
        help_text=_("A delivery order not packed by then is overdue and shown in red."),
    )
    pickup_days = models.PositiveSmallIntegerField(
        _("days to collect"),
        default=7,
        help_text=_("Click & collect orders not collected by then are cancelled."),
    )
    verification = models.CharField(
        _("handover check"),
        max_length=20,
        choices=Verification.choices,
        default=Verification.CODE_OR_ID,
    )
    manual_confirm = models.BooleanField(
        _("picking may be confirmed by hand"),
        default=True,
        help_text=_("Off: every unit must be scanned."),
    )

    class Meta:
        verbose_name = _("store settings")
        verbose_name_plural = _("store settings")

    def __str__(self) -> str:
        return str(self.shop)

    def clean(self) -> None:
        super().clean()
        if self.amber_after_minutes >= self.due_after_minutes:
            raise ValidationError(
                {"amber_after_minutes": _("Amber must come before the due time.")}
            )


class PickedQuantity(models.Model):
    """How many units of a delivery order line the store has picked so far (survives reloads)."""

    delivery_line = models.OneToOneField(
        "fulfillment.DeliveryOrderLine",
        on_delete=models.CASCADE,
        related_name="picked",
        verbose_name=_("delivery order line"),
    )
    quantity = models.PositiveIntegerField(_("picked"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.CharField(_("by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("picked quantity")
        verbose_name_plural = _("picked quantities")

    def __str__(self) -> str:
        return f"{self.delivery_line} picked {self.quantity}"


class Parcel(models.Model):
    """One packed parcel of a delivery order, with its weight and the carrier's tracking number."""

    delivery_order = models.ForeignKey(
        "fulfillment.DeliveryOrder",
        on_delete=models.CASCADE,
        related_name="parcels",
        verbose_name=_("delivery order"),
    )
    number = models.PositiveSmallIntegerField(_("parcel number"))
    weight_grams = models.PositiveIntegerField(_("weight (g)"))
    carrier = models.ForeignKey(
        "fulfillment.Carrier", on_delete=models.PROTECT, related_name="+", verbose_name=_("carrier")
    )
    tracking_number = models.CharField(_("tracking number"), max_length=100)
    shipment = models.ForeignKey(
        "fulfillment.Shipment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parcels",
        verbose_name=_("shipment"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["delivery_order", "number"]
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        constraints = [
            models.UniqueConstraint(
                fields=["delivery_order", "number"], name="one_parcel_number_per_delivery_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} ({self.weight_grams} g)"


def new_pickup_code() -> str:
    """Six characters a customer can read out: no 0/O or 1/I."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(6))


class Pickup(models.Model):
    """Goods waiting in a store for the customer: the pickup code and the deadline."""

    delivery_order = models.OneToOneField(
        "fulfillment.DeliveryOrder",
        on_delete=models.CASCADE,
        related_name="pickup",
        verbose_name=_("delivery order"),
    )
    code = models.CharField(_("pickup code"), max_length=12, default=new_pickup_code)
    ready_at = models.DateTimeField(_("ready since"), default=timezone.now)
    expires_at = models.DateTimeField(_("collect by"), db_index=True)
    notices_sent = models.PositiveSmallIntegerField(_("notices sent"), default=0)
    collected_at = models.DateTimeField(_("collected"), null=True, blank=True)
    verified_by = models.CharField(_("verified by"), max_length=20, blank=True)

    class Meta:
        ordering = ["expires_at"]
        verbose_name = _("pickup")
        verbose_name_plural = _("pickups")

    def __str__(self) -> str:
        return f"{self.code} DO-{self.delivery_order_id}"
