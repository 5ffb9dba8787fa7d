"""The payment service provider behind an interface; a fake one for the demo and the tests.

Choose the implementation with the setting `OMS_PAYMENT_PROVIDER` (a dotted path); the
default is the fake provider, which approves everything except references containing "fail".
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_PROVIDER = "orders.payments.FakePaymentProvider"


@dataclass(frozen=True)
class PaymentResult:
    ok: bool
    reference: str
    message: str = ""


class PaymentProvider(Protocol):
    """What the OMS asks of a payment service provider (amounts in the order's currency)."""

    name: str

    def authorise(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult: ...

    def capture(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult: ...

    def refund(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult: ...

    def void(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult: ...


class FakePaymentProvider:
    """Approves every operation unless the payment reference contains "fail"."""

    name = "fake"

    def _answer(self, operation: str, reference: str) -> PaymentResult:
        if "fail" in reference.lower():
            return PaymentResult(ok=False, reference=reference, message=f"{operation} declined")
        return PaymentResult(ok=True, reference=f"fake-{operation}-{secrets.token_hex(6)}")

    def authorise(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult:
        return self._answer("authorise", reference)

    def capture(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult:
        return self._answer("capture", reference)

    def refund(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult:
        return self._answer("refund", reference)

    def void(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult:
        return self._answer("void", reference)


def get_provider() -> PaymentProvider:
    return import_string(getattr(settings, "OMS_PAYMENT_PROVIDER", DEFAULT_PROVIDER))()
