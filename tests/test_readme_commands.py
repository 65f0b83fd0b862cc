"""The README's commands, as written: every command of its Import and Backups sections, on a fresh copy.

The copy is set up as `make run` sets it up (a `.env` of its own, the database
migrated, the demo loaded) and each command runs in a new shell with nothing
exported but what its section says. On SQLite the SQLite lines run; on
PostgreSQL (DATABASE_URL names the test server) the PostgreSQL lines run too,
against a database of the test's own.
"""

import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from .test_production import clean_environment

PROJECT = Path(__file__).resolve().parent.parent
SECTIONS = ["## Import and export answers", "### Backups"]
POSTGRESQL_ONLY = re.compile(r"\b(pg_dump|pg_restore|createdb)\b")
SQLITE_ONLY = re.compile(r"sqlite")


def readme_commands(readme: str) -> list[str]:
    """Return the commands of the `sh` blocks in SECTIONS, one per line (comments left out)."""
    commands = []
    for heading in SECTIONS:
        start = readme.index(f"\n{heading}\n")
        end = readme.find("\n## ", start + 1)
        section = readme[start : end if end != -1 else None]
        for block in re.findall(r"```sh\n(.*?)```", section, re.S):
            commands += [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    return commands


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
    return copy


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
