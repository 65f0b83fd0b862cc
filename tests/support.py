"""Helpers shared by the tests: reading pages as a person sees them."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.db import connection

from bench.stack import free_port

CONTENT_DIR = Path(__file__).resolve().parent.parent / "monographs" / "content" / "demo"
# The model page, as saved from the browser: the demo's Besponsa answer says every word of it, in order.
SEED = Path(__file__).resolve().parent.parent / "docs" / "examples" / "besponsa.txt"
BESPONSA_URL = "/medical-answers/how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all/"


class _TextExtractor(HTMLParser):
    """Collect the text a reader sees: everything in <body> but scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip, self._in_body = [], 0, False

    # Block elements separate words; inline ones (a, time, strong) do not.
    BLOCKS = {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    }

    def handle_starttag(self, tag, attrs):
        self._in_body |= tag == "body"
        self._skip += tag in ("script", "style", "template")
        if tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style", "template")
        if tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if self._in_body and not self._skip:
            self.parts.append(data)


# Search runs its queries in one read transaction planned for the words given (search.planned_for_these_words):
# on PostgreSQL its savepoint (in a test; BEGIN outside one), SET LOCAL and release count as queries too.
SEARCH_TRANSACTION = 3 if connection.vendor == "postgresql" else 0


def visible_text(html: str) -> str:
    """Return a page's visible text, tags stripped and whitespace collapsed."""
    extractor = _TextExtractor()
    extractor.feed(html)
    return collapse("".join(extractor.parts))


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def seed_blocks() -> list[str]:
    """Return the seed page's paragraphs and headings, each on one line."""
    text = SEED.read_text(encoding="utf-8-sig")
    return [collapse(block) for block in re.split(r"\n\s*\n", text) if block.strip()]


def assert_in_order(text: str, parts: list[str]):
    """Assert that each part occurs in `text`, each after the one before."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found != -1, f"not found (in order) on the page: {part!r}"
        position = found + len(part)


class _FormReader(HTMLParser):
    """Collect the values a browser would submit from one form."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.values = form_id, False, {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.values.setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "input" and name and "checked" in attrs:
            self.values.setdefault(name, []).append(attrs.get("value", "on"))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data


def form_values(html: str, form_id: str) -> dict[str, list[str]]:
    """Return what submitting form `form_id` of a page would send, before any edit."""
    reader = _FormReader(form_id)
    reader.feed(html)
    # A browser drops the newline that follows <textarea>.
    return {k: [v.removeprefix("\n") for v in vs] for k, vs in reader.values.items()}


class HttpSession:
    """A person's browser against a real server: cookies kept, forms posted with their CSRF token."""

    def __init__(self, base_url):
        import http.cookiejar
        import urllib.request

        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        no_redirects = type("NoRedirects", (urllib.request.HTTPRedirectHandler,), {"redirect_request": lambda *a: None})
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), no_redirects)

    def request(self, path, data=None):
        """Return (status, body) of a GET, or of a POST of the form fields `data` (a dict of lists)."""
        import urllib.error
        import urllib.parse

        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self, username, password):
        """Sign in through the admin's form; return the status (302 when signed in)."""
        _, page = self.request("/admin/login/")
        form = form_values(page, "login-form") | {"username": [username], "password": [password]}
        status, self.last_page = self.request("/admin/login/?next=/admin/", form)
        return status


def http_get(url, **headers):
    """GET `url` from a real server; return (status, headers, body as text), whatever the status."""
    status, headers, body = http_get_bytes(url, **headers)
    return status, headers, body.decode()


def http_get_bytes(url, **headers):
    """GET `url` from a real server; return (status, headers, body as sent: compressed, if it was)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class OwnRedis:
    """A redis-server of the test's own on a free port (never the machine's), which can be paused and resumed."""

    def __init__(self):
        server = shutil.which("redis-server")
        if server is None:
            if os.environ.get("SERVING_TESTS") == "required" or os.environ.get("CI"):
                pytest.fail("redis-server is not installed")
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="drugref-redis-")
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--dir", self.dir],
            stdout=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)

    def page_cache(self, timeout):
        """Return the CACHES setting that keeps the page cache here, with short socket timeouts as in production."""
        options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        return {"default": {"BACKEND": "drugref.redis_cache.Cache", "LOCATION": self.url, "OPTIONS": options}}

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        self.resume()
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
