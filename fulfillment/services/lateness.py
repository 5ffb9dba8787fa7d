"""Late parcels: tell the customer once and apply the shop's compensation once."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fulfillment.models import Shipment, ShopFulfilmentSettings
from orders.locks import lock_order
from orders.models import Order
from orders.money import format_money
from orders.services.events import Actor, record_event
from orders.services.messages import queue_message
from orders.services.payments import reduce_payments

Compensation = ShopFulfilmentSettings.Compensation


def late_shipments(now: datetime.datetime | None = None) -> list[int]:
    """Shipments past their promised date, not delivered, whose customer was not yet told."""
    today = timezone.localdate(now or timezone.now())
    return list(
        Shipment.objects.filter(
            promised_date__lt=today, delivered_at__isnull=True, late_notified_at__isnull=True
        )
        .exclude(status=Shipment.Status.DELIVERED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def shipment_handle_late(
    *, shipment: Shipment, actor: Actor, now: datetime.datetime | None = None
) -> bool:
    """Tell the customer the parcel is late and compensate per the shop's policy (once)."""
    now = now or timezone.now()
    order_id = Shipment.objects.values_list("delivery_order__order_id", flat=True).get(
        pk=shipment.pk
    )
    order = lock_order(order_id)
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    late = (
        shipment.promised_date is not None
        and shipment.promised_date < timezone.localdate(now)
        and shipment.status != Shipment.Status.DELIVERED
    )
    if shipment.late_notified_at is not None or not late:
        return False
    shipment.late_notified_at = now
    context: dict[str, str] = {"promised_date": shipment.promised_date.isoformat()}
    policy = ShopFulfilmentSettings.objects.filter(shop_id=order.shop_id).first()
    compensation = policy.late_compensation if policy else Compensation.NONE
    already = order.events.filter(type="late_compensation").exists()
    if compensation != Compensation.NONE and not already:
        applied = _compensate(order, policy, context, actor)
        if applied:
            shipment.compensated_at = now
    shipment.save(update_fields=["late_notified_at", "compensated_at"])
    record_event(
        order,
        "shipment_late",
        actor=actor,
        message=_("Parcel %(number)s missed its promised date %(date)s.")
        % {"number": shipment.tracking_number, "date": shipment.promised_date.isoformat()},
        data={"shipment": shipment.pk},
    )
    queue_message(order=order, type="delayed", key=f"delayed:{order.pk}", context=context)
    return True


def _compensate(
    order: Order, policy: ShopFulfilmentSettings, context: dict[str, str], actor: Actor
) -> bool:
    if policy.late_compensation == Compensation.REFUND_EXPRESS_FEE:
        if order.delivery_service != "express" or order.shipping_fee <= 0:
            return False
        refunded = reduce_payments(order=order, amount=order.shipping_fee, actor=actor)
        context["refunded"] = str(order.shipping_fee)
        record_event(
            order,
            "late_compensation",
            actor=actor,
            message=_("Express fee of %(amount)s %(currency)s given back for the late parcel.")
            % {
                "amount": format_money(order.shipping_fee, order.currency),
                "currency": order.currency,
            },
            data={"kind": policy.late_compensation, "amount": str(refunded)},
        )
        return True
    if policy.late_compensation == Compensation.VOUCHER and policy.voucher_code:
        context["voucher_code"] = policy.voucher_code
        record_event(
            order,
            "late_compensation",
            actor=actor,
            message=_("Voucher %(code)s sent for the late parcel.") % {"code": policy.voucher_code},
            data={"kind": policy.late_compensation, "voucher_code": policy.voucher_code},
        )
        return True
    return False
