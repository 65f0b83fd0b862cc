"""Purging a front cache: what drugref sends to Varnish (or a CDN) when pages change."""

import http.server
import threading

import pytest

from monographs.caching import front


class _Received(list):
    base = ""


class _Recorder(http.server.BaseHTTPRequestHandler):
    received = _Received()

    def do_PURGE(self):
        self.received.append((self.path, self.headers))  # looked up without regard to case
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def front_cache(settings):
    """A real HTTP server on loopback standing in for Varnish; returns what it received."""
    _Recorder.received = _Received()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.received.base = f"http://127.0.0.1:{server.server_port}/"
    settings.DRUGREF_FRONT_CACHE_URLS = [_Recorder.received.base]
    yield _Recorder.received
    server.shutdown()
    server.server_close()


def test_xkey_mode_sends_every_tag_in_one_purge(front_cache, settings):
    settings.DRUGREF_FRONT_CACHE_PURGE = "xkey"
    front.send(front_cache.base, {"answer-1", "drug-4-answers", "url:/medical-answers/a/"})
    [(path, headers)] = front_cache
    assert path == "/"
    assert headers["xkey-purge"] == "answer-1 drug-4-answers url:/medical-answers/a/"


def test_xkey_mode_splits_long_tag_lists_under_varnishs_header_limit(front_cache, settings):
    settings.DRUGREF_FRONT_CACHE_PURGE = "xkey"
    tags = {f"answer-{n}" for n in range(5000)}
    front.send(front_cache.base, tags)
    sent = [set(headers["xkey-purge"].split()) for _, headers in front_cache]
    assert len(sent) > 1 and all(len(" ".join(chunk)) <= front.MAX_HEADER_CHARS for chunk in sent)
    assert set().union(*sent) == tags


def test_url_mode_purges_the_changed_addresses_on_each_site_host(front_cache, settings):
    settings.DRUGREF_FRONT_CACHE_PURGE = "url"
    settings.ALLOWED_HOSTS = ["drugref.example.org", ".example.org"]
    front.send(front_cache.base, {"answer-1", "url:/medical-answers/a/", "url:/drugs/besponsa/"})
    assert sorted((path, headers["Host"]) for path, headers in front_cache) == [
        ("/drugs/besponsa/", "drugref.example.org"),
        ("/medical-answers/a/", "drugref.example.org"),
    ]


def test_a_front_cache_that_is_down_raises_so_the_purge_is_retried(settings):
    settings.DRUGREF_FRONT_CACHE_PURGE = "xkey"
    with pytest.raises(OSError):
        front.send("http://127.0.0.1:1/", {"answer-1"})
