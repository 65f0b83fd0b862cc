"""Real servers: two gunicorn app servers on one PostgreSQL and one Redis, Varnish in front of both.

A change made by a third instance (this test process, as an editor's app
server would) reaches both app servers and Varnish on the next request.
Needs PostgreSQL (the test database must be shared between processes),
Redis on 127.0.0.1:6379, gunicorn and Debian's varnish and varnish-modules;
CI sets SERVING_TESTS=required so that a missing piece fails instead of skipping.
"""

import gzip
import os
import re
import shutil
import time
import urllib.request

import brotli
import pytest
from django.core.management import call_command
from django.db import connection

from bench import stack
from monographs import editorial
from monographs.models import Article, Drug, PendingPurge, Reviewer

from .support import BESPONSA_URL, HttpSession, form_values, http_get, http_get_bytes

# Database 15 of the machine's Redis, emptied before use: the tests' own.
REDIS_URL = "redis://127.0.0.1:6379/15"

pytestmark = [
    # Decided before the database is set up: SQLite's test database lives in this process's memory alone.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="serving tests need PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]


def _require(condition, message):
    if condition:
        return
    if os.environ.get("SERVING_TESTS") == "required":
        pytest.fail(message)
    pytest.skip(message)


def _app_server_environment(settings):
    """The environment of an app server on the test database and Redis, with the demo content loaded."""
    _require(shutil.which("varnishd") or os.path.exists("/usr/sbin/varnishd"), "varnishd is not installed")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.RedisError:
        _require(False, "Redis is not running on 127.0.0.1:6379")
    call_command("load_demo", verbosity=0)
    name = connection.settings_dict["NAME"]
    return {
        "DATABASE_URL": f"postgres://{connection.settings_dict['USER']}@127.0.0.1:5432/{name}",
        "CACHE_URL": REDIS_URL,
        "DJANGO_SECRET_KEY": "serving-test-secret-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_COOKIES": "false",  # plain HTTP on loopback
        "DRUGREF_LOGIN_ACCOUNT_LIMIT": "3",
        # The CSS this test session collected (conftest), under its hashed names.
        "DJANGO_STATIC_ROOT": str(settings.STATIC_ROOT),
    }


@pytest.fixture
def servers(settings):
    """Two app servers and a Varnish in front of both; this process purges the same Redis and Varnish."""
    env = _app_server_environment(settings)
    ports = [stack.free_port() for _ in range(3)]
    # Purges reach Varnish through a path the tests can break (the app servers deliver them too).
    purge_path = stack.Relay(ports[2])
    purge_path.up()
    env |= {"DRUGREF_FRONT_CACHE_PURGE": "xkey", "DRUGREF_FRONT_CACHE_URLS": purge_path.url}
    started = []
    try:
        started.append(stack.gunicorn(ports[0], env))
        started.append(stack.gunicorn(ports[1], env))
        started.append(stack.varnish(ports[2], backend_port=ports[0], second_port=ports[1]))
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
        settings.DRUGREF_PAGE_CACHE = True
        settings.DRUGREF_FRONT_CACHE_PURGE = "xkey"
        settings.DRUGREF_FRONT_CACHE_URLS = [purge_path.url]
        yield Servers([f"http://127.0.0.1:{port}" for port in ports], purge_path, started)
    finally:
        purge_path.down()
        for process in started:
            stack.stop(process)


class Servers(list):
    """The app servers' and Varnish's addresses, the network path purges take to Varnish, and their processes."""

    def __init__(self, bases, purge_path, processes):
        super().__init__(bases)
        self.purge_path = purge_path
        self.processes = processes


@pytest.fixture
def pharmacist(db):
    """A superuser who signs off as a reviewer (the groups migrations make are gone after a flush)."""
    from django.contrib.auth.models import User

    user = User.objects.create_superuser("pharmacist", password="pw")
    Reviewer.objects.create(name="Pat Pharmacist", credentials="PharmD", slug="pat-pharmacist", user=user)
    return user


def test_varnish_keeps_pages_and_drops_a_withdrawn_answer_at_once(servers, pharmacist):
    first, second, varnish = servers
    http_get(varnish + BESPONSA_URL)
    status, headers, _ = http_get(varnish + BESPONSA_URL)
    assert (status, headers["X-Cache"]) == (200, "HIT")
    assert "xkey" not in headers and "Surrogate-Key" not in headers
    for _ in range(3):  # into the shared page cache, and into the second server's recent entries
        assert http_get(second + BESPONSA_URL)[0] == 200

    editorial.withdraw(Article.objects.get(slug=BESPONSA_URL.split("/")[2]), pharmacist, "Superseded")

    assert http_get(varnish + BESPONSA_URL)[0] == 410
    assert http_get(second + BESPONSA_URL)[0] == 410
    assert http_get(first + BESPONSA_URL)[0] == 410


def test_a_withdrawal_leaves_varnish_within_seconds_of_it_being_reachable_again(servers, pharmacist):
    """The purge a change could not deliver is retried by the app servers until Varnish acknowledges it."""
    _, _, varnish = servers
    http_get(varnish + BESPONSA_URL)
    assert http_get(varnish + BESPONSA_URL)[1]["X-Cache"] == "HIT"

    servers.purge_path.down()
    editorial.withdraw(Article.objects.get(slug=BESPONSA_URL.split("/")[2]), pharmacist, "Superseded")
    status, headers, _ = http_get(varnish + BESPONSA_URL)
    assert (status, headers["X-Cache"]) == (200, "HIT")  # the old page: Varnish could not be told
    assert PendingPurge.objects.get().targets == [servers.purge_path.url]

    servers.purge_path.up()
    back = time.monotonic()
    while http_get(varnish + BESPONSA_URL)[0] != 410 and time.monotonic() - back < 30:
        time.sleep(0.1)
    stale_for = time.monotonic() - back
    assert http_get(varnish + BESPONSA_URL)[0] == 410
    assert stale_for <= 10, f"Varnish served the withdrawn page {stale_for:.1f} s after it was reachable again"
    deadline = time.monotonic() + 5
    while PendingPurge.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not PendingPurge.objects.exists()


# What browsers, curl and odd clients send, and the copy Varnish must send them (None: not compressed).
ENCODINGS = [
    ("gzip, deflate, br, zstd", "br"),
    ("gzip", "gzip"),
    ("", None),
    ("br;q=0, gzip", "gzip"),
    ("GZIP;q=0.5", "gzip"),
    ("gzip;q=0", None),
]


def _accepting(accept_encoding):
    return {"Accept-Encoding": accept_encoding} if accept_encoding else {}


def test_varnish_keeps_a_copy_per_encoding_sends_each_as_stored_and_purges_them_all(servers, pharmacist):
    _, _, varnish = servers
    plain = None
    for accept, expected in ENCODINGS:
        http_get_bytes(varnish + BESPONSA_URL, **_accepting(accept))
        status, headers, body = http_get_bytes(varnish + BESPONSA_URL, **_accepting(accept))
        assert (status, headers["X-Cache"], headers["Content-Encoding"]) == (200, "HIT", expected), accept
        page = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[expected](body)
        plain = plain or page
        assert page == plain and b"Judith Stewart" in page, accept

    editorial.withdraw(Article.objects.get(slug=BESPONSA_URL.split("/")[2]), pharmacist, "Superseded")

    for accept, _ in ENCODINGS:
        assert http_get_bytes(varnish + BESPONSA_URL, **_accepting(accept))[0] == 410, accept


def test_a_published_answer_shows_through_varnish_and_every_app_server_at_once(servers, pharmacist):
    first, second, varnish = servers
    new_url = "/medical-answers/can-besponsa-be-given-at-home/"
    for base in (varnish, second):
        assert http_get(base + new_url)[0] == 404
        http_get(base + "/drugs/besponsa/")
    assert http_get(varnish + new_url)[1]["X-Cache"] == "HIT"  # the 404 is cached too

    article = Article.objects.create(
        question="Can Besponsa be given at home?",
        slug="can-besponsa-be-given-at-home",
        answer="No.",
        sources=[{"title": "Prescribing information"}],
    )
    article.drugs.set([Drug.objects.get(brand_name="Besponsa")])
    revision = editorial.record_revision(article)  # written by no account (as an import), so pharmacist may sign
    editorial.submit_for_review(article, pharmacist)
    editorial.sign_off(article, user=pharmacist, revision_number=revision.number)

    for base in (varnish, second, first):
        status, _, body = http_get(base + new_url)
        assert "Can Besponsa be given at home?" in body
        assert status == 200, base
        assert "Can Besponsa be given at home?" in http_get(base + "/drugs/besponsa/")[2], base
    # Pages the change did not touch stay in Varnish.
    http_get(varnish + "/conditions/")
    assert http_get(varnish + "/conditions/")[1]["X-Cache"] == "HIT"


def test_an_answer_signed_off_through_one_app_server_is_live_on_the_other(servers, pharmacist):
    from django.contrib.auth.models import User

    User.objects.create_superuser("writer", password="pw")  # two people: one writes, the pharmacist signs
    first, second, _ = servers
    editor = HttpSession(first)
    assert editor.log_in("writer", "pw") == 302
    add = "/admin/monographs/article/add/"
    new = {"question": ["Is Besponsa given in hospital?"], "slug": ["besponsa-in-hospital"], "answer": ["Yes."]}
    new |= {"sources-0-title": ["Prescribing information"]}  # a reviewer signs off only what cites a source
    assert editor.request(add, form_values(editor.request(add)[1], "article_form") | new)[0] == 302
    pk = Article.objects.get(slug="besponsa-in-hospital").pk
    token = {"csrfmiddlewaretoken": [c.value for c in editor.jar if c.name == "csrftoken"]}
    assert editor.request(f"/admin/monographs/article/{pk}/submit/", token)[0] == 302
    assert http_get(second + "/medical-answers/besponsa-in-hospital/")[0] == 404  # cached as 404 on the other

    reviewer = HttpSession(first)
    assert reviewer.log_in("pharmacist", "pw") == 302
    token = {"csrfmiddlewaretoken": [c.value for c in reviewer.jar if c.name == "csrftoken"]}
    sign_off = f"/admin/monographs/article/{pk}/sign-off/"
    revision = re.search(r'name="revision" value="(\d+)"', reviewer.request(sign_off)[1])[1]
    assert reviewer.request(sign_off, token | {"revision": [revision], "change_note": ["First version"]})[0] == 302

    status, _, body = http_get(second + "/medical-answers/besponsa-in-hospital/")
    assert (status, "Is Besponsa given in hospital?" in body) == (200, True)


def test_a_login_lockout_made_through_one_app_server_holds_on_the_other(servers, pharmacist):
    first, second, _ = servers
    for _ in range(3):  # the app servers lock an account at its 3rd failure (the fixture's environment)
        assert HttpSession(first).log_in("pharmacist", "wrong") == 200
    session = HttpSession(second)
    assert session.log_in("pharmacist", "pw") == 200  # the form again, not the redirect into the admin
    assert "Too many failed sign-ins" in session.last_page
    assert session.request("/admin/")[0] == 302  # to the sign-in page


def test_varnish_spreads_reads_over_both_app_servers_and_leaves_out_one_that_stops(servers):
    """The VCL's director, as its comments say to set it up for a second app server, with its probe."""
    *_, varnish = servers
    misses = iter(range(10**6))  # a search Varnish has not seen: each goes to an app server
    assert all(http_get(f"{varnish}/search/?q=besponsa+{next(misses)}")[0] == 200 for _ in range(6))

    stack.stop(servers.processes[1])
    deadline = time.monotonic() + 30
    statuses = []
    while time.monotonic() < deadline:
        statuses = [http_get(f"{varnish}/search/?q=besponsa+{next(misses)}")[0] for _ in range(10)]
        if set(statuses) == {200}:
            break
        time.sleep(0.5)
    assert set(statuses) == {200}, "Varnish still sends readers to the app server that stopped"


def test_a_redirect_to_https_made_for_plain_http_never_reaches_https_readers(settings):
    """Behind a TLS terminator, one plain-HTTP request must not leave HTTPS readers looping on its redirect."""
    env = _app_server_environment(settings) | {"DJANGO_SECURE_SSL_REDIRECT": "true", "DJANGO_BEHIND_TLS_PROXY": "true"}
    ports = [stack.free_port() for _ in range(2)]
    started = []
    try:
        started.append(stack.gunicorn(ports[0], env))
        started.append(stack.varnish(ports[1], backend_port=ports[0]))
        varnish = f"http://127.0.0.1:{ports[1]}"
        no_redirects = HttpSession(varnish)
        for _ in range(2):  # the second time, from the cache if it were kept
            status, _ = no_redirects.request(BESPONSA_URL)
            assert status == 301
        https = urllib.request.Request(varnish + BESPONSA_URL, headers={"X-Forwarded-Proto": "https"})
        for _ in range(2):
            with no_redirects.opener.open(https, timeout=10) as response:  # a 301 again would raise
                assert (response.status, b"Judith Stewart" in response.read()) == (200, True)
        assert http_get(varnish + "/healthz")[0] == 200  # the load balancer's plain-HTTP probe
    finally:
        for process in started:
            stack.stop(process)
