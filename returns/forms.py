"""Forms of the returns screens: what staff type at the counter and at the desk."""

from django import forms
from django.utils.translation import gettext_lazy as _

from returns.models import Refund, ReturnLine


class StoreReturnLineForm(forms.Form):
    """One order line at the counter: how many come back, why, in what condition."""

    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, initial=0)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    condition = forms.ChoiceField(
        label=_("Condition"),
        choices=ReturnLine.Condition.choices,
        initial=ReturnLine.Condition.RESELLABLE,
    )


class PayoutForm(forms.Form):
    payout = forms.ChoiceField(
        label=_("Pay out"),
        choices=Refund.Method.choices,
        initial=Refund.Method.CASH,
        widget=forms.RadioSelect,
    )
    override_window = forms.BooleanField(label=_("Accept after the return window"), required=False)
