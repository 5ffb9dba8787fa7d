"""Server-side prepared statements for the few hottest SQL statements (PostgreSQL only).

Planning a statement costs more than running it on the hot SKU path (about 0.7 ms against
0.2 ms for the stock picture), and that path holds a row lock, so every millisecond saved is
throughput. A statement is prepared once per database connection (`PREPARE`, which survives
a rollback) and run with `EXECUTE`, so it goes through Django's cursor: query logging and
query counting see it. It needs session-level connection pooling (not PgBouncer's
transaction mode, which would hand the `EXECUTE` to a connection that never saw the
`PREPARE`).

PostgreSQL chooses per call between a custom plan (planned for these parameter values) and
the generic plan it keeps. For statements that take an array (`= ANY($1)`) it kept choosing
custom plans: the stock picture was planned anew on every call, 0.4 ms of planning against
0.3 ms of running, under the product lock. A statement marked `generic` runs with
`plan_cache_mode = force_generic_plan` set around its EXECUTE, in the same round trip; the
caller skips that SET's empty result first (`leading_results`). Forcing generic plans on
every statement of the connection was tried and dropped: the routing worker's statements
then ran 3× slower end to end (12.9 instead of 40 orders routed a second).
"""

import re
import weakref
from dataclasses import dataclass

from django.db import connection

# Names prepared on each raw connection; a new connection starts with none.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Prepared:
    """A named statement: `sql` uses $1, $2 … for parameters of the SQL `types` ("bigint, text")."""

    name: str
    types: str
    sql: str
    generic: bool = False  # always run its generic plan (planned once per connection)

    @property
    def leading_results(self) -> int:
        """Result sets `call()` yields before the statement's own (the SET of a generic one)."""
        return 1 if self.generic else 0

    def call(self) -> str:
        """`EXECUTE name(%s, …)` for a Django cursor, preparing it first on this connection."""
        connection.ensure_connection()
        done = _prepared.setdefault(connection.connection, set())
        execute = f"EXECUTE {self.name}({', '.join(['%s'] * len(self.types.split(',')))})"
        if self.generic:
            execute = f"SET plan_cache_mode = force_generic_plan; {execute}; RESET plan_cache_mode"
        if self.name in done:
            return execute
        with connection.cursor() as cursor:
            cursor.execute(f"PREPARE {self.name}({self.types}) AS {self.sql}")
        done.add(self.name)
        return execute

    def statement(self) -> str:
        """What to execute with the parameters in order: `call()` on PostgreSQL, elsewhere the
        statement itself with `%s` placeholders (each $n used once, in order)."""
        if connection.vendor == "postgresql":
            return self.call()
        return re.sub(r"\$\d+", "%s", self.sql)
