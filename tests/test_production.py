"""Production behaviour: deploy checks, security headers, the error pages, logs, under real gunicorn."""

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError
from django.test import RequestFactory

from bench import stack
from drugref.errors import server_error

from .support import BESPONSA_URL, http_get

PROJECT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "drugref.example.org,127.0.0.1",
    "DJANGO_BEHIND_TLS_PROXY": "true",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
}


def clean_environment(**env):
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL"))}
    return kept | env


def test_check_deploy_finds_nothing_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=PROJECT,
        env=clean_environment(**PRODUCTION),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_hsts_is_on_for_a_year_behind_tls_and_off_when_asked():
    def hsts(**env):
        code = "import drugref.settings as s; print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
        env = clean_environment(**(PRODUCTION | env))
        return subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True).stdout

    assert hsts().split() == ["31536000", "True"]
    assert hsts(DJANGO_HSTS_SECONDS="0").split()[0] == "0"
    assert hsts(DJANGO_SECURE_SSL_REDIRECT="false").split()[0] == "0"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [BESPONSA_URL, "/", "/medical-answers/no-such-answer/", "/admin/login/"])
def test_every_response_carries_the_security_policy(client, url):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    for _ in range(2):  # fresh, then from the page cache
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'"
        assert "unsafe" not in csp
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Resource-Policy"] == "same-site"
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert client.get(url).headers["X-Request-ID"] != response.headers["X-Request-ID"]


def test_the_error_pages_reveal_nothing_and_a_database_outage_is_a_503():
    request = RequestFactory().get("/")
    try:
        raise OperationalError('connection to server at "10.0.0.5", port 5432 failed: secret detail')
    except OperationalError:
        unavailable = server_error(request)
    try:
        raise ValueError("secret detail")
    except ValueError:
        broken = server_error(request)
    assert (unavailable.status_code, unavailable["Retry-After"]) == (503, "5")
    assert broken.status_code == 500 and "Retry-After" not in broken
    for response in (unavailable, broken):
        assert "secret" not in response.content.decode() and "10.0.0.5" not in response.content.decode()
        assert response["Cache-Control"] == "no-store"


@pytest.fixture
def app_server_log():
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as log:
        yield log


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_an_unreachable_database_is_a_503_with_retry_after_under_gunicorn(app_server_log, database):
    url = {
        "postgresql": f"postgres://postgres@127.0.0.1:{stack.free_port()}/drugref",  # nothing listens there
        "sqlite": "sqlite:////nonexistent-directory/drugref.sqlite3",
    }[database]
    env = {"DATABASE_URL": url, "DJANGO_SECRET_KEY": "k", "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_DEBUG": "false"}
    port = stack.free_port()
    server = stack.gunicorn(port, env, workers=1, log=app_server_log)
    try:
        status, headers, body = http_get(f"http://127.0.0.1:{port}{BESPONSA_URL}", **{"X-Request-ID": "drill-42"})
        health = http_get(f"http://127.0.0.1:{port}/healthz")
        ready = http_get(f"http://127.0.0.1:{port}/readyz")
    finally:
        stack.stop(server)
    assert health[0] == 503 and json.loads(health[2])["database"] == "unavailable"
    # Whoever deploys is told plainly where the database was looked for: at start-up, and by /readyz.
    where = {"postgresql": f"127.0.0.1:{url.split(':')[-1].split('/')[0]}", "sqlite": url.removeprefix("sqlite:///")}
    expected = f"cannot reach the database at {where[database]}"
    assert ready[0] == 503 and json.loads(ready[2])["database_error"].startswith(expected)
    start_up = Path(app_server_log.name).read_text().split("Listening at")[1].split("Booting worker")[0]
    assert expected in start_up and "(DATABASE_URL)" in start_up
    assert (status, headers["Retry-After"]) == (503, "5")
    assert "Temporarily unavailable" in body and "5432" not in body and "nonexistent" not in body
    # Logged as JSON, with the request id the load balancer gave, the path, the status and the cause.
    lines = [json.loads(line) for line in Path(app_server_log.name).read_text().splitlines() if line.startswith("{")]
    error = next(line for line in lines if line["logger"] == "django.request")
    assert (error["request_id"], error["path"], error["status"]) == ("drill-42", BESPONSA_URL, 503)
    assert "OperationalError" in error["exception"]
    access = next(line for line in lines if line["logger"] == "gunicorn.access" and line["path"] == BESPONSA_URL)
    assert (access["request_id"], access["status"], access["method"]) == ("drill-42", 503, "GET")
    assert access["duration_ms"] >= 0


def test_a_request_id_that_could_forge_log_lines_is_replaced(client):
    response = client.get("/robots.txt", HTTP_X_REQUEST_ID='x"\n{"forged": true}')
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.django_db
def test_health_checks_answer_for_load_balancers_and_are_never_cached(client, settings):
    from drugref import health

    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]
    health._migrated = False
    assert client.get("/readyz").json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "migrations": "ok",
        "purges": {"pending": 0, "targets": [], "oldest_seconds": 0},
    }

    # A cache outage slows pages but breaks none: reported, still 200.
    settings.CACHES = {"default": {"BACKEND": "drugref.redis_cache.Cache", "LOCATION": "redis://127.0.0.1:1/0"}}
    response = client.get("/healthz")
    assert (response.status_code, response.json()["cache"]) == (200, "unavailable")


@pytest.mark.django_db
def test_readiness_fails_while_a_migration_is_pending(client):
    from django.db.migrations.recorder import MigrationRecorder

    from drugref import health

    health._migrated = False
    latest = MigrationRecorder.Migration.objects.filter(app="monographs").order_by("-name").first()
    latest.delete()  # as if the release brought this migration and nobody has run migrate yet
    response = client.get("/readyz")
    assert (response.status_code, response.json()["migrations"]) == (503, "pending")
    assert client.get("/healthz").status_code == 200
    latest.save()
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_health_checks_answer_plain_http_under_the_https_redirect(settings):
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # its middleware is set up on its first request, with the setting on
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    page = client.get("/about/")
    assert (page.status_code, page["Location"]) == (301, "https://testserver/about/")
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]  # never kept by a front cache


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz", BESPONSA_URL + "report/", BESPONSA_URL])
def test_trace_and_other_methods_are_refused_with_405(client, demo, path):
    response = client.generic("TRACE", path)
    assert response.status_code == 405
    assert "TRACE" not in response.get("Allow", "")


def test_a_staff_member_refused_is_logged_in_one_line_without_a_traceback(editor_client):
    import io
    import logging

    from drugref.logs import RefusalsInOneLine

    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, RefusalsInOneLine) for f in h.filters))
    written = io.StringIO()
    stream = handler.setStream(written)
    try:
        assert editor_client.get("/admin/monographs/article/1/sign-off/").status_code == 403  # reviewers only
    finally:
        handler.setStream(stream)
    lines = written.getvalue().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0]
    assert json.loads(lines[0])["status"] == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "host"),
    [("/medical-answers/%00/", "testserver"), ("/search/?q=%00", "testserver"), ("/", "evil.example.org")],
)
def test_refusals_before_any_view_carry_the_security_headers(client, path, host):
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 400
    assert "default-src" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_csrf_failure_page_is_the_sites_own_and_needs_no_inline_style(editor_client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.get(username="eddie"))
    response = strict.post("/admin/monographs/article/add/", {"question": "Forged?"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your form could not be sent" in html and "<style" not in html and " style=" not in html
    assert "default-src" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "notaurl"), ("DATABASE_URL", "mysql://u:secret@db/drugref"), ("CACHE_URL", "redis//cache")],
)
def test_a_malformed_url_setting_is_refused_at_start_up_naming_the_variable(variable, value):
    """One line naming the variable (and never echoing a password), exit status 1: not a KeyError later."""
    env = clean_environment(**PRODUCTION, **{variable: value, "DRUGREF_ENV_FILE": ""})
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=PROJECT, env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.startswith(f"drugref is not configured: {variable} ") and len(done.stderr.splitlines()) == 1
    assert "secret" not in done.stderr and "Traceback" not in done.stderr
