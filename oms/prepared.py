"""Prepared statements for the few hottest SQL statements written by hand (PostgreSQL only).

Planning a statement costs more than running it on the hot SKU path (about 0.7 ms against
0.2 ms for the stock picture), and that path holds a row lock, so every millisecond saved is
throughput. They go through Django's cursor, so query logging and query counting see them,
and they need session-level connection pooling (not PgBouncer's transaction mode, which
would hand a statement to a connection that never prepared it).

With server-side binding (settings: `OMS_DB_PREPARED_STATEMENTS`, the default) psycopg
prepares every statement a connection runs a second time, these included; several
statements go in one round trip as a pipeline. psycopg forgets its statements on a rollback
and deallocates them all (`DEALLOCATE ALL`), so nothing here prepares by name then.
Without it a statement is prepared once per connection by name (`PREPARE`) and run with
`EXECUTE`; several statements go in one round trip as one string.
"""

import re
import weakref
from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.db.backends.utils import CursorWrapper

# Names prepared on each raw connection; a new connection starts with none.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def server_side_binding() -> bool:
    return bool(connection.settings_dict["OPTIONS"].get("server_side_binding"))


@dataclass(frozen=True)
class Prepared:
    """A statement: `sql` uses $1, $2 … for parameters of the SQL `types` ("bigint, text")."""

    name: str
    types: str
    sql: str

    @cached_property
    def bound_sql(self) -> str:
        """The SQL for server-side binding: `%(pN)s::type` for $N (psycopg's placeholders)."""
        types = [kind.strip() for kind in self.types.split(",")]
        return re.sub(
            r"\$(\d+)", lambda found: f"%(p{found[1]})s::{types[int(found[1]) - 1]}", self.sql
        )

    def call(self) -> str:
        """`EXECUTE name(%s, …)` for a Django cursor, preparing it first on this connection."""
        connection.ensure_connection()
        done = _prepared.setdefault(connection.connection, set())
        execute = f"EXECUTE {self.name}({', '.join(['%s'] * len(self.types.split(',')))})"
        if self.name in done:
            return execute
        with connection.cursor() as cursor:
            cursor.execute(f"PREPARE {self.name}({self.types}) AS {self.sql}")
        done.add(self.name)
        return execute


def execute(cursor: CursorWrapper, *statements: tuple[Prepared, list]) -> None:
    """Run the statements with their parameters in one round trip, in order; the cursor then
    holds the last one's rows."""
    if server_side_binding():
        if len(statements) == 1:
            _execute_bound(cursor, *statements[0])
            return
        with connection.wrap_database_errors, connection.connection.pipeline():
            for statement, params in statements:
                _execute_bound(cursor, statement, params)
        return
    sql = "; ".join(statement.call() for statement, _params in statements)
    cursor.execute(sql, [value for _statement, params in statements for value in params])
    for _more in statements[1:]:
        cursor.nextset()


def _execute_bound(cursor: CursorWrapper, statement: Prepared, params: list) -> None:
    cursor.execute(statement.bound_sql, {f"p{n}": value for n, value in enumerate(params, 1)})
