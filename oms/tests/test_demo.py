"""The demo retailer: realistic, valid master data, and seeding twice changes nothing."""

import hashlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from fulfillment.models import Carrier, Partner
from inventory.models import Location, Product
from oms import demo
from oms.models import ApiClient, Country, Shop, User
from oms.validators import validate_ean

pytestmark = pytest.mark.django_db

SEEDED_APPS = ["auth", "oms", "inventory", "fulfillment", "orders", "returns"]
VOLATILE_FIELDS = {"password", "last_login", "last_used_at"}


def _snapshot() -> dict[str, tuple[int, str]]:
    """Per model: the row count and a checksum of every row's values (primary keys included)."""
    snapshot = {}
    for app in SEEDED_APPS:
        for model in apps.get_app_config(app).get_models():
            names = [
                field.attname
                for field in model._meta.concrete_fields
                if field.name not in VOLATILE_FIELDS and not getattr(field, "auto_now", False)
            ]
            rows = model._default_manager.order_by("pk").values_list(*names)
            digest = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
            snapshot[model._meta.label] = (len(rows), digest)
            for m2m in model._meta.many_to_many:
                through = m2m.remote_field.through
                pairs = through.objects.order_by("pk").values_list(
                    m2m.m2m_field_name() + "_id", m2m.m2m_reverse_field_name() + "_id"
                )
                snapshot[f"{model._meta.label}.{m2m.name}"] = (
                    len(pairs),
                    hashlib.sha256(repr(list(pairs)).encode()).hexdigest(),
                )
    return snapshot


def test_seeding_twice_gives_the_same_data():
    call_command("seed_demo", stdout=StringIO())
    before = _snapshot()

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert "Demo data loaded" in out.getvalue()
    assert "Demo orders submitted: 0." in out.getvalue()
    assert _snapshot() == before


def test_seeding_repairs_changed_demo_data():
    Product.objects.filter(sku="TSHIRT-WHITE-M").update(name="changed", is_active=False)
    Location.objects.filter(code="store-hamburg").update(is_outage=True)
    ApiClient.objects.filter(name="demo-system").update(is_active=False)

    demo.seed()

    product = Product.objects.get(sku="TSHIRT-WHITE-M")
    assert (product.name, product.is_active) == ("Basic-T-Shirt Weiß M", True)
    assert not Location.objects.get(code="store-hamburg").is_outage
    assert ApiClient.objects.get(name="demo-system").is_active


def test_the_retailer_sells_in_germany_and_austria():
    countries = {c.code: c for c in Country.objects.all()}

    assert (countries["DE"].currency, countries["DE"].vat_rate, countries["DE"].time_zone) == (
        "EUR",
        19,
        "Europe/Berlin",
    )
    assert (countries["AT"].vat_rate, countries["AT"].time_zone) == (20, "Europe/Vienna")


def test_the_shops_and_who_may_fulfil_them():
    def fulfilers(code: str) -> set[str]:
        return set(Shop.objects.get(code=code).fulfilment_locations.values_list("code", flat=True))

    stores = set(Location.objects.filter(type="store").values_list("code", flat=True))
    assert len(stores) >= 6
    assert fulfilers("de-web") == {"wh-central", "ds-moebelwerk", *stores}
    assert fulfilers("at-web") == {"wh-central", "ds-moebelwerk"}
    assert fulfilers("moebel-markt") == {"wh-central", "ds-moebelwerk"}
    assert fulfilers("de-store") == fulfilers("de-callcentre") == fulfilers("de-web")
    assert Shop.objects.get(code="moebel-markt").partner.code == "marketplace-moebel"
    assert Shop.objects.get(code="de-store").channel == Shop.Channel.STORE


def test_every_demo_record_passes_the_admins_validation():
    for model in (Country, Partner, Location, Shop, Carrier, Product, ApiClient):
        for obj in model.objects.all():
            obj.full_clean()


def test_the_locations_are_real_places():
    berlin = Location.objects.get(code="store-berlin-mitte")
    assert (berlin.postcode, berlin.city, berlin.offers_pickup) == ("10117", "Berlin", True)
    assert 52 < berlin.latitude < 53 and 13 < berlin.longitude < 14
    assert Location.objects.get(code="wh-central").postcode == "34117"
    assert Location.objects.get(code="rc-halle").type == Location.Type.RETURNS_CENTRE
    dropshipper = Location.objects.get(code="ds-moebelwerk")
    assert dropshipper.partner.code == "moebelwerk"
    assert not Location.objects.exclude(type="store").filter(offers_pickup=True).exists()


def test_the_catalogue_has_variants_and_special_articles():
    assert Product.objects.count() >= 200
    shirts = Product.objects.filter(style="TSHIRT")
    assert set(shirts.values_list("size", flat=True)) >= {"S", "M", "L"}
    assert shirts.values("colour").distinct().count() >= 3
    assert Product.objects.get(sku="SOFA-GREY-3S").is_bulky
    assert Product.objects.get(sku="LAMP-OIL-1L").is_hazardous
    service = Product.objects.get(sku="SERVICE-ASSEMBLY")
    assert service.is_service and service.ean is None
    assert Product.objects.filter(sku="JEANS-BLUE-32").exists()


def test_every_ean_has_a_valid_check_digit():
    eans = list(Product.objects.exclude(ean=None).values_list("ean", flat=True))

    for ean in eans:
        validate_ean(ean)
    assert len(set(eans)) == len(eans)


def test_ean13_computes_the_check_digit():
    assert demo.ean13("400638133393") == "4006381333931"


def test_one_demo_user_per_role(demo_password):
    for username, *_rest in demo.USERS:
        assert User.objects.get(username=username).check_password(demo_password)
    assert list(
        User.objects.get(username="store2")
        .locations.order_by("code")
        .values_list("code", flat=True)
    ) == ["store-hamburg", "store-koeln"]
    assert User.objects.get(username="partner").partner.code == "moebelwerk"


def test_the_seed_runs_the_other_apps_demo_modules_when_they_exist():
    assert demo._app_demo("instore.tests") is None  # a package without a demo module
    assert demo.seed_all()[0] == "oms"
