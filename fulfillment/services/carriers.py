"""Carriers behind an interface: book a parcel, get a tracking number. A fake one for the demo.

Choose the implementation with the setting `OMS_CARRIER_GATEWAY` (a dotted path); the default
is the fake gateway, which issues unique tracking numbers without calling anyone.
"""

import secrets
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from fulfillment.models import Carrier

DEFAULT_GATEWAY = "fulfillment.services.carriers.FakeCarrierGateway"


@dataclass(frozen=True)
class ParcelBooking:
    tracking_number: str
    tracking_url: str


class CarrierGateway(Protocol):
    """What the OMS asks of a carrier's booking system."""

    def book_parcel(
        self, *, carrier: Carrier, weight_grams: int, reference: str
    ) -> ParcelBooking: ...


class FakeCarrierGateway:
    """Issues tracking numbers like `DHL00012345678901` (carrier code, 14 digits)."""

    def book_parcel(self, *, carrier: Carrier, weight_grams: int, reference: str) -> ParcelBooking:
        number = f"{carrier.code.upper()}{secrets.randbelow(10**14):014d}"
        return ParcelBooking(tracking_number=number, tracking_url=carrier.tracking_url(number))


def get_carrier_gateway() -> CarrierGateway:
    return import_string(getattr(settings, "OMS_CARRIER_GATEWAY", DEFAULT_GATEWAY))()
