"""A click & reserve order's pending payment carries the order's total (was 0 standing for it).

With the amount on the payment, what is due, what the store takes at the counter and what a
care exchange adds or takes off are one and the same sum.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def carry_the_total(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Payment = apps.get_model("orders", "Payment")
    total = Order.objects.filter(pk=OuterRef("order_id")).values("total")[:1]
    Payment.objects.filter(
        status="pending", amount=0, order__delivery_method="reserve"
    ).update(amount=Subquery(total))


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_customermessage_outbox")]

    operations = [migrations.RunPython(carry_the_total, migrations.RunPython.noop)]
