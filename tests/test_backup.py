"""Backups restore: the content as files (export_articles), and the whole database (pg_dump/pg_restore).

Each test backs up a site, restores into an empty database, and compares what
the two export, byte for byte. The README's "Backups" section runs the same commands.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

PROJECT = Path(__file__).resolve().parent.parent


def manage(database_url, *args):
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=env, check=True, capture_output=True, text=True
    )


def test_exported_content_restores_into_an_empty_database(tmp_path):
    site, restored = f"sqlite:///{tmp_path / 'site.sqlite3'}", f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    manage(site, "migrate", "-v", "0")
    manage(site, "load_demo", "-v", "0")
    for fmt, backup in [("jsonl", tmp_path / "backup.jsonl"), ("markdown", tmp_path / "backup-markdown")]:
        manage(site, "export_articles", "--format", fmt, "--output", str(backup))
    manage(restored, "migrate", "-v", "0")

    manage(restored, "import_articles", str(tmp_path / "backup.jsonl"))

    manage(restored, "export_articles", "--output", str(tmp_path / "again.jsonl"))
    assert (tmp_path / "again.jsonl").read_bytes() == (tmp_path / "backup.jsonl").read_bytes()
    manage(restored, "export_articles", "--format", "markdown", "--output", str(tmp_path / "again-markdown"))
    for original in sorted((tmp_path / "backup-markdown").iterdir()):
        assert (tmp_path / "again-markdown" / original.name).read_bytes() == original.read_bytes(), original.name


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump backs up PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_pg_dump_restores_into_an_empty_database(tmp_path):
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    call_command("load_demo", verbosity=0)
    settings = connection.settings_dict
    server = ["--host", settings["HOST"] or "127.0.0.1", "--port", str(settings["PORT"] or 5432)]
    server += ["--username", settings["USER"]]
    dump, restored_name = tmp_path / "drugref.dump", f"{settings['NAME']}_restored"
    subprocess.run(["pg_dump", *server, "--format", "custom", "--file", str(dump), settings["NAME"]], check=True)
    subprocess.run(["dropdb", *server, "--if-exists", restored_name], check=True)
    subprocess.run(["createdb", *server, restored_name], check=True)
    try:
        subprocess.run(["pg_restore", *server, "--no-owner", "--dbname", restored_name, str(dump)], check=True)
        base = f"postgres://{settings['USER']}@{server[1]}:{server[3]}/"
        original = manage(base + settings["NAME"], "export_articles").stdout
        restored = manage(base + restored_name, "export_articles").stdout
        assert restored == original and original.count('"kind":"article"') == 6
        assert "No migrations to apply" in manage(base + restored_name, "migrate").stdout
    finally:
        subprocess.run(["dropdb", *server, "--if-exists", restored_name], check=True)


def test_a_sqlite_backup_made_while_the_site_runs_restores_everything(tmp_path):
    """The README's VACUUM INTO line: the copy, used as the database, exports what the site exports."""
    import sqlite3

    site, backup = tmp_path / "db.sqlite3", tmp_path / "drugref-backup.sqlite3"
    manage(f"sqlite:///{site}", "migrate", "-v", "0")
    manage(f"sqlite:///{site}", "load_demo", "-v", "0")
    reader = sqlite3.connect(site)  # the site is open meanwhile (in WAL mode, as drugref runs it)
    reader.execute("SELECT count(*) FROM monographs_article").fetchone()
    sqlite3.connect(site).execute(f"VACUUM INTO '{backup}'")
    reader.close()

    original = manage(f"sqlite:///{site}", "export_articles").stdout
    restored = manage(f"sqlite:///{backup}", "export_articles").stdout
    assert restored == original and original.count('"kind":"article"') == 6
    assert "No migrations to apply" in manage(f"sqlite:///{backup}", "migrate").stdout
