"""Purges that cannot be lost: written with the change, delivered after it commits, retried until acknowledged.

`record` writes a `PendingPurge` row in the transaction that makes a change, so
the purge exists exactly when the change does. After the commit the process
that made the change delivers it at once; what a cache or front cache did not
acknowledge (Redis paused, Varnish unreachable) is retried with backoff by
every app server's delivery thread (`start_delivery`, from gunicorn's worker
hook), by `manage.py deliver_purges`, and by the next change's delivery, until
each target has answered. Then the row goes.

The page cache is purged before the front caches: a front cache purged first
could fetch the old page again from an app server's cache.
"""

import logging
import os
import threading
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections, transaction
from django.utils import timezone

from ..models import PendingPurge
from . import front, store

log = logging.getLogger(__name__)

# The target that stands for the page cache (the cache every app server shares).
PAGE_CACHE = "page cache"
# A delivery in progress holds its row this long before another process may take it over.
LEASE_SECONDS = 30
# Retries come ever later, but never later than this: a cache back from an outage is purged within it.
MAX_BACKOFF_SECONDS = 4.0
# How often an app server's delivery thread looks for purges that are due again.
POLL_SECONDS = 2.0


def targets() -> list[str]:
    """Return what a purge must reach now: the page cache if it is on, and each front cache."""
    found = [PAGE_CACHE] if settings.DRUGREF_PAGE_CACHE else []
    if settings.DRUGREF_FRONT_CACHE_PURGE:
        found += settings.DRUGREF_FRONT_CACHE_URLS
    return found


def record(tags) -> None:
    """Write a purge of `tags` with the change being made, and deliver it once the change commits."""
    reached = targets()
    if not tags or not reached:
        return
    row = PendingPurge.objects.create(tags=sorted(tags), targets=reached)
    transaction.on_commit(lambda: deliver([row.pk]), robust=True)


def deliver(pks=None, limit=500) -> int:
    """Deliver the purges `pks` (or every one that is due), as far as the caches answer; return how many remain.

    Never raises: an outbox that cannot be read now is read again on the next try.
    """
    try:
        for row in _claim(pks, limit):
            _settle(row, *_attempt(row))
        return PendingPurge.objects.count()
    except DatabaseError:
        log.warning("Purges could not be read or settled now; they are retried later", exc_info=True)
        return -1


def _claim(pks, limit):
    """Yield the due rows this process takes, each held for LEASE_SECONDS so others leave it alone."""
    now = timezone.now()
    due = PendingPurge.objects.filter(next_attempt_at__lte=now)
    if pks is not None:
        due = due.filter(pk__in=pks)
    for row in list(due.order_by("pk")[:limit]):
        lease = now + timedelta(seconds=LEASE_SECONDS)
        # Taken only if nobody took it since it was read (the same next attempt time).
        if PendingPurge.objects.filter(pk=row.pk, next_attempt_at=row.next_attempt_at).update(next_attempt_at=lease):
            yield row


def _attempt(row) -> tuple[list[str], str]:
    """Send the purge to each target it still waits for; return those that acknowledged, and the last error."""
    done, error = [], ""
    for target in row.targets:
        if target == PAGE_CACHE:
            if not store.purge(row.tags):
                # The front caches wait: purged now, they would fetch the old pages again from the app servers.
                return done, "the page cache did not answer"
        else:
            if not settings.DRUGREF_FRONT_CACHE_PURGE:
                continue  # this process is not set up to purge front caches: one that is will
            try:
                front.send(target, row.tags)
            except OSError as failure:
                error = f"{target}: {failure}"
                log.warning("Front cache purge failed at %s for %d tags; retried later", target, len(row.tags))
                continue
        done.append(target)
    return done, error


@transaction.atomic
def _settle(row, done, error):
    """Take acknowledged targets off the row (deleting it when none is left), or schedule the next try."""
    current = PendingPurge.objects.select_for_update().filter(pk=row.pk).first()
    if current is None:
        return
    left = [target for target in current.targets if target not in done]
    if not left:
        current.delete()
        return
    current.targets = left
    current.attempts += 1
    current.last_error = error
    delay = min(0.25 * 2**current.attempts, MAX_BACKOFF_SECONDS)
    current.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    current.save(update_fields=["targets", "attempts", "last_error", "next_attempt_at"])


def backlog(failed_only=False) -> dict:
    """Return what is still to be purged: how many changes, from which targets, and since when.

    `failed_only` leaves out purges not yet tried (in flight, just after their commit).
    """
    rows = PendingPurge.objects.values_list("targets", "created_at")
    rows = list(rows.filter(attempts__gt=0) if failed_only else rows)
    if not rows:
        return {"pending": 0, "targets": [], "oldest_seconds": 0}
    oldest = min(created for _, created in rows)
    return {
        "pending": len(rows),
        "targets": sorted({target for targets, _ in rows for target in targets}),
        "oldest_seconds": round((timezone.now() - oldest).total_seconds()),
    }


class Delivery(threading.Thread):
    """A thread that delivers due purges every `poll_seconds` until stopped: one per app server process.

    `also` is done first on each round: the scheduled changes now due, whose purges then go out at once.
    """

    def __init__(self, poll_seconds=POLL_SECONDS, also=None):
        super().__init__(name="purge-delivery", daemon=True)
        self.poll_seconds = poll_seconds
        self.also = also
        self.stopped = threading.Event()

    def run(self):
        try:
            while not self.stopped.wait(self.poll_seconds):
                try:
                    close_old_connections()
                    if self.also is not None:
                        self.also()
                    deliver()
                except Exception:  # the thread must outlive any one failure: its work is retried next time
                    log.exception("Purge delivery failed; retried in %s s", self.poll_seconds)
        finally:
            connections.close_all()  # this thread's own connections, which nobody else would close

    def stop(self):
        self.stopped.set()
        self.join()


_started_in = None


def start_delivery(also=None):
    """Start this process's delivery thread, once (a forked worker starts its own); see `Delivery` for `also`."""
    global _started_in
    if _started_in != os.getpid():
        _started_in = os.getpid()
        Delivery(also=also).start()
