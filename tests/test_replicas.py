"""Read replicas, against a real PostgreSQL streaming replica this test starts itself.

A primary cluster and a replica made from it with pg_basebackup, each on a free
port (pg_createcluster: Debian's PostgreSQL, run as root as on CI). gunicorn
serves the primary with DATABASE_REPLICA_URLS naming the replica; the access
log says where each request read from. Checked: an anonymous reader's page is
read from the replica; the admin and every signed-in request from the
primary; a replica that has not replayed the primary's latest commit is not
read (a change shows at once); one far behind, or stopped, is left out with
no error to readers.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

from bench import stack

from .support import BESPONSA_URL
from .test_serving import _require

PROJECT = Path(__file__).resolve().parent.parent


class Cluster:
    """A PostgreSQL cluster of this test's own (pg_createcluster), removed afterwards."""

    def __init__(self, name, port):
        self.version = sorted(os.listdir("/usr/lib/postgresql"), key=int)[-1]
        self.name, self.port = name, port
        self.url = f"postgres://postgres@127.0.0.1:{port}"

    def create(self):
        subprocess.run(
            ["pg_createcluster", self.version, self.name, "-p", str(self.port), "--", "--auth=trust"],
            check=True,
            capture_output=True,
        )
        return self

    @property
    def data(self):
        return Path(f"/var/lib/postgresql/{self.version}/{self.name}")

    def control(self, action):
        subprocess.run(["pg_ctlcluster", self.version, self.name, action], check=True, capture_output=True)

    def sql(self, statement, database="postgres"):
        return subprocess.run(
            ["psql", f"{self.url}/{database}", "-Atqc", statement], check=True, capture_output=True, text=True
        ).stdout.strip()

    def drop(self):
        subprocess.run(["pg_dropcluster", "--stop", self.version, self.name], capture_output=True)


@pytest.fixture(scope="module")
def primary_and_replica():
    if connection.vendor != "postgresql":
        pytest.skip("read replicas are PostgreSQL's: this runs in the PostgreSQL pass")
    _require(shutil.which("pg_createcluster") and os.geteuid() == 0, "pg_createcluster as root is needed")
    suffix = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
    primary = Cluster(f"drugref-primary-{suffix}", stack.free_port())
    replica = Cluster(f"drugref-replica-{suffix}", stack.free_port())
    try:
        primary.create().control("start")
        primary.sql("CREATE DATABASE drugref")
        env = _app_environment(primary)
        for command in (["migrate", "-v", "0"], ["load_demo", "-v", "0"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=PROJECT, env=env, check=True)
        # The replica: a base backup of the primary that streams from it (-R writes its standby settings).
        replica.create()
        for entry in replica.data.iterdir():  # emptied, kept: its directory is the postgres user's
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        made = subprocess.run(
            ["runuser", "-u", "postgres", "--", "pg_basebackup", "--checkpoint=fast", "-R", *_to(primary, replica)],
            capture_output=True,
            text=True,
        )
        assert made.returncode == 0, made.stderr
        replica.control("start")
        deadline = time.monotonic() + 30
        while replica.sql("SELECT pg_is_in_recovery()") != "t" and time.monotonic() < deadline:
            time.sleep(0.2)
        yield primary, replica
    finally:
        replica.drop()
        primary.drop()


def _to(primary, replica) -> list[str]:
    return ["-d", primary.url, "-D", str(replica.data)]


def _app_environment(primary, replica=None):
    env = {
        **os.environ,
        "DATABASE_URL": f"{primary.url}/drugref",
        "DJANGO_SECRET_KEY": "replica-test-secret-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DRUGREF_PAGE_CACHE": "false",  # every request reads a database
        "CACHE_URL": "locmemcache://",
        "DRUGREF_ENV_FILE": "",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if replica is not None:
        env |= {"DATABASE_REPLICA_URLS": f"{replica.url}/drugref", "DATABASE_REPLICA_MAX_LAG": "2"}
    return env


@pytest.fixture
def app(primary_and_replica, tmp_path, settings):
    primary, replica = primary_and_replica
    log_path = tmp_path / "gunicorn.log"
    log = log_path.open("wb")
    env = _app_environment(primary, replica) | {"DJANGO_STATIC_ROOT": str(settings.STATIC_ROOT)}
    server = stack.gunicorn(stack.free_port(), env, workers=1, log=log)
    server.log_path = log_path
    try:
        yield server, primary, replica
    finally:
        stack.stop(server)
        log.close()


def _read_from(server, path, headers=None, count=1):
    """GET `path`; return (status, body, where its reads went, as the access log says)."""
    marker = uuid.uuid4().hex
    request = urllib.request.Request(server.base_url + path, headers={"X-Request-ID": marker, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    for _ in range(50):
        for line in server.log_path.read_text().splitlines():
            if marker in line and '"gunicorn.access"' in line:
                return status, body, json.loads(line).get("read_from")
        time.sleep(0.05)
    raise AssertionError(f"no access log line for {path}")


def test_readers_read_from_the_replica_and_the_admin_from_the_primary(app):
    server, _, _ = app
    for path in (BESPONSA_URL, "/search/?q=besponsa", "/drugs/besponsa/", "/sitemap.xml"):
        status, _, read_from = _read_from(server, path)
        assert (status, read_from) == (200, "replica_1"), path
    status, _, read_from = _read_from(server, "/admin/login/")
    assert (status, read_from) == (200, "default")  # everything in the admin
    # A signed-in request (a session cookie) reads from the primary.
    _, _, read_from = _read_from(server, BESPONSA_URL, {"Cookie": "sessionid=anything"})
    assert read_from == "default"
    status, body, _ = _read_from(server, "/readyz")
    assert status == 200 and json.loads(body)["replicas"] == {"replica_1": "ok"}


def test_a_replica_that_has_not_replayed_the_latest_commit_is_not_read(app):
    server, primary, replica = app
    replica.sql("SELECT pg_wal_replay_pause()")
    try:
        primary.sql(
            "UPDATE monographs_article SET summary = 'Changed on the primary.' "
            "WHERE slug = 'how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all'",
            database="drugref",
        )
        status, body, read_from = _read_from(server, BESPONSA_URL)
        # The replica is behind: the primary answers, and the change shows at once.
        assert (status, read_from) == (200, "default") and "Changed on the primary." in body
        time.sleep(2.5)  # beyond DATABASE_REPLICA_MAX_LAG: left out without being asked
        assert _read_from(server, BESPONSA_URL)[2] == "default"
    finally:
        replica.sql("SELECT pg_wal_replay_resume()")
    _until_read_from_the_replica(server, 15, "the replica was not used again once it caught up")


def test_a_stopped_replica_is_left_out_with_no_error_to_readers(app):
    server, _, replica = app
    assert _read_from(server, BESPONSA_URL)[2] == "replica_1"
    replica.control("stop")
    try:
        for _ in range(5):
            status, body, read_from = _read_from(server, BESPONSA_URL)
            assert (status, read_from) == (200, "default")
            assert "Judith Stewart, BPharm" in body
        status, body, _ = _read_from(server, "/readyz")  # reported; the app server stays in service
        assert status == 200 and json.loads(body)["replicas"] == {"replica_1": "not used"}
    finally:
        replica.control("start")
    _until_read_from_the_replica(server, 30, "the replica was not used again once it was back")


def _until_read_from_the_replica(server, seconds, message):
    deadline = time.monotonic() + seconds
    while _read_from(server, BESPONSA_URL)[2] != "replica_1":
        assert time.monotonic() < deadline, message
        time.sleep(0.5)


def test_replica_urls_are_checked_at_start_up(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x",
        "DRUGREF_ENV_FILE": "",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db",
        "DATABASE_REPLICA_URLS": "postgres://replica:5432/drugref",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=PROJECT, env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "DATABASE_REPLICA_URLS: each replica is a postgres:// URL" in done.stderr.strip().splitlines()[-1]
