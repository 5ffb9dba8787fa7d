"""Search: every field, partial matches, across shops, filters in the URL."""

import pytest

from customercare.selectors import OrderQuery, search_orders

pytestmark = pytest.mark.django_db


def found(**params) -> list[str]:
    return [order.number for order in search_orders(OrderQuery.from_params(params))]


def test_each_field_finds_the_order_by_a_part_of_it(make_order):
    order = make_order(
        customer={
            "email": "zelda.quartermain@example.org",
            "first_name": "Zelda",
            "last_name": "Quartermain",
            "phone": "+49 171 5550199",
        },
        billing_address={
            "first_name": "Zelda",
            "last_name": "Quartermain",
            "street": "Zeil 1",
            "postcode": "60313",
            "city": "Frankfurt",
            "country": "DE",
            "phone": "069 5550188",
        },
        shipping_address={
            "first_name": "Zelda",
            "last_name": "Quartermain",
            "street": "Zeil 1",
            "postcode": "60313",
            "city": "Frankfurt",
            "country": "DE",
        },
    )
    other = make_order()

    for field, term in [
        ("number", order.number[-6:]),
        ("external_id", order.external_id[:9]),
        ("email", "quartermain@exa"),
        ("name", "zeld"),
        ("name", "Zelda Quarter"),
        ("phone", "5550199"),
        ("phone", "5550188"),
        ("postcode", "60313"),
        ("postcode", "603"),
        ("any", "QUARTERMAIN"),
    ]:
        result = found(q=term, field=field)
        assert order.number in result, (field, term)
        assert other.number not in result, (field, term)


def test_a_term_in_one_field_does_not_match_another_field(make_order):
    order = make_order()

    assert order.number in found(q=order.email, field="email")
    assert found(q=order.email, field="postcode") == []


def test_short_terms_match_whole_values_only(make_order):
    order = make_order(customer={"email": "al@example.com", "first_name": "Al", "last_name": "X"})

    assert order.number in found(q="al", field="name")
    assert order.number not in found(q="a", field="name")


def test_search_spans_shops_and_filters_narrow_it(make_order):
    german = make_order(customer={"email": "twins-de@example.com", "last_name": "Twinsearch"})
    austrian = make_order(
        shop="at-web", customer={"email": "twins-at@example.com", "last_name": "Twinsearch"}
    )

    assert set(found(q="twinsearch")) == {german.number, austrian.number}
    assert found(q="twinsearch", shop="at-web") == [austrian.number]
    assert found(q="twinsearch", status="cancelled") == []


def test_newest_orders_come_first(make_order):
    first = make_order(customer={"email": "order-a@sortcheck.example"})
    second = make_order(customer={"email": "order-b@sortcheck.example"})

    assert found(q="sortcheck") == [second.number, first.number]


def test_dense_matches_take_the_ordered_scan_and_still_filter(make_order, monkeypatch):
    monkeypatch.setattr("customercare.selectors.DENSE", 1)
    first = make_order(customer={"email": "dense-1@densecheck.example"})
    second = make_order(customer={"email": "dense-2@densecheck.example"})

    assert found(q="densecheck") == [second.number, first.number]
    assert found(q="densecheck", shop="de-web") == [second.number, first.number]
    assert found(q="densecheck", shop="at-web") == []


@pytest.mark.parametrize(
    ("term", "fields"),
    [
        ("ada@exa", ["email"]),
        ("lovelace", ["number", "external_id", "email", "name"]),
        ("10117", ["number", "external_id", "email", "phone", "postcode"]),
        ("+49 30 123", ["number", "external_id", "email", "phone"]),
    ],
)
def test_any_field_only_searches_fields_the_term_fits(term, fields):
    from customercare.selectors import _plausible_fields

    assert _plausible_fields(term) == fields


def test_bad_filters_are_reported_not_crashed():
    query = OrderQuery.from_params({"q": "x", "date_from": "yesterday", "field": "shoe"})

    assert set(query.errors) == {"date_from", "field"}


@pytest.mark.parametrize(
    ("model", "column", "term", "index"),
    [
        ("Order", "email", "quartermain", "care_order_email_trgm"),
        ("Order", "number", "00012", "care_order_number_trgm"),
        ("Customer", "last_name", "lovel", "care_customer_last_name_trgm"),
        ("Address", "postcode", "1011", "care_address_postcode_trgm"),
    ],
)
def test_postgres_answers_partial_matches_from_the_trigram_indexes(
    postgres_only, model, column, term, index
):
    from django.apps import apps
    from django.db import connection

    rows = apps.get_model("orders", model).objects.filter(**{f"{column}__icontains": term})
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = rows.order_by().values("pk").explain()

    assert index in plan
