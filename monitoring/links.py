"""Where the dashboard sends people: the order's customer-care page."""

from django.urls import NoReverseMatch, reverse

# The care app names its order page one of these (the first that exists wins).
CARE_ORDER_URL_NAMES = ("care-order", "care-order-detail", "customercare:order-detail")


def care_order_url(number: str) -> str:
    for name in CARE_ORDER_URL_NAMES:
        try:
            return reverse(name, args=[number])
        except NoReverseMatch:
            continue
    return f"/care/orders/{number}/"
