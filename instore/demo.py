"""Demo data for the store screens: the pick issue reasons and the de-store settings."""

from django.utils.translation import gettext_noop

from instore.models import PickIssueReason, StoreSettings
from oms.models import Shop

REASONS = [
    ("damaged", gettext_noop("Damaged"), PickIssueReason.StockEffect.REDUCE, 10),
    ("not-found", gettext_noop("Not found"), PickIssueReason.StockEffect.ZERO, 20),
    ("wrong-label", gettext_noop("Wrong label or EAN"), PickIssueReason.StockEffect.NONE, 30),
]


def seed() -> None:
    for code, name, effect, position in REASONS:
        PickIssueReason.objects.update_or_create(
            code=code, defaults={"name": name, "stock_effect": effect, "position": position}
        )
    for shop in Shop.objects.filter(code__in=["de-web", "de-store"]):
        StoreSettings.objects.get_or_create(shop=shop)
