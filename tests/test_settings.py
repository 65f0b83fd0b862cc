"""Settings are safe by default: production must say what it is."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def load_settings(**env):
    """Import the settings in a fresh interpreter with only `env` set; return (code, output)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL"))}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import drugref.settings as s; "
            "print(s.DEBUG, s.ALLOWED_HOSTS, s.DRUGREF_PAGE_CACHE, s.CACHES['default']['BACKEND'])",
        ],
        cwd=PROJECT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )
    return result.returncode, result.stdout + result.stderr


def test_a_missing_secret_key_is_a_clear_error_when_debug_is_off():
    code, output = load_settings(DJANGO_ALLOWED_HOSTS="example.org")
    assert code != 0
    assert "DJANGO_SECRET_KEY is not set" in output


def test_missing_allowed_hosts_is_a_clear_error_when_debug_is_off():
    code, output = load_settings(DJANGO_SECRET_KEY="s")
    assert code != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in output


def test_debug_is_off_unless_asked_for():
    code, output = load_settings(DJANGO_SECRET_KEY="s", DJANGO_ALLOWED_HOSTS="example.org")
    assert code == 0, output
    assert output.startswith("False ['example.org']")


@pytest.mark.parametrize(
    ("cache_url", "backend"),
    [
        ("", "django.core.cache.backends.locmem.LocMemCache"),
        # Django's RedisCache, reusing one client per connection pool.
        ("redis://127.0.0.1:6379/1", "drugref.redis_cache.Cache"),
    ],
)
def test_cache_comes_from_cache_url(cache_url, backend):
    env = {"DJANGO_DEBUG": "true"} | ({"CACHE_URL": cache_url} if cache_url else {})
    code, output = load_settings(**env)
    assert code == 0, output
    assert output.strip().endswith(backend)


@pytest.mark.parametrize(
    ("env", "page_cache"),
    [
        # Each worker's own memory: a purge made by another process (a worker, an import) could not reach it.
        ({}, False),
        ({"CACHE_URL": "locmemcache://"}, False),
        ({"CACHE_URL": "redis://127.0.0.1:6379/1"}, True),
        ({"CACHE_URL": "redis://127.0.0.1:6379/1", "DRUGREF_PAGE_CACHE": "false"}, False),
        ({"DRUGREF_PAGE_CACHE": "true"}, True),  # one process serving alone; `manage.py check` warns
    ],
)
def test_pages_are_cached_only_in_a_cache_every_process_shares_unless_asked(env, page_cache):
    code, output = load_settings(DJANGO_DEBUG="true", **env)
    assert code == 0, output
    assert output.split()[-2] == str(page_cache)
