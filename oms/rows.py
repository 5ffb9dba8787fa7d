"""Writing and reading rows of the hottest paths with plain SQL instead of compiled ORM queries.

`QuerySet.bulk_create()` and `Model.save()` compile their INSERT anew on every call: for the
three lines of an order that took 1.4 ms of CPU, against 0.7 ms for the same statement
written here. Order intake writes seven such statements per order, so it uses `insert()`.
The values are prepared exactly as the ORM prepares them (`pre_save`, `get_db_prep_save`),
so the rows are the same as `bulk_create()` writes; a text, integer, boolean or foreign-key
value that has its column's Python type already skips that call, which would return it
unchanged (two thirds of an order's values, 0.4 ms an order). Like `bulk_create()` it sends no signals:
use it only for models nothing listens to. `select()` is the reading counterpart: a row of
every column becomes an instance exactly as the ORM would make it.
"""

from collections.abc import Sequence
from functools import cache

from django.db import connection, models
from django.db.models import Model

# Fields whose value, when it already has the column's Python type (or is None), goes to the
# database as it is: their `get_db_prep_save` would hand back the very same object. Exact
# classes only, so a subclass that prepares its values differently keeps the full path.
_TEXT = (
    models.CharField,
    models.TextField,
    models.EmailField,
    models.SlugField,
    models.URLField,
)
_INTEGER = (
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
)
_PASSED_AS_IS: dict[type, tuple[type, ...]] = {
    **{cls: (str, type(None)) for cls in _TEXT},
    **{cls: (int, type(None)) for cls in _INTEGER},
    models.BooleanField: (bool, type(None)),
}


def _as_is(field: models.Field) -> tuple[type, ...]:
    """The value types this field passes to the database unchanged (empty: prepare always)."""
    if type(field).pre_save is not models.Field.pre_save:
        return ()  # auto_now and the like set the value when saving
    if isinstance(field, models.ForeignKey):
        target = type(field.target_field)
        return (int, type(None)) if target in _INTEGER else ()
    for cls, types in _PASSED_AS_IS.items():
        # FSMField and other CharField subclasses that prepare nothing of their own
        if type(field) is cls or (
            isinstance(field, cls)
            and all(
                getattr(type(field), name) is getattr(cls, name)
                for name in ("get_db_prep_save", "get_db_prep_value", "get_prep_value", "to_python")
            )
        ):
            return types
    return ()


@cache
def _columns(model: type[Model], with_pk: bool) -> tuple[tuple, str]:
    """The fields an INSERT writes, each with the value types it passes as they are, and the
    statement's head up to VALUES (built once per model)."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = tuple(
        field
        for field in meta.concrete_fields
        if (with_pk or not field.primary_key) and not getattr(field, "generated", False)
    )
    columns = ", ".join(quote(field.column) for field in fields)
    return tuple(
        (field, field.attname, _as_is(field)) for field in fields
    ), f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "


def insert(objects: Sequence[Model]) -> Sequence[Model]:
    """Insert unsaved instances of one model in one statement and give them their keys.

    Instances whose primary key is set already keep it (then every one must have it).
    """
    if not objects:
        return objects
    model = type(objects[0])
    with_pk = objects[0].pk is not None
    if any((obj.pk is not None) != with_pk for obj in objects):
        raise ValueError("insert(): either every instance has its primary key or none has.")
    fields, head = _columns(model, with_pk)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = []
    for obj in objects:
        values = obj.__dict__
        for field, attname, as_is in fields:
            value = values[attname]
            if type(value) not in as_is:
                value = field.get_db_prep_save(field.pre_save(obj, True), connection)
            params.append(value)
    returning = f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(head + ", ".join([row] * len(objects)) + returning, params)
        keys = cursor.fetchall()
    for obj, (key,) in zip(objects, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias
    return objects


@cache
def _readers(model: type[Model]) -> tuple[tuple[str, ...], tuple]:
    """The attribute names of the model's columns and each column's converters."""
    fields = model._meta.concrete_fields
    converters = []
    for field in fields:
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        converters.append((column, tuple(found)))
    return tuple(field.attname for field in fields), tuple(converters)


def columns(model: type[Model], alias: str = "") -> str:
    """Every column of the model, in field order, for the SELECT `select()` reads."""
    quote = connection.ops.quote_name
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{quote(field.column)}" for field in model._meta.concrete_fields)


def instance(model: type[Model], row: Sequence) -> Model:
    """One row of `columns(model)` as the instance the ORM would make (converters applied)."""
    names, converters = _readers(model)
    values = []
    for value, (column, convert) in zip(row, converters, strict=True):
        for converter in convert:
            value = converter(value, column, connection)
        values.append(value)
    return model.from_db(connection.alias, names, values)


def select(model: type[Model], sql: str, params: Sequence) -> list[Model]:
    """The rows of `sql` (which selects `columns(model)`) as instances, as the ORM makes them.

    For hot reads whose ORM query cost more to compile than to run.
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [instance(model, row) for row in cursor.fetchall()]
