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


def test_every_setting_is_in_the_readme_and_the_env_example():
    """What an operator can set is read in two places; both lists of it must name every variable."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    read = set(
        re.findall(
            r'(?:env(?:\.\w+)?|_url_setting)\(\s*"([A-Z][A-Z0-9_]+)"', (root / "drugref/settings.py").read_text()
        )
    )
    read |= set(re.findall(r'environ\.get\("([A-Z][A-Z0-9_]+)"', (root / "deploy/gunicorn.conf.py").read_text()))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "GUNICORN_KEEPALIVE"} <= read  # the patterns still find them
    readme, example = (root / "README.md").read_text(), (root / ".env.example").read_text()
    assert sorted(name for name in read if f"`{name}`" not in readme) == []
    assert sorted(name for name in read if not re.search(rf"^#? ?{name}=", example, re.M)) == []


def test_the_readmes_varnish_command_starts_varnish_from_the_project_root(tmp_path):
    """As written, but on a free port, in the foreground and with a working directory of its own."""
    import os
    import re
    import shutil

    import pytest

    from bench import stack

    if not (shutil.which("varnishd") or os.path.exists("/usr/sbin/varnishd")):
        if os.environ.get("SERVING_TESTS") == "required":
            pytest.fail("varnishd is not installed")
        pytest.skip("varnishd is not installed")
    command = re.search(r"^varnishd .*$", (PROJECT / "README.md").read_text(), re.M)[0]
    port = stack.free_port()
    assert " -a :6081 " in command
    command = command.replace(" -a :6081 ", f" -a 127.0.0.1:{port} ") + f" -F -n {tmp_path / 'state'}"
    env = {**os.environ, "PATH": os.environ.get("PATH", "") + ":/usr/sbin"}
    log = tmp_path / "varnishd.log"
    with log.open("wb") as errors:
        process = subprocess.Popen(command, shell=True, cwd=PROJECT, env=env, start_new_session=True, stderr=errors)
    try:
        stack.wait_until_up(f"http://127.0.0.1:{port}/", process, timeout=20)
    except RuntimeError:
        raise AssertionError(f"{command}\n{log.read_text()}") from None
    finally:
        stack.stop(process)
