"""The admin console: every page renders, bad master data is refused, tokens, actions."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import api_client_for
from fulfillment.models import Carrier, Partner
from inventory.models import Location, Product
from oms import roles
from oms.models import ApiClient, Country, Shop, User, hash_token

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client(client, admin_login):
    client.force_login(admin_login)
    return client


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_changelist_renders_for_the_administrator(admin_client, model):
    response = admin_client.get(_admin_url(model, "changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_add_page_renders_for_the_administrator(admin_client, model):
    if not admin.site._registry[model].has_add_permission(_request_for(admin_client)):
        pytest.skip(f"{model._meta.label} cannot be added in the admin")

    response = admin_client.get(_admin_url(model, "add"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_change_page_renders_for_the_administrator(admin_client, model):
    obj = model._default_manager.order_by("pk").first()
    if obj is None:
        pytest.skip(f"no {model._meta.label} in the demo data")

    response = admin_client.get(_admin_url(model, "change", obj.pk))

    assert response.status_code == 200


def test_the_changelists_search_and_filter(admin_client):
    response = admin_client.get(
        _admin_url(Location, "changelist"), {"q": "berlin", "type__exact": "store"}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [
        Location.objects.get(code="store-berlin-mitte")
    ]


def _request_for(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(pk=client.session["_auth_user_id"])
    return request


# Master-data validation: field-level errors, nothing saved -------------------------------


def _location_form(**overrides) -> dict:
    data = {
        "code": "store-bonn",
        "name": "Filiale Bonn",
        "type": "store",
        "partner": "",
        "street": "Remigiusstraße 1",
        "postcode": "53111",
        "city": "Bonn",
        "country": Country.objects.get(code="DE").pk,
        "latitude": "50.7350",
        "longitude": "7.1000",
        "time_zone": "Europe/Berlin",
        "opening_hours": "Mo-Sa 10:00-20:00",
        "daily_capacity": "30",
        "offers_pickup": "on",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_a_valid_location_is_saved(admin_client):
    response = admin_client.post(_admin_url(Location, "add"), _location_form())

    assert response.status_code == 302
    assert Location.objects.filter(code="store-bonn").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "5311", "is not a valid postcode for DE"),
        ("latitude", "91", "less than or equal to 90"),
        ("longitude", "-180.5", "greater than or equal to -180"),
        ("code", "Store Bonn", "valid “slug”"),
        ("code", "Store--Bonn", "lower-case letters, digits and single hyphens"),
        ("code", "store-berlin-mitte", "already exists"),
        ("time_zone", "Europe/Bonn", "not a known time zone"),
    ],
)
def test_bad_location_data_shows_the_field_error_and_saves_nothing(
    admin_client, field, value, message
):
    count = Location.objects.count()

    response = admin_client.post(_admin_url(Location, "add"), _location_form(**{field: value}))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert Location.objects.count() == count


def test_a_dropshipper_location_needs_its_partner(admin_client):
    response = admin_client.post(
        _admin_url(Location, "add"),
        _location_form(type="dropshipper", offers_pickup=""),
    )

    assert "partner" in response.context["adminform"].form.errors
    assert not Location.objects.filter(code="store-bonn").exists()


def _product_form(**overrides) -> dict:
    data = {
        "sku": "VASE-BLUE",
        "ean": "4006381333931",
        "name": "Vase Blau",
        "style": "VASE",
        "size": "",
        "colour": "Blau",
        "weight_grams": "800",
        "is_active": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_product_cannot_be_service_and_bulky(admin_client):
    response = admin_client.post(
        _admin_url(Product, "add"), _product_form(is_service="on", is_bulky="on")
    )

    assert response.status_code == 200
    assert "cannot be bulky" in " ".join(response.context["adminform"].form.errors["is_bulky"])
    assert not Product.objects.filter(sku="VASE-BLUE").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("ean", "4006381333932"), ("ean", "123"), ("sku", "vase blue"), ("sku", "TSHIRT-WHITE-M")],
)
def test_bad_product_data_shows_the_field_error(admin_client, field, value):
    response = admin_client.post(_admin_url(Product, "add"), _product_form(**{field: value}))

    assert field in response.context["adminform"].form.errors
    assert not Product.objects.filter(name="Vase Blau").exists()


def test_a_valid_product_is_saved(admin_client):
    response = admin_client.post(_admin_url(Product, "add"), _product_form())

    assert response.status_code == 302
    assert Product.objects.get(sku="VASE-BLUE").ean == "4006381333931"


def test_a_marketplace_shop_needs_a_marketplace_partner(admin_client):
    data = {
        "code": "otto-markt",
        "name": "Marktplatz",
        "channel": "marketplace",
        "country": Country.objects.get(code="DE").pk,
        "currency": "EUR",
        "language": "de",
        "partner": Partner.objects.get(code="moebelwerk").pk,
        "is_active": "on",
    }

    response = admin_client.post(_admin_url(Shop, "add"), data)

    assert "must be a marketplace" in " ".join(response.context["adminform"].form.errors["partner"])
    assert not Shop.objects.filter(code="otto-markt").exists()


def test_a_carrier_template_needs_the_tracking_number(admin_client):
    data = {
        "code": "gls",
        "name": "GLS",
        "tracking_url_template": "https://gls.example/track",
        "is_active": "on",
        "services-TOTAL_FORMS": "1",
        "services-INITIAL_FORMS": "0",
        "services-MIN_NUM_FORMS": "1",
        "services-MAX_NUM_FORMS": "1000",
        "services-0-level": "standard",
        "services-0-cutoff_time": "16:00",
        "services-0-transit_days": "2",
    }

    response = admin_client.post(_admin_url(Carrier, "add"), data)

    assert "tracking_url_template" in response.context["adminform"].form.errors
    assert not Carrier.objects.filter(code="gls").exists()

    data["tracking_url_template"] = "https://gls.example/track/{tracking_number}"
    response = admin_client.post(_admin_url(Carrier, "add"), data)
    assert response.status_code == 302
    assert Carrier.objects.get(code="gls").services.get().level == "standard"


def test_only_administrators_get_staff_status(admin_client, agent_user):
    url = _admin_url(User, "change", agent_user.pk)
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "last_login", "date_joined")
    }
    data.update(
        groups=[group.pk for group in agent_user.groups.all()],
        locations=[],
        user_permissions=[],
        is_staff="on",
        is_active="on",
        date_joined_0="2026-01-01",
        date_joined_1="10:00:00",
    )
    data.pop("partner", None)
    data.pop("is_superuser", None)

    response = admin_client.post(url, data)

    assert "is_staff" in response.context["adminform"].form.errors
    agent_user.refresh_from_db()
    assert not agent_user.is_staff


# API clients: the token is shown once and stored hashed ------------------------------------


def test_adding_an_api_client_shows_its_token_once(admin_client):
    response = admin_client.post(
        _admin_url(ApiClient, "add"),
        {"name": "pos-berlin", "scope": "shop", "shop": Shop.objects.get(code="de-store").pk},
        follow=True,
    )

    shown = " ".join(str(message) for message in response.context["messages"])
    token = re.search(r"<code class='api-token'>([^<]+)</code>", shown).group(1)
    client = ApiClient.objects.get(name="pos-berlin")
    assert client.token_hash == hash_token(token)
    assert token not in client.token_hash
    assert api_client_for(token).get("/api/v1/me").json()["shop"] == "de-store"
    page = admin_client.get(_admin_url(ApiClient, "change", client.pk)).content.decode()
    assert token not in page


def test_an_api_client_must_match_its_scope(admin_client):
    response = admin_client.post(_admin_url(ApiClient, "add"), {"name": "x", "scope": "shop"})

    assert "shop" in response.context["adminform"].form.errors
    assert not ApiClient.objects.filter(name="x").exists()


def test_the_revoke_action_switches_the_token_off(admin_client):
    client = ApiClient.objects.get(name="demo-at-web")

    admin_client.post(
        _admin_url(ApiClient, "changelist"),
        {"action": "revoke", "_selected_action": [client.pk]},
    )

    client.refresh_from_db()
    assert not client.is_active
    assert client.revoked_at is not None
    assert api_client_for("demo-at-web").get("/api/v1/me").status_code == 401


# Admin actions ---------------------------------------------------------------------------


def test_the_outage_switch_is_an_admin_action(admin_client):
    store = Location.objects.get(code="store-leipzig")

    admin_client.post(
        _admin_url(Location, "changelist"),
        {"action": "switch_outage_on", "_selected_action": [store.pk]},
    )
    store.refresh_from_db()
    assert store.is_outage
    assert not store.can_fulfil

    admin_client.post(
        _admin_url(Location, "changelist"),
        {"action": "switch_outage_off", "_selected_action": [store.pk]},
    )
    store.refresh_from_db()
    assert not store.is_outage


def test_partners_are_deactivated_and_activated_by_action(admin_client):
    partner = Partner.objects.get(code="moebelwerk")

    admin_client.post(
        _admin_url(Partner, "changelist"),
        {"action": "deactivate", "_selected_action": [partner.pk]},
    )
    partner.refresh_from_db()
    assert not partner.is_active

    admin_client.post(
        _admin_url(Partner, "changelist"), {"action": "activate", "_selected_action": [partner.pk]}
    )
    partner.refresh_from_db()
    assert partner.is_active


# CSV import/export ----------------------------------------------------------------------

PRODUCT_HEADER = (
    "sku,ean,name,style,size,colour,weight_grams,is_hazardous,is_bulky,is_service,is_active"
)


def _import(admin_client, model, csv_text: str):
    upload = SimpleUploadedFile("data.csv", csv_text.encode(), content_type="text/csv")
    return admin_client.post(
        _admin_url(model, "import"), {"import_file": upload, "format": "0", "resource": "0"}
    )


def test_exporting_products_gives_a_csv(admin_client):
    form = admin_client.get(_admin_url(Product, "export")).context["form"]
    data = {name: "on" for name in form.fields if name.startswith("productresource_")}

    response = admin_client.post(_admin_url(Product, "export"), {**data, "format": "0"})

    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0].split(",")[:3] == ["sku", "ean", "name"]
    assert any(line.startswith("TSHIRT-WHITE-M,") for line in lines)


def test_importing_products_saves_them_after_confirmation(admin_client):
    csv_text = f"{PRODUCT_HEADER}\nVASE-RED,,Vase Rot,VASE,,Rot,800,0,0,0,1\n"

    preview = _import(admin_client, Product, csv_text)

    assert preview.status_code == 200
    confirm = preview.context["confirm_form"]
    assert confirm is not None
    assert not Product.objects.filter(sku="VASE-RED").exists()
    response = admin_client.post(
        _admin_url(Product, "process_import"),
        {name: confirm[name].value() for name in confirm.fields},
    )
    assert response.status_code == 302
    product = Product.objects.get(sku="VASE-RED")
    assert product.ean is None
    assert product.colour == "Rot"


def test_a_bad_row_shows_row_and_field_errors_and_imports_nothing(admin_client):
    csv_text = (
        f"{PRODUCT_HEADER}\n"
        "VASE-RED,,Vase Rot,VASE,,Rot,800,0,0,0,1\n"
        "ASSEMBLY-XL,,Aufbau XL,ASSEMBLY,,,0,0,1,1,1\n"
        "VASE-GREEN,4006381333932,Vase Grün,VASE,,Grün,800,0,0,0,1\n"
    )

    response = _import(admin_client, Product, csv_text)

    result = response.context["result"]
    assert result.has_validation_errors()
    invalid = {row.number: row.error.message_dict for row in result.invalid_rows}
    assert set(invalid) == {2, 3}
    assert "is_bulky" in invalid[2]
    assert "ean" in invalid[3]
    assert "confirm_form" not in response.context
    assert not Product.objects.filter(style="VASE").exists()


def test_the_resource_rolls_back_every_row_when_one_is_invalid():
    import tablib

    from inventory.resources import LocationResource

    header = [
        "code",
        "name",
        "type",
        "partner",
        "street",
        "postcode",
        "city",
        "country",
        "latitude",
        "longitude",
        "time_zone",
        "opening_hours",
        "daily_capacity",
        "offers_pickup",
        "is_active",
        "is_outage",
    ]
    good = ["store-bonn", "Filiale Bonn", "store", "", "Markt 1", "53111", "Bonn", "DE"]
    bad = ["store-graz", "Filiale Graz", "store", "", "Herrengasse 1", "8010", "Graz", "XX"]
    tail = ["50.7", "7.1", "Europe/Berlin", "", "30", "1", "1", "0"]
    dataset = tablib.Dataset(good + tail, bad + tail, headers=header)

    result = LocationResource().import_data(dataset, dry_run=False)

    assert result.has_validation_errors()
    assert "Unknown country 'XX'" in str(result.invalid_rows[0].error)
    assert not Location.objects.filter(code__in=["store-bonn", "store-graz"]).exists()


def test_importing_locations_updates_by_code(admin_client):
    import tablib

    from inventory.resources import LocationResource

    resource = LocationResource()
    dataset = resource.export(queryset=Location.objects.filter(code="store-koeln"))
    dataset.dict = [{**dataset.dict[0], "daily_capacity": "55"}]

    result = resource.import_data(tablib.Dataset().load(dataset.csv, format="csv"), dry_run=False)

    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert Location.objects.get(code="store-koeln").daily_capacity == 55


def test_an_administrator_creates_a_store_user_bound_to_a_store(admin_client):
    response = admin_client.post(
        _admin_url(User, "add"),
        {
            "username": "store-bonn-1",
            "password1": "Very-secret-pw-2026",
            "password2": "Very-secret-pw-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="store-bonn-1")
    url = _admin_url(User, "change", user.pk)
    store_staff = Group.objects.get(name=roles.STORE_STAFF)
    data = {
        "username": user.username,
        "is_active": "on",
        "groups": [store_staff.pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }

    response = admin_client.post(url, data)

    assert "locations" in response.context["adminform"].form.errors
    assert not user.groups.exists()

    store = Location.objects.get(code="store-frankfurt")
    response = admin_client.post(url, {**data, "locations": [store.pk]})

    assert response.status_code == 302
    assert list(user.locations.all()) == [store]
    assert not User.objects.get(pk=user.pk).is_staff
