"""Coalesced drains: many "there is work" signals start one Celery task, not one task each.

The pattern (a transactional outbox):

1. A service writes its work as rows in its own transaction (a CustomerMessage, say) and calls
   `kick(name)`. Nothing is published yet: a rollback leaves neither rows nor tasks.
2. `kick` registers one on-commit hook per transaction and name. After the commit the hook
   runs `SET oms:drain:<name> 1 NX EX <ttl>` in Redis and enqueues the drain task registered
   in `DRAINS` only when that set the flag. While a drain is queued, further kicks cost one
   Redis round trip and publish nothing.
3. The drain task calls `drain_started(name)` first, which deletes the flag, and only then
   reads the pending rows. Work committed after that read sets the flag again and queues
   another drain, so nothing waits for the next sweep. Drains must be safe to run twice or at
   the same time (SELECT … FOR UPDATE SKIP LOCKED and a "done" check on each row).
4. Celery beat runs `oms.tasks.kick_drains` every minute, which kicks every drain. A kick lost
   on the way (Redis down at the commit, a worker killed with the drain task) delays the work
   by about a minute; it is never lost, because the rows are the truth. The flag expires after
   `FLAG_TTL_SECONDS`, so a drain task lost while its flag stayed set blocks nothing for long.

Without a broker (`CELERY_TASK_ALWAYS_EAGER`: the SQLite demo and the tests) there is no Redis
and no flag: the hook runs the drain in-process right after the commit, as `delay_on_commit`
does for other tasks.

A new drain: write the task (thin, calling `drain_started(name)` first), add `name → task
path` to `DRAINS`, and call `kick(name)` where the work is written.
"""

import logging
from contextlib import suppress
from functools import lru_cache

import redis
from celery import Task
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Every drain: its name (what services kick) → the dotted path of its Celery task.
DRAINS: dict[str, str] = {
    "customer-messages": "orders.tasks.send_pending_messages",
    "routing": "fulfillment.tasks.route_released_orders",
}

# How long a queued drain waits before it starts, gathering what further commits add, so
# that under steady load it sends a batch rather than a message or two (a drain costs about
# as much to start as to send a few messages). A customer does not notice a second; routing
# promises its latency, so it starts at once.
GATHER_SECONDS: dict[str, float] = {"customer-messages": 1.0}

# Long enough that a busy queue rarely starts a second drain, short enough that a lost drain
# task (its flag still set) holds up the next sweep's kick by at most half a minute.
FLAG_TTL_SECONDS = 30


def flag_key(name: str) -> str:
    return f"oms:drain:{name}"


def kick(name: str) -> None:
    """Make sure the drain `name` runs after this transaction commits (once however often).

    One hook per atomic block and name; hooks of nested blocks share one `_Round`, so the
    commit kicks each drain once. Django drops the hooks of a rolled-back block, which keeps
    a kick made before it due.
    """
    if name not in DRAINS:
        raise KeyError(f"no drain registered as {name!r}")
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        KickHook(name, _Round())()
        return
    block = set(connection.savepoint_ids)
    round_ = None
    for savepoints, func, _robust in connection.run_on_commit:
        if isinstance(func, KickHook) and func.name == name and not func.round.fired:
            if savepoints == block:
                return  # this block already kicks this drain
            round_ = func.round
    transaction.on_commit(KickHook(name, round_ or _Round()))


def kick_all() -> None:
    """Kick every registered drain (the periodic sweep)."""
    for name in DRAINS:
        kick(name)


def drain_started(name: str) -> None:
    """Clear the flag before reading pending work: later work then queues another drain."""
    if not in_process():
        _redis(settings.REDIS_URL).delete(flag_key(name))


class _Round:
    """What the kick hooks of one transaction share: whether one of them has run."""

    fired = False


class KickHook:
    """The on-commit hook of `kick`; a class so that `kick` can find it among the hooks."""

    def __init__(self, name: str, round_: _Round) -> None:
        self.name = name
        self.round = round_

    def __repr__(self) -> str:
        return f"<kick {self.name}>"

    def __call__(self) -> None:
        if self.round.fired:
            return  # another hook of this transaction kicked the drain
        self.round.fired = True
        task: Task = import_string(DRAINS[self.name])
        if in_process():
            task.delay()  # eager: runs here and now
            return
        # The work is committed whatever happens here: a failure is logged, not raised into
        # the request, and the sweep kicks the drain within a minute.
        client = _redis(settings.REDIS_URL)
        key = flag_key(self.name)
        try:
            if not client.set(key, 1, nx=True, ex=FLAG_TTL_SECONDS):
                return  # a drain is queued and has not started reading yet
            task.apply_async(countdown=GATHER_SECONDS.get(self.name))
        except Exception:
            logger.warning("Could not kick drain %s; the sweep will", self.name, exc_info=True)
            with suppress(redis.RedisError):
                client.delete(key)  # so the next kick tries again


def in_process() -> bool:
    """Whether drains run in the committing process (no broker: the demo and the tests)."""
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    """One client (with its connection pool) per process and URL."""
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
