"""Demo data for orders: message texts (de, en), risk rules, prepayment settings per shop.

`seed()` is idempotent (update_or_create by natural keys). `seed_orders()` adds a handful
of demo orders in different states once stock exists; it is not part of `seed()` so that
the seeded test database holds no reservations other tests would have to account for.
"""

from decimal import Decimal

from django.db import transaction

from oms.errors import DomainError
from oms.models import Shop
from orders.message_defaults import DEFAULT_TEMPLATES
from orders.models import MessageTemplate, Order, RiskRule, ShopOrderSettings

RISK_RULES = [
    {
        "name": "Large quantity of one SKU",
        "condition": RiskRule.Condition.LINE_QUANTITY_ABOVE,
        "threshold": Decimal("20"),
        "action": RiskRule.Action.HOLD,
    },
    {
        "name": "Order value above 2,500",
        "condition": RiskRule.Condition.ORDER_VALUE_ABOVE,
        "threshold": Decimal("2500"),
        "action": RiskRule.Action.HOLD,
    },
    {
        "name": "New customer above 1,000",
        "condition": RiskRule.Condition.NEW_CUSTOMER_VALUE_ABOVE,
        "threshold": Decimal("1000"),
        "action": RiskRule.Action.PREPAYMENT,
    },
    {
        "name": "Billing and shipping country differ",
        "condition": RiskRule.Condition.COUNTRIES_DIFFER,
        "threshold": None,
        "action": RiskRule.Action.HOLD,
    },
]


def seed() -> None:
    for type, texts in DEFAULT_TEMPLATES.items():
        for language, (subject, body) in texts.items():
            MessageTemplate.objects.update_or_create(
                type=type, language=language, defaults={"subject": subject, "body": body}
            )
    for rule in RISK_RULES:
        RiskRule.objects.update_or_create(name=rule["name"], defaults=rule)
    for shop in Shop.objects.all():
        ShopOrderSettings.objects.update_or_create(
            shop=shop,
            defaults={
                "prepayment_reminder_days": 5,
                "prepayment_cancel_days": 10,
                "bank_account_holder": "Demo Handels GmbH",
                "bank_iban": "DE02120300000000202051",
                "bank_bic": "BYLADEM1001",
            },
        )


DEMO_ORDERS = [
    ("DEMO-1", "card", "authorized", "ship", None, [("TSHIRT-WHITE-M", 2), ("JEANS-BLUE-32", 1)]),
    ("DEMO-2", "prepayment", "pending", "ship", None, [("TSHIRT-BLACK-L", 1)]),
    ("DEMO-3", "paypal", "authorized", "click_collect", "store-berlin-mitte", [("TSHIRT-WHITE-M", 1)]),
    ("DEMO-4", "invoice", "pending", "ship", None, [("TSHIRT-WHITE-M", 30)]),
    ("DEMO-5", "card", "authorized", "ship", None, [("JEANS-BLUE-32", 1), ("TSHIRT-BLACK-L", 2)]),
    ("DEMO-6", "paypal", "authorized", "ship", None, [("SOFA-GREY-3S", 1)]),
    ("DEMO-7", "card", "authorized", "click_collect", "store-hamburg", [("TSHIRT-BLACK-L", 1)]),
    ("DEMO-8", "invoice", "pending", "ship", None, [("LAMP-OIL-1L", 2), ("TSHIRT-WHITE-M", 1)]),
    ("DEMO-9", "prepayment", "pending", "ship", None, [("JEANS-BLUE-32", 2)]),
    ("DEMO-10", "card", "authorized", "ship", None, [("TSHIRT-WHITE-M", 1)]),
    ("DEMO-11", "cash", "pending", "reserve", "store-berlin-mitte", [("JEANS-BLUE-32", 1)]),
    ("DEMO-12", "card", "authorized", "ship", None, [("TSHIRT-BLACK-L", 1), ("JEANS-BLUE-32", 1)]),
]  # fmt: skip

# first name, last name, e-mail, street, postcode, city
DEMO_CUSTOMERS = [
    ("Grace", "Hopper", "grace@example.com", "Friedrichstraße 1", "10117", "Berlin"),
    ("Ada", "Lovelace", "ada@example.com", "Unter den Linden 1", "10117", "Berlin"),
    ("Konrad", "Zuse", "konrad@example.com", "Mönckebergstraße 7", "20095", "Hamburg"),
    ("Emmy", "Noether", "emmy@example.com", "Marienplatz 8", "80331", "München"),
    ("Lise", "Meitner", "lise@example.com", "Hohe Straße 52", "50667", "Köln"),
]


def seed_orders() -> list[str]:
    """Submit the demo orders that are not there yet (skipped when stock does not cover)."""
    from inventory.models import Product
    from orders.services import Actor, submit_order

    shop = Shop.objects.get(code="de-web")
    created = []
    for index, (external_id, method, status, delivery, pickup, items) in enumerate(DEMO_ORDERS):
        first_name, last_name, email, street, postcode, city = DEMO_CUSTOMERS[
            index % len(DEMO_CUSTOMERS)
        ]
        if Order.objects.filter(shop=shop, external_id=external_id).exists():
            continue
        prices = dict(
            Product.objects.filter(sku__in=[sku for sku, _ in items]).values_list("sku", "pk")
        )
        if len(prices) != len(items):
            continue
        lines = [
            {"sku": sku, "quantity": quantity, "unit_price": Decimal("19.99")}
            for sku, quantity in items
        ]
        total = sum((line["unit_price"] * line["quantity"] for line in lines), Decimal("4.95"))
        address = {
            "first_name": first_name,
            "last_name": last_name,
            "street": street,
            "postcode": postcode,
            "city": city,
            "country": "DE",
        }
        data = {
            "shop": shop.code,
            "external_id": external_id,
            "currency": "EUR",
            "customer": {"email": email, "first_name": first_name, "last_name": last_name},
            "billing_address": address,
            "shipping_address": address,
            "delivery": {"method": delivery, "service": "standard", "pickup_location": pickup},
            "payment": {"method": method, "status": status, "reference": "demo", "amount": total},
            "lines": lines,
            "discounts": [],
            "shipping_fee": Decimal("4.95"),
        }
        try:
            with transaction.atomic():
                submit_order(client=None, data=data, actor=Actor.system("demo"))
        except DomainError:
            continue
        created.append(external_id)
    return created
