"""Purges that cannot be lost: written with the change, retried until the page cache and every front cache answer.

A Redis server of the test's own (paused with SIGSTOP, as a stalled cache is)
holds the page cache; a loopback HTTP server stands in for a front cache that
goes away and comes back. Two test clients are two readers of app servers
sharing that cache.
"""

import http.server
import json
import threading
import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from bench.stack import free_port
from monographs import editorial
from monographs.caching import outbox, store
from monographs.caching.purge import purge
from monographs.models import Article, PendingPurge

from .support import BESPONSA_URL, OwnRedis

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_page_cache(settings):
    """The page cache in a Redis of the test's own, with production's short socket timeouts."""
    server = OwnRedis()
    settings.CACHES = server.page_cache(timeout=0.5)
    settings.DRUGREF_PAGE_CACHE = True
    store.clear_backoff()
    yield server
    server.stop()
    store.clear_backoff()


class _FrontCache(http.server.BaseHTTPRequestHandler):
    def do_PURGE(self):
        self.server.purged.append(self.headers["xkey-purge"])
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class FrontCache:
    """A front cache on a fixed loopback port that is down until `up()`; records the tags purged."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.purged = []
        self.server = None

    def up(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), _FrontCache)
        self.server.purged = self.purged
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def front_cache(settings):
    cache = FrontCache()
    settings.DRUGREF_FRONT_CACHE_PURGE = "xkey"
    settings.DRUGREF_FRONT_CACHE_URLS = [cache.url]
    yield cache
    cache.down()


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)
    return Article.objects.get(slug=BESPONSA_URL.split("/")[2])


def _due_now():
    """Let the backoff pass: the next attempt is due now (the retries' timing is not what these tests check)."""
    PendingPurge.objects.update(next_attempt_at=timezone.now())


def test_a_purge_is_written_with_its_change_and_goes_with_a_rollback(front_cache, settings):
    settings.DRUGREF_PAGE_CACHE = True
    front_cache.up()
    with pytest.raises(RuntimeError), transaction.atomic():
        purge({"answer-1"})
        assert PendingPurge.objects.get().targets == [outbox.PAGE_CACHE, front_cache.url]
        raise RuntimeError("the change failed")
    assert not PendingPurge.objects.exists()
    assert front_cache.purged == []


def test_a_committed_purge_is_delivered_and_forgotten(front_cache, settings, django_capture_on_commit_callbacks):
    settings.DRUGREF_PAGE_CACHE = True
    front_cache.up()
    with django_capture_on_commit_callbacks(execute=True):
        purge({"answer-1", "drug-4-answers"})
    assert front_cache.purged == ["answer-1 drug-4-answers"]
    assert not PendingPurge.objects.exists()


def test_nothing_to_reach_writes_nothing(settings):
    settings.DRUGREF_PAGE_CACHE = False
    settings.DRUGREF_FRONT_CACHE_PURGE = ""
    purge({"answer-1"})
    assert not PendingPurge.objects.exists()


def test_a_withdrawal_reaches_a_front_cache_that_was_down_once_it_is_back(
    demo, medical_reviewer, front_cache, settings, client, django_capture_on_commit_callbacks
):
    settings.DRUGREF_PAGE_CACHE = False
    with django_capture_on_commit_callbacks(execute=True):
        editorial.withdraw(demo, medical_reviewer, "Superseded")
    row = PendingPurge.objects.get()
    assert (row.targets, row.attempts) == ([front_cache.url], 1)
    assert "Connection refused" in row.last_error or "refused" in row.last_error.lower()

    # The editor is told, on every admin page, and so is the load balancer's readiness check.
    client.force_login(medical_reviewer)
    banner = client.get("/admin/").content.decode()
    assert f"1 change not yet purged from {front_cache.url}" in banner
    ready = json.loads(client.get("/readyz").content)
    assert ready["status"] == "ok" and ready["purges"]["pending"] == 1

    front_cache.up()
    _due_now()
    assert outbox.deliver() == 0
    [sent] = front_cache.purged
    assert f"answer-{demo.pk}" in sent.split()
    assert "not yet purged" not in client.get("/admin/").content.decode()
    assert json.loads(client.get("/readyz").content)["purges"]["pending"] == 0


def test_a_withdrawn_page_is_not_served_once_a_paused_page_cache_is_back(
    demo, medical_reviewer, redis_page_cache, front_cache, reader, django_capture_on_commit_callbacks
):
    front_cache.up()
    assert reader.get(BESPONSA_URL).status_code == 200
    assert reader.get(BESPONSA_URL).status_code == 200  # now from the cache in Redis

    redis_page_cache.pause()
    with django_capture_on_commit_callbacks(execute=True):
        editorial.withdraw(demo, medical_reviewer, "Superseded")
    # Neither the page cache nor (waiting for it) the front cache has the purge yet.
    assert PendingPurge.objects.get().targets == [outbox.PAGE_CACHE, front_cache.url]
    assert front_cache.purged == []

    redis_page_cache.resume()
    # Another app server, which never saw the outage, would serve the page Redis still holds.
    store.clear_backoff()
    assert reader.get(BESPONSA_URL).status_code == 200

    _due_now()
    assert outbox.deliver() == 0
    assert reader.get(BESPONSA_URL).status_code == 410
    assert f"answer-{demo.pk}" in front_cache.purged[0].split()


def test_the_front_caches_wait_for_the_page_cache(redis_page_cache, front_cache, django_capture_on_commit_callbacks):
    front_cache.up()
    redis_page_cache.pause()
    with django_capture_on_commit_callbacks(execute=True):
        purge({"answer-1"})
    _due_now()
    outbox.deliver()
    # A front cache purged before the page cache would fetch the old page again from an app server.
    assert front_cache.purged == []
    redis_page_cache.resume()
    _due_now()
    assert outbox.deliver() == 0
    assert front_cache.purged == ["answer-1"]


def test_retries_back_off_but_never_beyond_a_few_seconds(front_cache, settings, django_capture_on_commit_callbacks):
    settings.DRUGREF_PAGE_CACHE = False
    with django_capture_on_commit_callbacks(execute=True):
        purge({"answer-1"})
    delays = []
    for _ in range(8):
        _due_now()
        before = timezone.now()
        outbox.deliver()
        delays.append(round((PendingPurge.objects.get().next_attempt_at - before).total_seconds(), 1))
    assert delays == sorted(delays) and delays[0] <= 1
    assert max(delays) <= outbox.MAX_BACKOFF_SECONDS + 0.5


@pytest.mark.django_db(transaction=True)
def test_the_delivery_thread_purges_on_its_own_once_the_front_cache_is_back(front_cache, settings):
    settings.DRUGREF_PAGE_CACHE = False
    purge({"answer-7"})  # outside a transaction: committed at once, first delivery fails
    assert PendingPurge.objects.get().attempts == 1
    delivery = outbox.Delivery(poll_seconds=0.1)
    delivery.start()
    try:
        front_cache.up()
        deadline = time.monotonic() + outbox.MAX_BACKOFF_SECONDS + 5
        while PendingPurge.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        delivery.stop()
    assert front_cache.purged == ["answer-7"]
    assert not PendingPurge.objects.exists()


def test_deliver_purges_command_says_what_is_left_and_fails(front_cache, settings):
    from django.core.management import CommandError

    settings.DRUGREF_PAGE_CACHE = False
    purge({"answer-1"})
    with pytest.raises(CommandError, match=f"1 change\\(s\\) not yet purged from {front_cache.url}"):
        call_command("deliver_purges", "--wait", "0.2")
    front_cache.up()
    call_command("deliver_purges", "--wait", "10")
    assert front_cache.purged == ["answer-1"]


def test_a_page_cache_in_process_memory_is_warned_about(settings):
    from django.core import checks

    settings.DRUGREF_PAGE_CACHE = True  # the test settings keep the cache in local memory
    assert [w.id for w in checks.run_checks(tags=[checks.Tags.caches])] == ["drugref.W001"]
    settings.DRUGREF_PAGE_CACHE = False
    assert checks.run_checks(tags=[checks.Tags.caches]) == []
