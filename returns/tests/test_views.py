"""The store counter, the returns desk and the slip, through Django's test client."""

import re

import pytest
from django.contrib.auth.models import Permission

from oms.barcode import code128_modules
from orders.services.events import Actor
from returns import selectors, services
from returns.models import Refund, Return


@pytest.mark.django_db
def test_store_return_review_then_confirm(client, store_user, shipped_order):
    order = shipped_order()
    jeans = order.lines.get(sku="JEANS-BLUE-32")
    client.force_login(store_user)
    url = "/store/store-berlin-mitte/returns/"
    found = client.get(url, {"q": order.number})
    assert found.status_code == 200
    assert "JEANS-BLUE-32" in found.content.decode()

    form = {
        "order": order.number,
        f"line-{jeans.pk}-quantity": "1",
        f"line-{jeans.pk}-reason": "too big",
        f"line-{jeans.pk}-condition": "resellable",
        "payout": "cash",
    }
    for line in order.lines.exclude(pk=jeans.pk):
        form.update({f"line-{line.pk}-quantity": "0", f"line-{line.pk}-condition": "resellable"})
    review = client.post(url, {**form, "action": "review"})
    assert review.status_code == 200
    assert (
        str(jeans.net_price.quantize(jeans.net_price.__class__("0.01"))) in review.content.decode()
    )
    assert not Return.objects.filter(order=order).exists()  # a review writes nothing

    done = client.post(url, {**form, "action": "confirm"})
    assert done.status_code == 302
    refund = Refund.objects.get(order=order)
    assert refund.method == "cash"
    assert refund.location.code == "store-berlin-mitte"


@pytest.mark.django_db
def test_store_return_refusal_is_shown_inline(client, store_user, shipped_order):
    order = shipped_order()
    jeans = order.lines.get(sku="JEANS-BLUE-32")
    client.force_login(store_user)
    form = {"order": order.number, "payout": "cash", "action": "confirm"}
    for line in order.lines.all():
        form.update({f"line-{line.pk}-quantity": "0", f"line-{line.pk}-condition": "resellable"})
    form[f"line-{jeans.pk}-quantity"] = "2"
    response = client.post("/store/store-berlin-mitte/returns/", form)
    assert response.status_code == 409
    assert "not yet returned" in response.content.decode()


@pytest.mark.django_db
def test_store_staff_only_in_their_own_store(client, store_user):
    client.force_login(store_user)
    assert client.get("/store/store-hamburg/returns/").status_code == 404


@pytest.mark.django_db
def test_desk_needs_the_permission(client, agent_user, admin_login):
    client.force_login(agent_user)
    assert client.get("/returns/desk/").status_code == 403
    agent_user.user_permissions.add(Permission.objects.get(codename="process_return"))
    client.force_login(agent_user)
    assert client.get("/returns/desk/").status_code == 200


@pytest.mark.django_db
def test_desk_receive_inspect_close_with_confirmation(client, admin_login, shipped_order):
    order = shipped_order()
    return_order = services.return_announce(
        order=order,
        channel="mail",
        items=[services.ReturnItem(order.lines.first().pk, 1)],
        actor=Actor.system("test"),
    )
    client.force_login(admin_login)
    assert client.get("/returns/desk/", {"q": return_order.number}).status_code == 302
    url = f"/returns/desk/{return_order.pk}/"
    asked = client.post(url, {"action": "receive", "location": "wh-central"})
    assert asked.status_code == 200 and "Confirm" in asked.content.decode()
    return_order.refresh_from_db()
    assert return_order.status == "announced"
    client.post(url, {"action": "receive", "location": "wh-central", "confirm": "yes"})
    line = return_order.lines.get()
    client.post(url, {"action": "inspect", f"condition-{line.pk}": "defective", "confirm": "yes"})
    client.post(url, {"action": "close", "confirm": "yes"})
    return_order.refresh_from_db()
    assert return_order.status == "closed"
    assert return_order.lines.get().destination.code == "rc-halle"
    transfers = client.get("/returns/desk/transfers/")
    assert return_order.number in transfers.content.decode()


@pytest.fixture
def mailed_return(shipped_order) -> Return:
    """One unit of a shipped order announced for return by mail."""
    order = shipped_order()
    return_order = services.return_announce(
        order=order,
        channel="mail",
        items=[services.ReturnItem(order.lines.first().pk, 1)],
        actor=Actor.system("test"),
    )
    return return_order


@pytest.mark.django_db
def test_slip_opens_only_with_a_valid_signature(client, mailed_return):
    return_order = mailed_return
    good = client.get(selectors.slip_url(return_order))
    assert good.status_code == 200
    assert return_order.destination.street in good.content.decode()
    assert client.get(f"/returns/slip/{return_order.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_slip_carries_the_return_number_as_a_barcode_the_desk_can_scan(client, mailed_return):
    return_order = mailed_return

    page = client.get(selectors.slip_url(return_order)).content.decode()

    barcode = re.search(r'<div class="barcode-box" id="return-barcode">(<svg.*?</svg>)', page)
    assert barcode and f'aria-label="{return_order.number}"' in barcode[1]
    # The bars are the Code 128 modules of the number (x positions and widths, module 2).
    bars = [
        (int(x), int(w)) for x, w in re.findall(r'<rect x="(\d+)" y="0" width="(\d+)"', barcode[1])
    ]
    expected, x = [], 20
    for is_bar, width in code128_modules(return_order.number):
        if is_bar:
            expected.append((x, width * 2))
        x += width * 2
    assert bars == expected
