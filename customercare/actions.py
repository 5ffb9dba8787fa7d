"""The actions an agent can take on an order: who may, when the order allows it, the form
that asks for the details and the reason, and the one service each calls."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import Location
from oms.models import Country
from orders.models import Order
from orders.money import format_money
from orders.services import Actor, LineQuantity, approve_order, cancel_order, care, reject_order
from orders.services.lifecycle import change_shipping_address, shipping_address_locked
from orders.services.messages import MAX_SEND_ATTEMPTS
from returns.models import Return, ReturnLine
from returns.selectors import slip_url
from returns.services import ReturnItem, return_announce

# One permission per action (orders.models.Order.Meta.permissions; oms/roles.py grants them).
VIEW = "orders.view_order"
CANCEL = "orders.cancel_order"
CHANGE_ADDRESS = "orders.change_address_order"
CHANGE_PAYMENT = "orders.change_payment_order"
EXCHANGE = "orders.exchange_order"
APPROVE = "orders.approve_order"
REFUND = "orders.refund_order"
RESEND_MESSAGE = "orders.resend_message_order"
START_RETURN = "returns.add_return"
OVERRIDE_RETURN_WINDOW = "returns.override_return_window"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, order: Order, user=None, **kwargs) -> None:
        self.order = order
        self.user = user
        super().__init__(*args, **kwargs)


class CancelForm(ReasonForm):
    whole = forms.BooleanField(
        label=gettext_lazy("Cancel everything not yet shipped"), required=False
    )

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, order=order, **kwargs)
        self.open_lines = [line for line in order.lines.all() if line.quantity_open]
        for line in self.open_lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.sku} · {line.name}",
                min_value=0,
                max_value=line.quantity_open,
                initial=0,
                required=False,
                help_text=_("%(open)s not yet shipped") % {"open": line.quantity_open},
            )
        self.order_fields(["whole", *(f"line_{line.pk}" for line in self.open_lines), "reason"])

    def quantities(self) -> list[LineQuantity]:
        return [
            LineQuantity(line.pk, self.cleaned_data.get(f"line_{line.pk}") or 0)
            for line in self.open_lines
            if self.cleaned_data.get(f"line_{line.pk}")
        ]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("whole") and not any(
            cleaned.get(f"line_{line.pk}") for line in self.open_lines
        ):
            raise forms.ValidationError(_("Choose what to cancel."))
        return cleaned


class AddressForm(ReasonForm):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100)
    company = forms.CharField(label=gettext_lazy("Company"), max_length=100, required=False)
    street = forms.CharField(label=gettext_lazy("Street"), max_length=200)
    street2 = forms.CharField(label=gettext_lazy("Address line 2"), max_length=200, required=False)
    postcode = forms.CharField(label=gettext_lazy("Postcode"), max_length=10)
    city = forms.CharField(label=gettext_lazy("City"), max_length=100)
    country = forms.ChoiceField(label=gettext_lazy("Country"))
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40, required=False)

    def __init__(self, *args, order: Order, **kwargs) -> None:
        address = order.shipping_address
        kwargs.setdefault(
            "initial",
            {
                name: getattr(address, name)
                for name in (
                    "first_name",
                    "last_name",
                    "company",
                    "street",
                    "street2",
                    "postcode",
                    "city",
                    "phone",
                )
            }
            | {"country": address.country.code},
        )
        super().__init__(*args, order=order, **kwargs)
        self.fields["country"].choices = [
            (c.code, c.name) for c in Country.objects.order_by("code")
        ]
        self.order_fields([*[n for n in self.fields if n != "reason"], "reason"])

    def address(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "reason"}


class ClickCollectForm(ReasonForm):
    store = forms.ChoiceField(label=gettext_lazy("Pickup store"))

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, order=order, **kwargs)
        stores = Location.objects.filter(
            type=Location.Type.STORE, offers_pickup=True, is_active=True
        ).order_by("name")
        self.fields["store"].choices = [(s.code, f"{s.name} ({s.code})") for s in stores]
        self.order_fields(["store", "reason"])


class PaymentMethodForm(ReasonForm):
    method = forms.ChoiceField(label=gettext_lazy("New payment method"))

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, order=order, **kwargs)
        self.fields["method"].choices = [
            (method, Order.PaymentMethod(method).label)
            for method in care.PAYMENT_METHOD_TARGETS
            if method != order.payment_method
        ]
        self.order_fields(["method", "reason"])


class ExchangeForm(ReasonForm):
    line = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int)
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, initial=1)
    sku = forms.ChoiceField(label=gettext_lazy("New size or colour"))
    unit_price = forms.DecimalField(
        label=gettext_lazy("Unit price of the new item"),
        min_value=Decimal("0"),
        decimal_places=3,
        required=False,
        help_text=gettext_lazy("Empty: the price paid for the old item."),
    )

    def __init__(self, *args, order: Order, line_id: int | None = None, **kwargs) -> None:
        from customercare.selectors import variants_with_availability

        super().__init__(*args, order=order, **kwargs)
        self.open_lines = [line for line in order.lines.all() if care.exchangeable_units(line)]
        self.fields["line"].choices = [
            (line.pk, self._line_label(line)) for line in self.open_lines
        ]
        raw = self.data.get("line") if self.is_bound else line_id
        chosen = next((line for line in self.open_lines if str(line.pk) == str(raw)), None)
        chosen = chosen or (self.open_lines[0] if self.open_lines else None)
        self.chosen_line = chosen
        self.variants = variants_with_availability(chosen, order) if chosen else []
        self.fields["sku"].choices = [
            (
                variant["product"].sku,
                _("%(sku)s · %(size)s %(colour)s — %(available)s available")
                % {
                    "sku": variant["product"].sku,
                    "size": variant["product"].size,
                    "colour": variant["product"].colour,
                    "available": variant["available"],
                },
            )
            for variant in self.variants
        ]
        self.fields["line"].widget.attrs.update(
            {
                "hx-get": reverse("care-order-action", args=[order.number, "exchange"]),
                "hx-target": "#action-panel",
                "hx-trigger": "change",
            }
        )
        if chosen:
            self.fields["line"].initial = chosen.pk
            self.fields["quantity"].validators.append(
                MaxValueValidator(care.exchangeable_units(chosen))
            )
            if care.returnable_units(chosen):
                self.fields["quantity"].help_text = _(
                    "Unshipped units are cancelled first; delivered ones come back by a return."
                )
        self.order_fields(["line", "quantity", "sku", "unit_price", "reason"])

    @staticmethod
    def _line_label(line) -> str:
        parts = []
        if line.quantity_open:
            parts.append(_("%(units)s not shipped") % {"units": line.quantity_open})
        delivered = care.returnable_units(line)
        if delivered:
            parts.append(_("%(units)s delivered") % {"units": delivered})
        return f"{line.sku} · {line.name} ({', '.join(parts)})"


class ReturnForm(ReasonForm):
    """Units of the shipped lines that come back by mail; the return service decides whether
    they may (delivered, not yet returned, within the window) and what they refund."""

    condition = forms.ChoiceField(
        label=gettext_lazy("Condition"),
        choices=ReturnLine.Condition.choices,
        initial=ReturnLine.Condition.RESELLABLE,
    )
    override_window = forms.BooleanField(
        label=gettext_lazy("Accept after the return window"), required=False
    )

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, order=order, **kwargs)
        self.fields["reason"].label = gettext_lazy("Reason for the return")
        self.shipped_lines = [line for line in order.lines.all() if line.quantity_shipped]
        for line in self.shipped_lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.sku} · {line.name}",
                min_value=0,
                initial=0,
                required=False,
                help_text=_("%(shipped)s delivered, %(left)s not yet returned")
                % {"shipped": line.quantity_shipped, "left": care.returnable_units(line)},
            )
        if self.user is None or not self.user.has_perm(OVERRIDE_RETURN_WINDOW):
            del self.fields["override_window"]
        self.order_fields(
            [
                *(f"line_{line.pk}" for line in self.shipped_lines),
                "condition",
                "reason",
                "override_window",
            ]
        )

    def items(self) -> list[ReturnItem]:
        return [
            ReturnItem(
                line_id=line.pk,
                quantity=self.cleaned_data[f"line_{line.pk}"],
                reason=self.cleaned_data["reason"],
                condition=self.cleaned_data["condition"],
            )
            for line in self.shipped_lines
            if self.cleaned_data.get(f"line_{line.pk}")
        ]

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(f"line_{line.pk}") for line in self.shipped_lines):
            raise forms.ValidationError(_("Choose what comes back."))
        return cleaned


class ReviewForm(ReasonForm):
    pass


class GoodwillForm(ReasonForm):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"), min_value=Decimal("0.01"), decimal_places=3
    )

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, order=order, **kwargs)
        cap = care.paid_amount(order)
        self.fields["amount"].validators.append(MaxValueValidator(cap))
        self.fields["amount"].help_text = _("At most %(cap)s %(currency)s (what was paid).") % {
            "cap": cap,
            "currency": order.currency,
        }
        self.order_fields(["amount", "reason"])


class VoucherForm(ReasonForm):
    code = forms.CharField(label=gettext_lazy("Voucher code"), max_length=40)
    value = forms.DecimalField(
        label=gettext_lazy("Value"), min_value=Decimal("0"), decimal_places=3, required=False
    )

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, order=order, **kwargs)
        self.order_fields(["code", "value", "reason"])


class ResendForm(ReasonForm):
    message = forms.TypedChoiceField(label=gettext_lazy("Message"), coerce=int)

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, order=order, **kwargs)
        self.fields["message"].choices = [
            (m.pk, f"{m.sent_at:%Y-%m-%d %H:%M} · {m.subject or m.get_type_display()}")
            if m.sent_at
            else (m.pk, _("not sent · %(type)s") % {"type": m.get_type_display()})
            for m in order.messages.all()
            if _resendable(m)
        ]
        self.order_fields(["message", "reason"])


def cancellable_returns(order: Order) -> list:
    """The order's announced returns whose parcel may still be called off."""
    from returns.services import cancellable_returns as cancellable

    return list(cancellable().filter(order=order).order_by("pk"))


class CancelReturnForm(ReasonForm):
    return_order = forms.TypedChoiceField(label=gettext_lazy("Return"), coerce=int)

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, order=order, **kwargs)
        self.fields["return_order"].choices = [
            (r.pk, f"{r.number} · {r.created_at:%Y-%m-%d}") for r in cancellable_returns(order)
        ]
        self.order_fields(["return_order", "reason"])


class NoteForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, order: Order, user=None, **kwargs) -> None:
        self.order = order
        self.user = user
        super().__init__(*args, **kwargs)


# When each action is offered ----------------------------------------------------------------


def _cancel_refusal(order: Order) -> str:
    if order.status in (Order.Status.CANCELLED, Order.Status.COMPLETED, Order.Status.SHIPPED):
        return _("The order is %(status)s.") % {"status": order.get_status_display()}
    if not any(line.quantity_open for line in order.lines.all()):
        return _("Nothing is left to cancel.")
    return ""


def _address_refusal(order: Order) -> str:
    if order.delivery_method != Order.DeliveryMethod.SHIP:
        return _("The order is collected in a store.")
    if shipping_address_locked(order):
        return _("The order has been shipped.")
    return ""


def _review_refusal(order: Order) -> str:
    return "" if order.status == Order.Status.ON_HOLD else _("The order is not held for review.")


def _exchange_refusal(order: Order) -> str:
    if order.status not in care.OPEN_FOR_EXCHANGE:
        return _("The order is closed.")
    if not any(
        care.exchangeable_units(line) and care.exchange_variants(line).exists()
        for line in order.lines.all()
    ):
        return _("No item left to exchange has another size or colour.")
    return ""


def _return_refusal(order: Order) -> str:
    shipped = [line for line in order.lines.all() if line.quantity_shipped]
    if not shipped:
        return _("Nothing has been shipped yet.")
    if not any(care.returnable_units(line) for line in shipped):
        return _("Everything shipped is already being returned.")
    return ""


def _cancel_return_refusal(order: Order) -> str:
    return "" if cancellable_returns(order) else _("No announced return can be cancelled.")


def _goodwill_refusal(order: Order) -> str:
    return "" if care.paid_amount(order) > 0 else _("Nothing has been paid yet.")


def _resendable(message) -> bool:
    """Sent (a copy goes out), or given up by the outbox (it is tried again)."""
    return message.sent_at is not None or message.attempts >= MAX_SEND_ATTEMPTS


def _resend_refusal(order: Order) -> str:
    if not any(_resendable(message) for message in order.messages.all()):
        return _("No message has been sent yet.")
    return ""


def _always(order: Order) -> str:
    return ""


# What each action does -----------------------------------------------------------------------


def _run_cancel(order: Order, form: CancelForm, actor: Actor) -> str:
    lines = None if form.cleaned_data.get("whole") else form.quantities()
    cancel_order(order=order, lines=lines, reason=form.cleaned_data["reason"], actor=actor)
    return _("Cancelled.")


def _run_address(order: Order, form: AddressForm, actor: Actor) -> str:
    change_shipping_address(
        order=order, address=form.address(), reason=form.cleaned_data["reason"], actor=actor
    )
    return _("Delivery address changed.")


def _run_click_collect(order: Order, form: ClickCollectForm, actor: Actor) -> str:
    care.switch_to_click_collect(
        order=order,
        store_code=form.cleaned_data["store"],
        reason=form.cleaned_data["reason"],
        actor=actor,
    )
    return _("The order will be collected in the store.")


def _run_payment_method(order: Order, form: PaymentMethodForm, actor: Actor) -> str:
    care.change_payment_method(
        order=order,
        method=form.cleaned_data["method"],
        reason=form.cleaned_data["reason"],
        actor=actor,
    )
    return _("Payment method changed.")


def _run_exchange(order: Order, form: ExchangeForm, actor: Actor) -> str:
    care.exchange_line(
        order=order,
        line_id=form.cleaned_data["line"],
        quantity=form.cleaned_data["quantity"],
        sku=form.cleaned_data["sku"],
        unit_price=form.cleaned_data.get("unit_price"),
        reason=form.cleaned_data["reason"],
        actor=actor,
    )
    return _("Item exchanged.")


def _run_return(order: Order, form: ReturnForm, actor: Actor) -> str:
    return_order = return_announce(
        order=order,
        channel=Return.Channel.MAIL,
        items=form.items(),
        actor=actor,
        override_window=bool(form.cleaned_data.get("override_window")),
    )
    return format_html(
        '{} <a href="{}" target="_blank" rel="noopener">{}</a>',
        _("Return %(number)s created, refund %(amount)s %(currency)s.")
        % {
            "number": return_order.number,
            "amount": format_money(return_order.refund_amount, order.currency),
            "currency": order.currency,
        },
        slip_url(return_order),
        _("Print the return slip"),
    )


def _run_cancel_return(order: Order, form: CancelReturnForm, actor: Actor) -> str:
    from returns.models import Return
    from returns.services import return_cancel

    return_order = Return.objects.get(order=order, pk=form.cleaned_data["return_order"])
    return_cancel(return_order=return_order, reason=form.cleaned_data["reason"], actor=actor)
    return _("Return %(number)s cancelled: its items may be returned again.") % {
        "number": return_order.number
    }


def _run_approve(order: Order, form: ReviewForm, actor: Actor) -> str:
    approve_order(order=order, note=form.cleaned_data["reason"], actor=actor)
    return _("Order approved.")


def _run_reject(order: Order, form: ReviewForm, actor: Actor) -> str:
    reject_order(order=order, reason=form.cleaned_data["reason"], actor=actor)
    return _("Order rejected and cancelled.")


def _run_goodwill(order: Order, form: GoodwillForm, actor: Actor) -> str:
    amount = care.goodwill_refund(
        order=order,
        amount=form.cleaned_data["amount"],
        reason=form.cleaned_data["reason"],
        actor=actor,
    )
    return _("%(amount)s %(currency)s refunded.") % {
        "amount": format_money(amount, order.currency),
        "currency": order.currency,
    }


def _run_voucher(order: Order, form: VoucherForm, actor: Actor) -> str:
    care.issue_voucher(
        order=order,
        code=form.cleaned_data["code"],
        value=form.cleaned_data.get("value"),
        reason=form.cleaned_data["reason"],
        actor=actor,
    )
    return _("Voucher recorded and mailed to the customer.")


def _run_resend(order: Order, form: ResendForm, actor: Actor) -> str:
    message = order.messages.get(pk=form.cleaned_data["message"])
    resent = care.resend_message(message=message, reason=form.cleaned_data["reason"], actor=actor)
    if resent.pk == message.pk:  # it had never gone out: it is tried again
        return _("Message queued again.")
    return _("Message sent again.")


def _run_note(order: Order, form: NoteForm, actor: Actor) -> str:
    care.add_note(order=order, text=form.cleaned_data["text"], actor=actor)
    return _("Note added.")


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    permission: str
    form: type[forms.Form]
    refusal: Callable[[Order], str]
    run: Callable[[Order, forms.Form, Actor], str]
    danger: bool = False


ACTIONS: dict[str, Action] = {
    action.key: action
    for action in [
        Action(
            "cancel", gettext_lazy("Cancel"), CANCEL, CancelForm, _cancel_refusal, _run_cancel, True
        ),
        Action(
            "address",
            gettext_lazy("Change address"),
            CHANGE_ADDRESS,
            AddressForm,
            _address_refusal,
            _run_address,
        ),
        Action(
            "click-collect",
            gettext_lazy("Switch to click & collect"),
            CHANGE_ADDRESS,
            ClickCollectForm,
            care.click_collect_refusal,
            _run_click_collect,
        ),
        Action(
            "payment-method",
            gettext_lazy("Change payment method"),
            CHANGE_PAYMENT,
            PaymentMethodForm,
            care.payment_method_change_refusal,
            _run_payment_method,
        ),
        Action(
            "exchange",
            gettext_lazy("Exchange item"),
            EXCHANGE,
            ExchangeForm,
            _exchange_refusal,
            _run_exchange,
        ),
        Action(
            "return",
            gettext_lazy("Start a return"),
            START_RETURN,
            ReturnForm,
            _return_refusal,
            _run_return,
        ),
        Action(
            "cancel-return",
            gettext_lazy("Cancel a return"),
            START_RETURN,
            CancelReturnForm,
            _cancel_return_refusal,
            _run_cancel_return,
            True,
        ),
        Action(
            "approve", gettext_lazy("Approve"), APPROVE, ReviewForm, _review_refusal, _run_approve
        ),
        Action(
            "reject",
            gettext_lazy("Reject"),
            APPROVE,
            ReviewForm,
            _review_refusal,
            _run_reject,
            True,
        ),
        Action(
            "goodwill",
            gettext_lazy("Goodwill refund"),
            REFUND,
            GoodwillForm,
            _goodwill_refusal,
            _run_goodwill,
        ),
        Action(
            "voucher", gettext_lazy("Give a voucher"), REFUND, VoucherForm, _always, _run_voucher
        ),
        Action(
            "resend",
            gettext_lazy("Resend a message"),
            RESEND_MESSAGE,
            ResendForm,
            _resend_refusal,
            _run_resend,
        ),
        Action("note", gettext_lazy("Add note"), VIEW, NoteForm, _always, _run_note),
    ]
}


def offered(order: Order, user) -> list[Action]:
    """The actions this user may take on the order in its current state."""
    return [
        action
        for action in ACTIONS.values()
        if user.has_perm(action.permission) and not action.refusal(order)
    ]
