"""Two desks announcing the last unit of a line at the same moment: one wins (PostgreSQL)."""

import threading

import pytest
from django.db import connection

from oms.errors import DomainError
from orders.services.events import Actor
from returns import services
from returns.models import ReturnLine
from returns.tests.conftest import place, ship_all, stock_only_in_warehouse


@pytest.mark.django_db(transaction=True)
def test_the_same_unit_is_never_returned_twice(postgres_only):
    stock_only_in_warehouse("TSHIRT-WHITE-M", "JEANS-BLUE-32")
    order = place()
    ship_all(order)
    jeans = order.lines.get(sku="JEANS-BLUE-32")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def announce() -> None:
        try:
            barrier.wait()
            services.return_announce(
                order=order,
                channel="mail",
                items=[services.ReturnItem(jeans.pk, 1)],
                actor=Actor.system("desk"),
            )
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.errors[0]["code"])
        finally:
            connection.close()

    threads = [threading.Thread(target=announce) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["more_than_delivered", "ok"]
    assert ReturnLine.objects.filter(order_line=jeans).count() == 1
