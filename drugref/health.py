"""Health checks for load balancers and deploys; never cached, never logged in.

`/healthz` (liveness): 200 while this app server can answer from the database,
503 while it cannot. A cache outage is reported but stays 200: pages then come
from the database, slower but correct, and taking every app server out of the
load balancer for it would turn a slowdown into an outage.
`/readyz` (readiness): as /healthz, and 503 while migrations are pending, so a
new release takes traffic only once its database schema is in place. It also
reports the purges that a cache or front cache has not yet acknowledged
(`purges`: how many, from which, the oldest's age); they are retried, and a
front cache that is down must not take the app servers out of service.
"""

import uuid

from django.core.cache import caches
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from monographs.caching import outbox

from . import replicas

_migrated = False  # once true for this code, true for the life of the process


def _database():
    return "unavailable" if database_problem() else "ok"


def database_problem() -> str:
    """Return "" if the database answers, else what is wrong in one line, naming where it was looked for."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return ""
    except DatabaseError as error:
        settings = connection.settings_dict
        where = (
            f"{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}"
            if connection.vendor == "postgresql"
            else str(settings["NAME"])
        )
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"cannot reach the database at {where}: {reason}"


def _cache():
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        caches["default"].set(key, 1, 10)
        ok = caches["default"].get(key) == 1
        caches["default"].delete(key)
        return "ok" if ok else "unavailable"
    except Exception:  # any cache client error: the cache is what is being checked
        return "unavailable"


def migrations_pending() -> bool:
    """Whether the database lacks migrations this code has (a new release, or a database never migrated)."""
    return _migrations() == "pending"


def _migrations():
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return "ok" if _migrated else "pending"


def _answer(checks):
    # A cache, a front cache or a read replica that is down slows pages, never stops them: reported, still 200.
    reported_only = ("cache", "purges", "database_error", "replicas")
    healthy = all(value == "ok" for name, value in checks.items() if name not in reported_only)
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


@require_safe
@never_cache
def healthz(request):
    return _answer({"database": _database(), "cache": _cache()})


@require_safe
@never_cache
def readyz(request):
    problem = database_problem()
    checks = {"database": "unavailable" if problem else "ok", "cache": _cache()}
    if problem:
        checks["database_error"] = problem  # for whoever deploys: a typo in DATABASE_URL is not an outage
    else:
        try:
            checks["migrations"] = _migrations()
        except DatabaseError:
            checks["migrations"] = "unknown"
        if checks["migrations"] == "ok":
            checks["purges"] = outbox.backlog()
    if replicas.replicas():
        checks["replicas"] = replicas.status()
    return _answer(checks)
