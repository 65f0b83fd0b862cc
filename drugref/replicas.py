"""Read replicas: an anonymous reader's page is read from a PostgreSQL streaming replica, when that is exact.

Which requests: those the page cache serves (pages.applies: GET or HEAD, no
session, no credentials) outside the admin, so everything in the admin, every
signed-in editor and every form post stays on the primary. A request that writes (a scheduled
go-live carried out before a page, say) reads from the primary from then on.

When: only from a replica that has replayed everything the primary had
committed when the request began (its replay position is at least the
primary's WAL position read first). So a page read from a replica is the page
the primary would have given, readers never see an answer go back in time,
and the page may be cached and purged like any other. Otherwise the primary
serves the request. A replica that is down, or further behind than
DATABASE_REPLICA_MAX_LAG seconds, is not asked at all for a while; one that
fails during a request has that request served again from the primary.
"""

import contextlib
import functools
import logging
import random
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections
from django.urls import reverse

from monographs.caching import pages

log = logging.getLogger(__name__)

PRIMARY = "default"
LOG_KEY = "drugref.read_from"  # in the WSGI environ: the access log's "read_from"
CHECK_EVERY_SECONDS = 1.0  # how often this process asks a replica how far behind it is
SKIP_FAILED_SECONDS = 5.0  # how long this process leaves a replica alone after it failed

# The replica this request reads from, or None: set by ReplicaMiddleware, cleared by a write.
_reading_from: ContextVar[str | None] = ContextVar("drugref_reading_from", default=None)
# Per process: replica alias -> (when to check again, usable until then). Not content: only whether to ask.
_health: dict[str, tuple[float, bool]] = {}


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


class Router:
    """Reads go where the request's middleware chose; writes, migrations and everything else to the primary."""

    def db_for_read(self, model, **hints):
        return _reading_from.get()

    def db_for_write(self, model, **hints):
        _reading_from.set(None)  # a request that writes reads what it wrote
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == PRIMARY


class ReplicaMiddleware:
    """Read an anonymous reader's page from a replica that has caught up with the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        public = pages.applies(request) and not request.path.startswith(reverse("admin:index"))
        alias = _caught_up_replica() if public and replicas() else None
        request.replica = alias
        token = _reading_from.set(alias)
        try:
            return self.get_response(request)
        finally:
            # Where its reads ended up, for the access log (drugref/logs.py): a replica, or the primary.
            request.META[LOG_KEY] = _reading_from.get() or PRIMARY if replicas() else None
            _reading_from.reset(token)

    def process_exception(self, request, exception):
        """A replica that fails mid-request: leave it alone a while, and serve the request from the primary."""
        alias = getattr(request, "replica", None)
        if alias is None or not isinstance(exception, DatabaseError) or _reading_from.get() != alias:
            return None
        log.warning("read replica %s failed, served from the primary instead: %s", alias, exception)
        _failed(alias)
        request.replica = None
        _reading_from.set(None)
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)


def _primary_position() -> str:
    """Return where the primary's write-ahead log is now: what a replica must have replayed to be up to date."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def _caught_up_replica() -> str | None:
    """Return a replica that has replayed all the primary had committed just now, or None."""
    position = functools.cache(_primary_position)  # read once a request, and only if a replica may be asked
    usable = [alias for alias in replicas() if _usable(alias, position)]
    if not usable:
        return None
    alias = random.choice(usable)
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [position()])
            (caught_up,) = cursor.fetchone()
    except DatabaseError as error:
        if connections[PRIMARY].is_usable():
            log.warning("read replica %s is not answering: %s", alias, error)
            _failed(alias)
        return None
    return alias if caught_up else None


def _usable(alias, position) -> bool:
    """Whether this process should ask `alias` at all: it answers, and is not far behind (checked now and then).

    `position` returns the primary's (_primary_position), read only when a check is due.
    """
    now = time.monotonic()
    recheck_at, usable = _health.get(alias, (now, False))
    if now < recheck_at:
        return usable
    try:
        where = position()
    except DatabaseError:
        return False  # the primary's own trouble: nothing to say of the replica
    try:
        with connections[alias].cursor() as cursor:
            # Behind by nothing when it has replayed all the primary has written (an idle primary writes nothing,
            # so the age of the last replayed commit alone would call a replica that is up to date "behind");
            # else by that age.
            cursor.execute(
                "SELECT CASE WHEN pg_last_wal_replay_lsn() >= %s::pg_lsn THEN 0"
                " ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END",
                [where],
            )
            (lag,) = cursor.fetchone()
    except DatabaseError as error:
        log.warning("read replica %s is not answering: %s", alias, error)
        _failed(alias)
        return False
    usable = lag is not None and float(lag) <= settings.DATABASE_REPLICA_MAX_LAG
    if not usable:
        log.warning("read replica %s is %s s behind the primary: not used for now", alias, lag)
    _health[alias] = (now + CHECK_EVERY_SECONDS, usable)
    return usable


def _failed(alias) -> None:
    _health[alias] = (time.monotonic() + SKIP_FAILED_SECONDS, False)
    with contextlib.suppress(DatabaseError):
        connections[alias].close()


def status() -> dict[str, str]:
    """Each replica's state as this process sees it, for /readyz: "ok", or "not used" (down or far behind)."""
    position = functools.cache(_primary_position)
    return {alias: "ok" if _usable(alias, position) else "not used" for alias in replicas()}
