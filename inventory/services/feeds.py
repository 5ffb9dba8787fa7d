"""Bulk stock feeds from a WMS, ERP, store system or partner: all or nothing, fast."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import Location, Product, StockLevel, StockMovement
from inventory.services.common import actor_label
from oms.errors import DomainError, InvalidInput

MODES = ("absolute", "delta")
MAX_ITEMS = 200_000
MAX_ERRORS = 100
MAX_QUANTITY = 2_000_000_000
LOOKUP_CHUNK = 900  # SQLite allows 999 parameters per statement in old builds


@dataclass(frozen=True)
class StockFeedItem:
    location: str
    sku: str
    quantity: int


class FeedLocationsNotAllowed(DomainError):
    """A partner fed stock for locations that are not its own (answered with 403)."""

    code = "location-not-allowed"


def _field(item, name: str):
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _lookup(model, field: str, values: set[str], columns: tuple[str, ...]) -> dict:
    found = {}
    values = sorted(values)
    for start in range(0, len(values), LOOKUP_CHUNK):
        chunk = values[start : start + LOOKUP_CHUNK]
        for row in model.objects.filter(**{f"{field}__in": chunk}).values_list(field, *columns):
            found[row[0]] = row[1:]
    return found


def _validate(mode: str, items: Sequence, partner) -> tuple[list, list[dict]]:
    """Check every item; return (location id, product id, quantity, index) rows and errors."""
    errors: list[dict] = []

    def error(attr: str, code: str, detail: str) -> None:
        errors.append({"attr": attr, "code": code, "detail": detail})

    if mode not in MODES:
        error("mode", "invalid_choice", _("Use 'absolute' or 'delta'."))
    if not isinstance(items, Sequence) or isinstance(items, str | bytes) or not items:
        error("items", "required", _("Send at least one item."))
        return [], errors
    if len(items) > MAX_ITEMS:
        error("items", "max_length", _("At most %(max)d items per feed.") % {"max": MAX_ITEMS})
        return [], errors

    cleaned = []
    for index, item in enumerate(items):
        location, sku, quantity = (_field(item, name) for name in ("location", "sku", "quantity"))
        ok = True
        if not isinstance(location, str) or not location:
            error(f"items.{index}.location", "required", _("Name the location by its code."))
            ok = False
        if not isinstance(sku, str) or not sku:
            error(f"items.{index}.sku", "required", _("Name the SKU."))
            ok = False
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            error(f"items.{index}.quantity", "invalid", _("The quantity is a whole number."))
            ok = False
        elif abs(quantity) > MAX_QUANTITY:
            error(f"items.{index}.quantity", "max_value", _("The quantity is too large."))
            ok = False
        elif mode == "absolute" and quantity < 0:
            error(
                f"items.{index}.quantity",
                "min_value",
                _("An absolute quantity cannot be negative."),
            )
            ok = False
        if ok:
            cleaned.append((location, sku, quantity, index))
        if len(errors) >= MAX_ERRORS:
            return [], errors

    locations = _lookup(Location, "code", {row[0] for row in cleaned}, ("pk", "partner_id"))
    products = _lookup(Product, "sku", {row[1] for row in cleaned}, ("pk", "is_service"))
    rows, seen = [], {}
    for location, sku, quantity, index in cleaned:
        location_row, product_row = locations.get(location), products.get(sku)
        if location_row is None:
            error(
                f"items.{index}.location",
                "unknown_location",
                _("There is no location %(code)s.") % {"code": location},
            )
        if product_row is None:
            error(f"items.{index}.sku", "unknown_sku", _("There is no SKU %(sku)s.") % {"sku": sku})
        elif product_row[1]:
            error(
                f"items.{index}.sku",
                "service_article",
                _("%(sku)s is a service article and has no stock.") % {"sku": sku},
            )
        if location_row is None or product_row is None or product_row[1]:
            continue
        pair = (location_row[0], product_row[0])
        if pair in seen:
            error(
                f"items.{index}.sku",
                "duplicate",
                _("%(sku)s at %(location)s is already items.%(first)d.")
                % {"sku": sku, "location": location, "first": seen[pair]},
            )
            continue
        seen[pair] = index
        if partner is not None and location_row[1] != partner.pk:
            raise FeedLocationsNotAllowed(
                _("Partner clients may feed only their own locations."),
                errors=[
                    {
                        "attr": f"items.{index}.location",
                        "code": "location_not_allowed",
                        "detail": _("%(code)s is not one of your locations.") % {"code": location},
                    }
                ],
            )
        rows.append((location_row[0], product_row[0], quantity, index))
        if len(errors) >= MAX_ERRORS:
            break
    return rows, errors[:MAX_ERRORS]


@transaction.atomic
def apply_stock_feed(*, mode: str, items: Sequence, source: str, actor, partner=None) -> int:
    """Set (absolute) or change (delta) stock for many SKUs at once; all items or none.

    Every item is checked before anything is written; errors name the item (`items.3.sku`).
    Each changed level gets a `feed` movement. `partner`: only its own locations may be fed.
    Returns the number of items applied.
    """
    rows, errors = _validate(mode, items, partner)
    if errors:
        raise InvalidInput(errors, detail=_("The stock feed was not applied."))
    rows.sort()  # lock and write in (location, product) order: concurrent feeds cannot deadlock
    writer = _PostgresWriter() if connection.vendor == "postgresql" else _OrmWriter()
    old = writer.lock_current(rows)
    missing = [row for row in rows if (row[0], row[1]) not in old]
    changes = _changes(mode, [row for row in rows if (row[0], row[1]) in old], old)
    fresh = _changes(mode, missing, {}, keep_unchanged=True)
    moved = changes
    if fresh:
        # New levels are inserted with their final quantity; one that a concurrent feed
        # created meanwhile is locked and changed like any existing level.
        created = writer.create(fresh)
        moved = changes + [change for change in fresh if (change[0], change[1]) in created]
        raced = [row for row in missing if (row[0], row[1]) not in created]
        if raced:
            raced_changes = _changes(mode, raced, writer.lock_current(raced))
            changes, moved = changes + raced_changes, moved + raced_changes
    if changes:
        writer.update(changes)
    moved = [change for change in moved if change[3]]
    if moved:
        writer.record(moved, source=source[:200], actor=actor_label(actor)[:150])
    return len(rows)


def _changes(mode: str, rows: list, old: dict, *, keep_unchanged: bool = False) -> list:
    """(location, product, new on hand, delta) per row; InvalidInput if any would go below 0."""
    changes, errors = [], []
    for location_id, product_id, quantity, index in rows:
        before = old.get((location_id, product_id), 0)
        after = quantity if mode == "absolute" else before + quantity
        if after < 0:
            errors.append(
                {
                    "attr": f"items.{index}.quantity",
                    "code": "negative_stock",
                    "detail": _("This would leave %(after)d on hand.") % {"after": after},
                }
            )
        elif after != before or keep_unchanged:
            changes.append((location_id, product_id, after, after - before))
    if errors:
        raise InvalidInput(errors[:MAX_ERRORS], detail=_("The stock feed was not applied."))
    return changes


class _PostgresWriter:
    """Set-based SQL with arrays: one statement per step, whatever the feed's size."""

    def create(self, levels: list) -> set:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {StockLevel._meta.db_table}
                    (location_id, product_id, on_hand, reserved, updated_at)
                SELECT l, p, q, 0, now()
                FROM unnest(%s::bigint[], %s::bigint[], %s::integer[]) AS i(l, p, q)
                ORDER BY l, p
                ON CONFLICT (location_id, product_id) DO NOTHING
                RETURNING location_id, product_id
                """,
                [[lv[0] for lv in levels], [lv[1] for lv in levels], [lv[2] for lv in levels]],
            )
            return set(cursor.fetchall())

    def lock_current(self, rows: list) -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT s.location_id, s.product_id, s.on_hand
                FROM {StockLevel._meta.db_table} s
                JOIN unnest(%s::bigint[], %s::bigint[]) AS i(l, p)
                  ON s.location_id = i.l AND s.product_id = i.p
                ORDER BY s.location_id, s.product_id
                FOR UPDATE OF s
                """,
                [[row[0] for row in rows], [row[1] for row in rows]],
            )
            return {(loc, prod): on_hand for loc, prod, on_hand in cursor.fetchall()}

    def update(self, changes: list) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {StockLevel._meta.db_table} s
                SET on_hand = i.q, updated_at = now()
                FROM unnest(%s::bigint[], %s::bigint[], %s::integer[]) AS i(l, p, q)
                WHERE s.location_id = i.l AND s.product_id = i.p
                """,
                [[c[0] for c in changes], [c[1] for c in changes], [c[2] for c in changes]],
            )

    def record(self, changes: list, *, source: str, actor: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {StockMovement._meta.db_table}
                    (location_id, product_id, delta_on_hand, delta_reserved, reason, source,
                     reference, actor, created_at)
                SELECT l, p, d, 0, %s, %s, '', %s, %s
                FROM unnest(%s::bigint[], %s::bigint[], %s::integer[]) AS i(l, p, d)
                """,
                [
                    StockMovement.Reason.FEED,
                    source,
                    actor,
                    timezone.now(),
                    [c[0] for c in changes],
                    [c[1] for c in changes],
                    [c[3] for c in changes],
                ],
            )


class _OrmWriter:
    """The portable path (SQLite demo): the same steps through the ORM in batches."""

    batch = 500

    def create(self, levels: list) -> set:
        # SQLite runs one writer at a time (IMMEDIATE transactions): no concurrent creation.
        StockLevel.objects.bulk_create(
            [StockLevel(location_id=lv[0], product_id=lv[1], on_hand=lv[2]) for lv in levels],
            batch_size=self.batch,
        )
        return {(lv[0], lv[1]) for lv in levels}

    def lock_current(self, rows: list) -> dict:
        wanted = {(row[0], row[1]) for row in rows}
        current = {}
        product_ids = sorted({row[1] for row in rows})
        for start in range(0, len(product_ids), LOOKUP_CHUNK):
            chunk = product_ids[start : start + LOOKUP_CHUNK]
            for location_id, product_id, on_hand in (
                StockLevel.objects.select_for_update()
                .filter(product_id__in=chunk)
                .order_by("location_id", "product_id")
                .values_list("location_id", "product_id", "on_hand")
            ):
                if (location_id, product_id) in wanted:
                    current[(location_id, product_id)] = on_hand
        return current

    def update(self, changes: list) -> None:
        now = timezone.now()
        StockLevel.objects.bulk_create(
            [
                StockLevel(location_id=loc, product_id=prod, on_hand=after, updated_at=now)
                for loc, prod, after, _delta in changes
            ],
            update_conflicts=True,
            unique_fields=["location", "product"],
            update_fields=["on_hand", "updated_at"],
            batch_size=self.batch,
        )

    def record(self, changes: list, *, source: str, actor: str) -> None:
        now = timezone.now()
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    location_id=loc,
                    product_id=prod,
                    delta_on_hand=delta,
                    reason=StockMovement.Reason.FEED,
                    source=source,
                    actor=actor,
                    created_at=now,
                )
                for loc, prod, _after, delta in changes
            ],
            batch_size=self.batch,
        )
