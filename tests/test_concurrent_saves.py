"""Concurrent admin saves of one answer on SQLite, the embedded default, under real gunicorn workers.

Editors double-click and save at the same time: every request gets a page, never
a 500 ("database is locked"); one save wins and the others are told of the conflict.
"""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from bench import stack

from .support import HttpSession, form_values

PROJECT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own locking is what is tested")

CREATE_EDITOR = """
from django.contrib.auth.models import User
User.objects.create_superuser("eddie", password="editor-pw-1")
"""


@pytest.fixture
def app_server(tmp_path, settings):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'drugref.sqlite3'}",
        "DJANGO_SECRET_KEY": "concurrency-test-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_STATIC_ROOT": str(settings.STATIC_ROOT),
        "GUNICORN_THREADS": "5",
    }
    full_env = {**os.environ, **env}
    for command in (["migrate", "-v", "0"], ["load_demo", "-v", "0"], ["shell", "-c", CREATE_EDITOR]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=PROJECT, env=full_env, check=True)
    port = stack.free_port()
    server = stack.gunicorn(port, env, workers=4)
    yield f"http://127.0.0.1:{port}"
    stack.stop(server)


def test_twenty_simultaneous_saves_of_one_answer_queue_instead_of_failing(app_server):
    editors = [HttpSession(app_server) for _ in range(20)]
    for editor in editors:
        assert editor.log_in("eddie", "editor-pw-1") == 302
    add_form = form_values(editors[0].request("/admin/monographs/article/add/")[1], "article_form")
    new = {"question": ["Can Besponsa be given at home?"], "slug": ["besponsa-at-home"], "answer": ["No."]}
    assert editors[0].request("/admin/monographs/article/add/", add_form | new)[0] == 302
    page = editors[0].request("/admin/monographs/article/?q=at+home")[1]
    change_url = re.search(r'href="(/admin/monographs/article/\d+/change/)', page)[1]
    forms = [form_values(editor.request(change_url)[1], "article_form") for editor in editors]

    def save(n):
        data = forms[n] | {"summary": [f"Summary written by editor {n}.\r\nSecond line."], "_continue": ["Save"]}
        return editors[n].request(change_url, data)

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(save, range(20)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 19 + [302], statuses
    refused = [body for status, body in results if status == 200]
    assert all("saved this answer at" in body for body in refused)
