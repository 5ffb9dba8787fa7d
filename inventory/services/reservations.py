"""Reservations: held in the shop's pool at intake, moved to a location by routing, then
consumed by shipment or given back by cancellation and expiry. Never more than exists."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory import atp
from inventory.locks import LOCK_PRODUCTS, lock_products
from inventory.models import Location, Product, Reservation, StockLevel, StockMovement
from inventory.selectors import FULFILMENT_ROWS, product_pictures, service_offered, shop_locations
from inventory.services.common import InsufficientStock, ReservationNotOpen, actor_label
from inventory.signals import reservations_expired
from oms.errors import DomainError, InvalidInput
from oms.models import Shop
from oms.prepared import Prepared


@dataclass(frozen=True)
class ReservationRequest:
    product: Product
    quantity: int
    order_line: object | None = None  # orders.OrderLine


def _movement(
    reservation: Reservation,
    *,
    location_id,
    delta_reserved: int,
    reason: str,
    delta_on_hand: int = 0,
    source: str = "",
    actor=None,
) -> StockMovement:
    return StockMovement(
        location_id=location_id,
        product_id=reservation.product_id,
        delta_on_hand=delta_on_hand,
        delta_reserved=delta_reserved,
        reason=reason,
        source=source[:200],
        reference=f"reservation:{reservation.pk}",
        actor=actor_label(actor)[:150],
    )


def _short(index: int, sku: str, asked: int, left: int, code: str = "insufficient_stock") -> dict:
    return {
        "attr": f"lines.{index}.sku",
        "code": code,
        "detail": _("%(sku)s: %(asked)d requested, %(left)d available.")
        % {"sku": sku, "asked": asked, "left": left},
    }


def reserve_for_order(
    *,
    shop: Shop,
    items: list[ReservationRequest],
    location: Location | None = None,
    kind: str = Reservation.Kind.ORDER,
    expires_at: datetime.datetime | None = None,
    country: str | None = None,
    postcode: str | None = None,
    actor=None,
    savepoint: bool = True,
) -> list[Reservation]:
    """Hold stock for every line of an order, or for none of them.

    Without `location` the units are held in the shop's pool (routing places them later);
    with it (click & collect, click & reserve) they are held in that store. Service articles
    hold no stock; with a destination they must be offered there. Raises InsufficientStock
    naming each short line (`lines.<index>.sku`). Returns the reservations in line order.

    `savepoint=False` is for a caller whose transaction ends on any refusal anyway (intake):
    two statements fewer.
    """
    with transaction.atomic(savepoint=savepoint):
        errors = [
            {"attr": f"lines.{index}.quantity", "code": "min_value", "detail": _("At least 1.")}
            for index, item in enumerate(items)
            if item.quantity < 1
        ]
        if errors:
            raise InvalidInput(errors)
        stock_items = [(i, item) for i, item in enumerate(items) if not item.product.is_service]
        shortages = [
            _short(i, item.product.sku, item.quantity, 0, code="not_offered_here")
            for i, item in enumerate(items)
            if item.product.is_service
            and country
            and not service_offered(item.product, country=country, postcode=postcode)
        ]
        wanted: dict[int, int] = defaultdict(int)
        for _index, item in stock_items:
            wanted[item.product.pk] += item.quantity
        locations_by_shop = shop_locations()  # configuration: read before taking the lock
        products = {item.product.pk: item.product for _index, item in stock_items}
        if location is not None and (
            not location.can_fulfil or location.pk not in locations_by_shop.get(shop.pk, ())
        ):
            message = _("%(location)s cannot serve orders of %(shop)s now.") % {
                "location": location.code,
                "shop": shop.code,
            }
            raise DomainError(
                message,
                errors=[{"attr": "location", "code": "location_not_allowed", "detail": message}],
                code="location-not-allowed",
            )
        # The hot path (the shop's pool on PostgreSQL): write the reservations first, then lock and
        # check that every promise, these included, can still be kept. Others do not see them
        # before commit; a refusal rolls them back. The lock is then held only for one read.
        optimistic = (
            bool(stock_items)
            and location is None
            and connection.vendor == "postgresql"
            and not shortages
            and all(product.is_active for product in products.values())
        )
        if optimistic:
            reservations = _insert_reserved(
                shop, [item for _index, item in stock_items], None, kind, expires_at, actor
            )
        pictures = product_pictures(wanted, shop_locations_by_id=locations_by_shop, lock=True)
        where = (
            [location.pk] if location is not None else locations_by_shop.get(shop.pk, frozenset())
        )
        for product_id, asked in wanted.items():
            picture = pictures[product_id]
            if optimistic:
                if atp.fits(picture, shop_id=shop.pk, shop_locations=locations_by_shop):
                    continue
                picture.pool[shop.pk] -= asked  # what was left before these reservations
            left = (
                atp.available(
                    picture, shop_id=shop.pk, locations=where, shop_locations=locations_by_shop
                )
                if products[product_id].is_active
                else 0
            )
            if asked > left:
                shortages.extend(
                    _short(i, item.product.sku, item.quantity, left)
                    for i, item in stock_items
                    if item.product.pk == product_id
                )
        if shortages:
            shortages.sort(key=lambda entry: int(entry["attr"].split(".")[1]))
            raise InsufficientStock(_("The stock does not cover the order."), errors=shortages)

        if not optimistic:
            reservations = _insert_reserved(
                shop, [item for _index, item in stock_items], location, kind, expires_at, actor
            )
        if location is not None:
            for product_id, asked in wanted.items():
                StockLevel.objects.filter(location=location, product_id=product_id).update(
                    reserved=F("reserved") + asked
                )
        return reservations


def _reservation(
    shop: Shop, item: ReservationRequest, location, kind: str, expires_at, **fields
) -> Reservation:
    return Reservation(
        product=item.product,
        shop=shop,
        location=location,
        order_line=item.order_line,
        kind=kind,
        quantity=item.quantity,
        expires_at=expires_at,
        **fields,
    )


def _insert_reserved(
    shop: Shop, items: list[ReservationRequest], location, kind: str, expires_at, actor
) -> list[Reservation]:
    """Write the reservations and their movements (one statement on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return _insert_reserved_pg(shop, items, location, kind, expires_at, actor)
    reservations = Reservation.objects.bulk_create(
        [_reservation(shop, item, location, kind, expires_at) for item in items]
    )
    StockMovement.objects.bulk_create(
        _movement(
            reservation,
            location_id=location.pk if location else None,
            delta_reserved=reservation.quantity,
            reason=StockMovement.Reason.RESERVATION,
            source=kind,
            actor=actor,
        )
        for reservation in reservations
    )
    return reservations


# The reservations and their movements in one statement (the hot path's lock is held until
# commit, so every round trip and every planning saved is throughput for a hot SKU).
_INSERT_RESERVED = Prepared(
    "oms_insert_reserved",
    "bigint, bigint, text, text, timestamptz, timestamptz, bigint[], bigint[], integer[], text, text",
    f"""
    WITH new AS (
        INSERT INTO {Reservation._meta.db_table}
            (product_id, shop_id, location_id, order_line_id, kind, quantity,
             quantity_consumed, quantity_released, status, expires_at, created_at)
        SELECT i.product, $1, $2, i.line, $3, i.quantity, 0, 0, $4, $5, $6
        FROM unnest($7, $8, $9) WITH ORDINALITY AS i(product, line, quantity, position)
        ORDER BY i.position
        RETURNING id, product_id, quantity
    ), moved AS (
        INSERT INTO {StockMovement._meta.db_table}
            (location_id, product_id, delta_on_hand, delta_reserved, reason, source,
             reference, actor, created_at)
        SELECT $2, new.product_id, 0, new.quantity, $10, $3, 'reservation:' || new.id, $11, $6
        FROM new
    )
    SELECT id FROM new ORDER BY id
    """,
)


def _insert_reserved_pg(
    shop: Shop, items: list[ReservationRequest], location, kind: str, expires_at, actor
) -> list[Reservation]:
    now = timezone.now()
    location_id = location.pk if location else None
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_RESERVED.call(),
            [
                shop.pk,
                location_id,
                kind,
                Reservation.Status.OPEN,
                expires_at,
                now,
                [item.product.pk for item in items],
                [item.order_line.pk if item.order_line else None for item in items],
                [item.quantity for item in items],
                StockMovement.Reason.RESERVATION,
                actor_label(actor)[:150],
            ],
        )
        ids = [row[0] for row in cursor.fetchall()]
    reservations = []
    for pk, item in zip(ids, items, strict=True):
        reservation = _reservation(shop, item, location, kind, expires_at, pk=pk, created_at=now)
        reservation._state.adding = False
        reservation._state.db = connection.alias
        reservations.append(reservation)
    return reservations


def _locked_open(reservation: Reservation) -> Reservation:
    lock_products([reservation.product_id])
    current = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if current.status != Reservation.Status.OPEN:
        raise ReservationNotOpen(current)
    return current


def _check_quantity(reservation: Reservation, quantity: int | None) -> int:
    quantity = reservation.quantity if quantity is None else quantity
    if not 1 <= quantity <= reservation.quantity:
        raise InvalidInput(
            [
                {
                    "attr": "quantity",
                    "code": "invalid",
                    "detail": _("Between 1 and %(open)d.") % {"open": reservation.quantity},
                }
            ]
        )
    return quantity


@dataclass(frozen=True)
class Placement:
    """Hold `quantity` units (all that is open when None) of a pool reservation at a location."""

    reservation: Reservation
    location: Location
    quantity: int | None = None


@transaction.atomic
def assign_reservation_to_location(
    *, reservation: Reservation, location: Location, quantity: int | None = None, actor=None
) -> Reservation:
    """Routing placed (part of) a pool reservation at a location: hold the units there.

    The location must have the free units (beyond safety stock), and taking them must not
    leave other shops' pool reservations uncovered. A part is split off into a new reservation.
    """
    return assign_reservations_to_locations(
        placements=[Placement(reservation, location, quantity)], actor=actor
    )[0]


def assign_reservations_to_locations(
    *, placements: list[Placement], actor=None
) -> list[Reservation]:
    """Routing placed pool reservations (or parts) at locations: hold them there, all or none.

    The placements are taken in the order given, each as `assign_reservation_to_location`
    would (a reservation may be placed in parts at several locations; the last part moves the
    reservation itself). The products are locked once, in id order, and their stock is read
    once. Raises InsufficientStock for the first placement a location cannot hold. Returns
    the reservation now held at the location, per placement.
    """
    if not placements:
        return []
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # Inside the caller's transaction no savepoint is needed: every refusal is raised
        # before anything is written, and the writes are one statement (all or none).
        return _assign(placements, actor)
    with transaction.atomic():
        return _assign(placements, actor)


def _assign(placements: list[Placement], actor) -> list[Reservation]:
    """Lock, check and write the placements (in a transaction)."""
    product_ids = {placement.reservation.product_id for placement in placements}
    reservation_ids = {placement.reservation.pk for placement in placements}
    if connection.vendor == "postgresql":
        locations_by_shop, current = _lock_and_read_pg(product_ids, reservation_ids)
    else:
        lock_products(product_ids)
        current = {
            reservation.pk: reservation
            for reservation in Reservation.objects.select_for_update(of=("self",))
            .select_related("product")
            .filter(pk__in=reservation_ids)
            .order_by("pk")
        }
        locations_by_shop = shop_locations()
    pictures = product_pictures(
        {reservation.product_id for reservation in current.values()},
        shop_locations_by_id=locations_by_shop,
    )
    moves = _plan_moves(placements, current, pictures, locations_by_shop)
    if connection.vendor == "postgresql":
        _save_moves_pg(moves, actor)
    else:
        _save_moves(moves, actor)
    return [placed for _pool, placed, _units in moves]


def _plan_moves(
    placements: list[Placement],
    current: dict[int, Reservation],
    pictures: dict[int, atp.ProductPicture],
    locations_by_shop: dict[int, frozenset],
) -> list[tuple[Reservation, Reservation, int]]:
    """Check each placement against the stock picture (updated as it goes) and say what moves:
    (the reservation from the pool, the one placed, units). Nothing is written here."""
    moves: list[tuple[Reservation, Reservation, int]] = []
    for placement in placements:
        reservation, location = current[placement.reservation.pk], placement.location
        if reservation.status != Reservation.Status.OPEN:
            raise ReservationNotOpen(reservation)
        if reservation.location_id is not None:
            raise DomainError(
                _("Reservation %(id)s is already at a location.") % {"id": reservation.pk},
                code="reservation-already-placed",
            )
        quantity = _check_quantity(reservation, placement.quantity)
        picture = pictures[reservation.product_id]
        free_here = picture.free.get(location.pk, 0) if location.can_fulfil else 0
        shortfall_before = atp.pool_shortfall(picture, shop_locations=locations_by_shop)
        picture.free[location.pk] = free_here - quantity
        picture.pool[reservation.shop_id] -= quantity
        if free_here < quantity or (
            atp.pool_shortfall(picture, shop_locations=locations_by_shop) > shortfall_before
        ):
            raise InsufficientStock(
                _("%(location)s cannot hold %(quantity)d × %(sku)s.")
                % {
                    "location": location.code,
                    "quantity": quantity,
                    "sku": reservation.product.sku,
                },
                errors=[_short(0, reservation.product.sku, quantity, max(0, free_here))],
            )
        if quantity < reservation.quantity:
            reservation.quantity -= quantity
            placed = Reservation(
                product_id=reservation.product_id,
                shop_id=reservation.shop_id,
                location=location,
                order_line_id=reservation.order_line_id,
                kind=reservation.kind,
                quantity=quantity,
                expires_at=reservation.expires_at,
            )
        else:
            reservation.location = location  # later placements of it are refused above
            placed = reservation
        moves.append((reservation, placed, quantity))
    return moves


def _save_moves(moves: list[tuple[Reservation, Reservation, int]], actor) -> None:
    """Write the placements: the reservations, the units reserved per location, movements."""
    changed = list({id(pool): pool for pool, _placed, _units in moves}.values())
    Reservation.objects.bulk_update(changed, ["quantity", "location"])
    Reservation.objects.bulk_create(
        [placed for _pool, placed, _units in moves if placed.pk is None]
    )
    reserved: dict[tuple[int, int], int] = defaultdict(int)  # (location, product) → units
    for _pool, placed, units in moves:
        reserved[(placed.location_id, placed.product_id)] += units
    rows = StockLevel.objects.filter(
        reduce(or_, (Q(location_id=loc, product_id=product) for loc, product in reserved))
    )
    # Stock levels are locked in (location, product) order, as everywhere (inventory.locks).
    list(rows.select_for_update().order_by("location_id", "product_id").values_list("pk"))
    rows.update(
        reserved=F("reserved")
        + Case(
            *(
                When(location_id=loc, product_id=product, then=Value(units))
                for (loc, product), units in reserved.items()
            ),
            default=Value(0),
        )
    )
    movements = []
    for pool, placed, units in moves:
        movements += [
            _movement(
                pool,
                location_id=None,
                delta_reserved=-units,
                reason=StockMovement.Reason.RESERVATION,
                source=f"routed to {placed.location.code}",
                actor=actor,
            ),
            _movement(
                placed,
                location_id=placed.location_id,
                delta_reserved=units,
                reason=StockMovement.Reason.RESERVATION,
                source="routing",
                actor=actor,
            ),
        ]
    StockMovement.objects.bulk_create(movements)


# PostgreSQL: what placing needs is read in one round trip (the shops' locations, then the
# products locked, then their reservations locked) and written in one prepared statement.
_RESERVATION_FIELDS = Reservation._meta.concrete_fields
_PRODUCT_FIELDS = Product._meta.concrete_fields
_LOCK_RESERVATIONS = Prepared(
    "oms_lock_reservations",
    "bigint[]",
    f"""
    SELECT {", ".join(f"r.{field.column}" for field in _RESERVATION_FIELDS)},
           {", ".join(f"p.{field.column}" for field in _PRODUCT_FIELDS)}
    FROM {Reservation._meta.db_table} r
    JOIN {Product._meta.db_table} p ON p.id = r.product_id
    WHERE r.id = ANY($1)
    ORDER BY r.id
    FOR UPDATE OF r
    """,
)


def _lock_and_read_pg(
    product_ids: set[int], reservation_ids: set[int]
) -> tuple[dict[int, frozenset], dict[int, Reservation]]:
    """The shops' supplies and the reservations (with their products), locked: products
    first, in id order, then the reservations in id order (inventory.locks)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"{FULFILMENT_ROWS.call()}; {LOCK_PRODUCTS.call()}; {_LOCK_RESERVATIONS.call()}",
            [Location.Type.STORE, sorted(product_ids), sorted(reservation_ids)],
        )
        locations_by_shop = shop_locations(cursor.fetchall())
        cursor.nextset()
        cursor.nextset()
        rows = cursor.fetchall()
    current = {}
    split = len(_RESERVATION_FIELDS)
    for row in rows:
        reservation = _from_row(Reservation, _RESERVATION_FIELDS, row[:split])
        Reservation.product.field.set_cached_value(
            reservation, _from_row(Product, _PRODUCT_FIELDS, row[split:])
        )
        current[reservation.pk] = reservation
    return locations_by_shop, current


def _from_row(
    model: type[Reservation] | type[Product], fields: tuple, values: tuple
) -> Reservation | Product:
    """A model instance from a raw row of all its concrete fields, as the ORM builds it."""
    values = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, values, strict=True)
    ]
    return model.from_db(connection.alias, [field.attname for field in fields], values)


_SAVE_PLACEMENTS = Prepared(
    "oms_save_placements",
    "bigint[], integer[], bigint[], "  # pool reservations: id, open units left, location
    "bigint[], bigint[], bigint[], bigint[], text[], integer[], timestamptz[], "  # split off
    "bigint[], bigint[], integer[], "  # units reserved per (location, product)
    "bigint[], bigint[], integer[], text[], text[], integer[], "  # movements
    "text, text, text, timestamptz",  # open, movement reason, actor, now
    f"""
    WITH pool AS (
        UPDATE {Reservation._meta.db_table} r SET quantity = u.quantity, location_id = u.location
        FROM unnest($1, $2, $3) AS u(id, quantity, location)
        WHERE r.id = u.id
    ), new AS (
        INSERT INTO {Reservation._meta.db_table}
            (product_id, shop_id, location_id, order_line_id, kind, quantity,
             quantity_consumed, quantity_released, status, expires_at, created_at)
        SELECT n.product, n.shop, n.location, n.line, n.kind, n.quantity, 0, 0, $20,
               n.expires_at, $23
        FROM unnest($4, $5, $6, $7, $8, $9, $10)
            WITH ORDINALITY AS n(product, shop, location, line, kind, quantity, expires_at,
                                 position)
        ORDER BY n.position
        RETURNING id
    ), numbered AS (
        SELECT id, row_number() OVER (ORDER BY id) AS position FROM new
    ), locked AS MATERIALIZED (  -- in (location, product) order, as everywhere (locks.py)
        SELECT s.id, l.units
        FROM {StockLevel._meta.db_table} s
        JOIN unnest($11, $12, $13) AS l(location, product, units)
            ON s.location_id = l.location AND s.product_id = l.product
        ORDER BY s.location_id, s.product_id
        FOR UPDATE OF s
    ), levels AS (
        UPDATE {StockLevel._meta.db_table} s SET reserved = s.reserved + locked.units
        FROM locked
        WHERE s.id = locked.id
    ), moved AS (
        INSERT INTO {StockMovement._meta.db_table}
            (location_id, product_id, delta_on_hand, delta_reserved, reason, source,
             reference, actor, created_at)
        SELECT m.location, m.product, 0, m.units, $21, m.source,
               COALESCE(m.reference, 'reservation:' || numbered.id), $22, $23
        FROM unnest($14, $15, $16, $17, $18, $19)
            WITH ORDINALITY AS m(location, product, units, source, reference, new, position)
        LEFT JOIN numbered ON numbered.position = m.new
        ORDER BY m.position
    )
    SELECT id FROM new ORDER BY id
    """,
)


def _save_moves_pg(moves: list[tuple[Reservation, Reservation, int]], actor) -> None:
    """`_save_moves` in one statement: the same rows, locks in the same order."""
    now = timezone.now()
    pools = list({id(pool): pool for pool, _placed, _units in moves}.values())
    new = [placed for _pool, placed, _units in moves if placed.pk is None]
    new_position = {id(placed): position for position, placed in enumerate(new, 1)}
    reserved: dict[tuple[int, int], int] = defaultdict(int)  # (location, product) → units
    movements = []  # (location, product, Δ reserved, source, reference, position among new)
    for pool, placed, units in moves:
        reserved[(placed.location_id, placed.product_id)] += units
        source = f"routed to {placed.location.code}"[:200]
        movements.append((None, pool.product_id, -units, source, f"reservation:{pool.pk}", None))
        # A part split off gets its id from the INSERT: its reference is made there.
        reference = f"reservation:{placed.pk}" if placed.pk else None
        position = new_position.get(id(placed))
        movements.append(
            (placed.location_id, placed.product_id, units, "routing", reference, position)
        )
    with connection.cursor() as cursor:
        cursor.execute(
            _SAVE_PLACEMENTS.call(),
            [
                [pool.pk for pool in pools],
                [pool.quantity for pool in pools],
                [pool.location_id for pool in pools],
                [placed.product_id for placed in new],
                [placed.shop_id for placed in new],
                [placed.location_id for placed in new],
                [placed.order_line_id for placed in new],
                [placed.kind for placed in new],
                [placed.quantity for placed in new],
                [placed.expires_at for placed in new],
                [location for location, _product in reserved],
                [product for _location, product in reserved],
                list(reserved.values()),
                *(list(column) for column in zip(*movements, strict=True)),
                Reservation.Status.OPEN,
                StockMovement.Reason.RESERVATION,
                actor_label(actor)[:150],
                now,
            ],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for pk, placed in zip(ids, new, strict=True):
        placed.pk, placed.created_at = pk, now
        placed._state.adding = False
        placed._state.db = connection.alias


def _give_back(
    reservation: Reservation, quantity: int, *, reason: str, source: str, actor, transition: str
) -> Reservation:
    reservation.quantity -= quantity
    reservation.quantity_released += quantity
    if reservation.quantity == 0:
        getattr(reservation, transition)()
    reservation.save(update_fields=["quantity", "quantity_released", "status"])
    if reservation.location_id is not None:
        StockLevel.objects.filter(
            location_id=reservation.location_id, product_id=reservation.product_id
        ).update(reserved=F("reserved") - quantity)
    _movement(
        reservation,
        location_id=reservation.location_id,
        delta_reserved=-quantity,
        reason=reason,
        source=source,
        actor=actor,
    ).save()
    return reservation


@transaction.atomic
def release_reservation(
    *, reservation: Reservation, quantity: int | None = None, reason: str = "", actor=None
) -> Reservation:
    """Give back held units (cancellation, reroute); all of them when no quantity is given."""
    reservation = _locked_open(reservation)
    quantity = _check_quantity(reservation, quantity)
    return _give_back(
        reservation,
        quantity,
        reason=StockMovement.Reason.RELEASE,
        source=reason,
        actor=actor,
        transition="release",
    )


@transaction.atomic
def consume_reservation(
    *, reservation: Reservation, quantity: int | None = None, reference: str = "", actor=None
) -> Reservation:
    """The units left the location (shipment, handover): lower on hand and reserved there."""
    reservation = _locked_open(reservation)
    if reservation.location_id is None:
        raise DomainError(
            _("Reservation %(id)s is not at a location yet.") % {"id": reservation.pk},
            code="reservation-not-placed",
        )
    quantity = _check_quantity(reservation, quantity)
    level = StockLevel.objects.select_for_update().get(
        location_id=reservation.location_id, product_id=reservation.product_id
    )
    # A feed may already have counted the goods out; never go below zero on hand.
    taken = min(quantity, level.on_hand)
    level.on_hand -= taken
    level.reserved -= quantity
    level.save(update_fields=["on_hand", "reserved", "updated_at"])
    reservation.quantity -= quantity
    reservation.quantity_consumed += quantity
    if reservation.quantity == 0:
        reservation.consume()
    reservation.save(update_fields=["quantity", "quantity_consumed", "status"])
    movement = _movement(
        reservation,
        location_id=reservation.location_id,
        delta_on_hand=-taken,
        delta_reserved=-quantity,
        reason=StockMovement.Reason.SHIPMENT,
        source=reference,
        actor=actor,
    )
    movement.reference = reference[:100] or movement.reference
    movement.save()
    return reservation


def expire_reservations(now: datetime.datetime | None = None) -> int:
    """Let reservations past their deadline (click & reserve) lapse; safe to run twice."""
    now = now or timezone.now()
    due = list(
        Reservation.objects.filter(status=Reservation.Status.OPEN, expires_at__lte=now)
        .order_by("product_id", "pk")
        .values_list("product_id", "pk")
    )
    by_product: dict[int, list[int]] = defaultdict(list)
    for product_id, pk in due:
        by_product[product_id].append(pk)
    expired = 0
    for product_id in sorted(by_product):
        with transaction.atomic():
            lock_products([product_id])
            lapsed = []
            for reservation in Reservation.objects.select_for_update().filter(
                pk__in=by_product[product_id], status=Reservation.Status.OPEN, expires_at__lte=now
            ):
                lapsed.append(
                    _give_back(
                        reservation,
                        reservation.quantity,
                        reason=StockMovement.Reason.RELEASE,
                        source="expired",
                        actor=None,
                        transition="expire",
                    )
                )
            if lapsed:
                reservations_expired.send(sender=Reservation, reservations=lapsed)
            expired += len(lapsed)
    return expired
