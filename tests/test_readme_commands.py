"""The README's commands, as written, on a fresh copy: Run, Import, Export, Backups, the API key and Deploy.

`make run` runs as it is written and must serve the Besponsa page. For Import,
Export and Backups the copy is set up as `make run` sets it up (a `.env` of its
own, the database migrated, the demo loaded) and each command runs in a new
shell with nothing exported but what its section says. On SQLite the SQLite
lines run; on PostgreSQL (DATABASE_URL names the test server) the PostgreSQL
lines run too, against a database of the test's own. The Deploy commands run
with the example's addresses replaced by this machine's, and the app server
they start must answer as a load balancer and a reader behind TLS expect.
"""

import re
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

from .test_production import clean_environment

PROJECT = Path(__file__).resolve().parent.parent
SECTIONS = ["## Import and export answers", "### Backups", "## API for partners"]
BESPONSA = "how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all"
POSTGRESQL_ONLY = re.compile(r"\b(pg_dump|pg_restore|createdb)\b")
SQLITE_ONLY = re.compile(r"sqlite")


def sh_blocks(readme: str, heading: str) -> list[str]:
    """Return the `sh` blocks of the README section under `heading` (up to the next `## `)."""
    start = readme.index(f"\n{heading}\n")
    end = readme.find("\n## ", start + 1)
    return re.findall(r"```sh\n(.*?)```", readme[start : end if end != -1 else None], re.S)


def readme_commands(readme: str) -> list[str]:
    """Return the commands of the `sh` blocks in SECTIONS, one per line (comments left out)."""
    return [
        line
        for heading in SECTIONS
        for block in sh_blocks(readme, heading)
        for line in block.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_the_sections_hold_the_commands_this_test_runs():
    commands = readme_commands((PROJECT / "README.md").read_text())
    assert any("import_articles --undo last" in c for c in commands)
    assert any(c.startswith("pg_dump") for c in commands) and any("VACUUM INTO" in c for c in commands)


@pytest.fixture
def fresh_copy(tmp_path):
    """The project's files (what git would clone), the virtualenv beside them, set up as `make run` does."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    copy = tmp_path / "drugref"
    for name in listed:
        if (PROJECT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT / name, copy / name)
    (copy / ".venv").symlink_to(Path(sys.executable).parent.parent)
    if (PROJECT / "node_modules").is_dir():  # installed already: make would fetch it again from npm
        (copy / "node_modules").symlink_to(PROJECT / "node_modules")
    return copy


def _get(url, **headers):
    """Return (status, headers, body) of a GET that follows no redirect."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.build_opener(stack._NoRedirects).open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def _started(copy, command, env, log):
    """Start `command` in its own process group; return the process."""
    return subprocess.Popen(
        ["bash", "-c", command], cwd=copy, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _shell(copy, command, env):
    return subprocess.run(["bash", "-c", command], cwd=copy, env=env, capture_output=True, text=True, timeout=300)


def _database_for_this_pass():
    """Return a new PostgreSQL database's URL on the test server (and its name), or None on SQLite."""
    if connection.vendor != "postgresql":
        return None, None
    settings = connection.settings_dict
    name = f"drugref_readme_{uuid.uuid4().hex[:8]}"
    server = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    return f"{server}/{name}", name


def test_every_readme_command_of_import_and_backups_works_as_written(fresh_copy):
    url, name = _database_for_this_pass()
    env = clean_environment()
    env.pop("DRUGREF_ENV_FILE", None)  # the copy's own .env, as make run writes it
    if url:
        env["DATABASE_URL"] = url
        subprocess.run(["createdb", "--maintenance-db", url.rsplit("/", 1)[0] + "/postgres", name], check=True)
    try:
        for setup in [
            "make -s .env",
            ".venv/bin/python manage.py migrate -v 0",
            ".venv/bin/python manage.py load_demo",
        ]:
            done = _shell(fresh_copy, setup, env)
            assert done.returncode == 0, f"{setup}\n{done.stdout}{done.stderr}"
        ran = 0
        for command in readme_commands((fresh_copy / "README.md").read_text()):
            if (POSTGRESQL_ONLY.search(command) and not url) or (SQLITE_ONLY.search(command) and url):
                continue
            done = _shell(fresh_copy, command, env)
            assert done.returncode == 0, f"{command}\nexit {done.returncode}\n{done.stdout}{done.stderr}"
            assert "Traceback" not in done.stderr, command
            ran += 1
        assert ran >= 9
        # What they made: the backups, and the example import undone (the demo as it was).
        assert (fresh_copy / "answers.jsonl").read_text().count('"kind":"article"') == 6
        assert (fresh_copy / "drugref.dump" if url else fresh_copy / "drugref-backup.sqlite3").stat().st_size > 0
    finally:
        if url:
            for database in (name, "drugref_restored"):
                subprocess.run(
                    ["dropdb", "--maintenance-db", url.rsplit("/", 1)[0] + "/postgres", "--if-exists", database]
                )


def test_make_run_as_written_serves_the_besponsa_page_and_prints_its_address(fresh_copy, tmp_path):
    (block,) = sh_blocks((fresh_copy / "README.md").read_text(), "## Run it")
    assert block.strip() == "make run"
    env = clean_environment()
    env.pop("DRUGREF_ENV_FILE", None)
    port = stack.free_port()
    log = tmp_path / "make-run.log"
    with log.open("wb") as output:
        process = _started(fresh_copy, f"make run PORT={port}", env, output)
    try:
        besponsa = f"http://127.0.0.1:{port}/medical-answers/{BESPONSA}/"
        deadline = time.monotonic() + 240
        while besponsa not in log.read_text() or process.poll() is not None:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        stack.wait_until_up(besponsa, process, timeout=60)
        status, _, body = _get(besponsa)
        assert status == 200, log.read_text()
        assert "Medically reviewed by" in body and "Judith Stewart, BPharm" in body
        printed = log.read_text()
        assert f"Admin:           http://127.0.0.1:{port}/admin/" in printed
        assert re.search(r"Demo account: +judith / \S+ +\(medical reviewer", printed), printed
    finally:
        stack.stop(process)


def test_the_deploy_commands_start_an_app_server_a_load_balancer_and_readers_can_use(fresh_copy, tmp_path):
    """The Deploy section's commands with this machine's addresses: migrate once, then serve."""
    url, name = _database_for_this_pass()
    (block, *_) = sh_blocks((fresh_copy / "README.md").read_text(), "## Deploy it")
    assert "make migrate" in block and "make serve" in block
    port = stack.free_port()
    here = {
        "DJANGO_SECRET_KEY": "deploy-test-secret-key",
        "DJANGO_ALLOWED_HOSTS": "drugref.example.org",
        "DATABASE_URL": url or f"sqlite:///{tmp_path}/deploy.sqlite3",
        "CACHE_URL": "redis://127.0.0.1:6379/14",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    script = block
    for variable, value in here.items():
        script, count = re.subn(rf"\b{variable}=\S+", f"{variable}={value}", script)
        assert count == 1, variable
    # The demo content, once migrated, so that there is a page to read.
    script = script.replace("make serve", ".venv/bin/python manage.py load_demo -v 0 && make serve")
    env = clean_environment()
    env.pop("DRUGREF_ENV_FILE", None)
    if url:
        subprocess.run(["createdb", "--maintenance-db", url.rsplit("/", 1)[0] + "/postgres", name], check=True)
    log = tmp_path / "deploy.log"
    with log.open("wb") as output:
        process = _started(fresh_copy, script, env, output)
    try:
        base = f"http://127.0.0.1:{port}"
        try:
            stack.wait_until_up(f"{base}/healthz", process, timeout=240)
        except RuntimeError as error:
            raise AssertionError(f"{error}\n{log.read_text()}") from None
        assert not (fresh_copy / ".env").exists()  # production settings came from the environment alone
        # A load balancer probes over plain HTTP; a reader behind the TLS proxy gets the page.
        assert _get(f"{base}/readyz", Host="drugref.example.org")[0] == 200
        status, headers, _ = _get(f"{base}/medical-answers/{BESPONSA}/", Host="drugref.example.org")
        assert (status, headers["Location"]) == (301, f"https://drugref.example.org/medical-answers/{BESPONSA}/")
        status, headers, body = _get(
            f"{base}/medical-answers/{BESPONSA}/", Host="drugref.example.org", **{"X-Forwarded-Proto": "https"}
        )
        assert status == 200 and "Judith Stewart, BPharm" in body
        assert "Strict-Transport-Security" in headers
    finally:
        stack.stop(process)
        if url:
            subprocess.run(["dropdb", "--maintenance-db", url.rsplit("/", 1)[0] + "/postgres", "--if-exists", name])
