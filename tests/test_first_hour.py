"""The first hour: the README's commands work in any new shell, and production still refuses to guess."""

import subprocess
import sys
from pathlib import Path

from .test_production import clean_environment

PROJECT = Path(__file__).resolve().parent.parent


def _manage(*args, env_file=""):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=clean_environment(DRUGREF_ENV_FILE=str(env_file)),
        capture_output=True,
        text=True,
    )


def test_make_run_writes_a_local_env_that_manage_py_reads_in_a_new_shell(tmp_path):
    made = subprocess.run(
        [
            "make",
            "-s",
            "-f",
            str(PROJECT / "Makefile"),
            "-C",
            str(tmp_path),
            ".env",
            f"BIN={Path(sys.executable).parent}",
        ],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    written = (tmp_path / ".env").read_text()
    assert "DJANGO_DEBUG=true" in written and len(written.split("DJANGO_SECRET_KEY=")[1].strip()) >= 50

    # A new shell with nothing exported: the command works from the file.
    result = _manage("check", env_file=tmp_path / ".env")
    assert result.returncode == 0, result.stderr

    # An existing file is never overwritten (its secret key stays).
    subprocess.run(["make", "-s", "-f", str(PROJECT / "Makefile"), "-C", str(tmp_path), ".env"], check=True)
    assert (tmp_path / ".env").read_text() == written


def test_without_a_local_env_a_command_still_refuses_to_run_without_its_settings():
    result = _manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_the_real_environment_wins_over_the_local_env(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=true\nDJANGO_SECRET_KEY=from-the-file\n")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "from django.conf import settings; print(settings.DEBUG)"],
        cwd=PROJECT,
        env=clean_environment(
            DRUGREF_ENV_FILE=str(env_file), DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="drugref.example.org"
        ),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
