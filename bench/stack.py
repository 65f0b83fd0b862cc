"""Start drugref's serving stack on loopback: gunicorn app servers, and Varnish in front of one.

Used by the serving benchmark and by the tests that put real servers in front
of the app. Every process runs in its own process group and is stopped by
`stop()`; ports are free ones the kernel hands out.
"""

import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VCL = ROOT / "deploy" / "varnish" / "drugref.vcl"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None  # a redirect (to HTTPS, say) is an answer


def wait_until_up(url, process, timeout=30.0):
    """Wait until `url` answers at all (any status), or stop `process` and fail if it died or time ran out."""
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(_NoRedirects)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before {url} answered")
        try:
            opener.open(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def gunicorn(port, env, workers=2, log=None):
    """Start drugref under gunicorn, with its production configuration and sync workers, on 127.0.0.1:`port`."""
    process = subprocess.Popen(
        [str(GUNICORN), "--config", str(GUNICORN_CONF), "drugref.wsgi"],
        cwd=ROOT,
        env={
            # As a new shell has it: the app names its own settings module (a test run exports one).
            **{name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"},
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": "1",
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
        },
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
        start_new_session=True,
    )
    process.base_url = f"http://127.0.0.1:{port}"
    wait_until_up(process.base_url + "/robots.txt", process)
    return process


def vcl_for(backend_port, second_port=None) -> str:
    """drugref's VCL with its app servers set as its comments say: the first, and a second one uncommented."""
    text = VCL.read_text().replace('.port = "8000";', f'.port = "{backend_port}";', 1)
    if second_port is not None:
        start, end = text.index("# backend app2 {"), text.index("# }\n", text.index("# backend app2 {")) + 4
        block = "\n".join(line.removeprefix("# ") for line in text[start:end].splitlines()) + "\n"
        block = block.replace('"10.0.0.12"', '"127.0.0.1"').replace('.port = "8000";', f'.port = "{second_port}";')
        text = text[:start] + block + text[end:]
        text = text.replace("# app_servers.add_backend(app2);", "app_servers.add_backend(app2);")
    return text


def varnish(port, backend_port, memory="256m", second_port=None):
    """Start Varnish with drugref's VCL on 127.0.0.1:`port`, before the app on `backend_port` (and `second_port`)."""
    varnishd = shutil.which("varnishd") or "/usr/sbin/varnishd"
    workdir = Path(tempfile.mkdtemp(prefix="drugref-varnish-"))
    vcl = workdir / "drugref.vcl"
    vcl.write_text(vcl_for(backend_port, second_port))
    process = subprocess.Popen(
        [
            *(varnishd, "-F", "-j", "none", "-n", str(workdir / "state"), "-a", f"127.0.0.1:{port}"),
            *("-f", str(vcl), "-s", f"malloc,{memory}", "-p", "thread_pool_min=20", "-p", "http_gzip_support=off"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    process.workdir = workdir
    wait_until_up(f"http://127.0.0.1:{port}/robots.txt", process)
    return process


def stop(process):
    """Stop a server started here, and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if getattr(process, "workdir", None):
        shutil.rmtree(process.workdir, ignore_errors=True)


class Relay:
    """A loopback port that forwards TCP to `target_port` while up and refuses connections while down.

    Stands for a network path that breaks: a front cache "briefly unreachable" keeps what it cached.
    """

    def __init__(self, target_port):
        self.port = free_port()
        self.target_port = target_port
        self.url = f"http://127.0.0.1:{self.port}/"
        self.server = None

    def up(self):
        target = ("127.0.0.1", self.target_port)

        class Forward(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    upstream = socket.create_connection(target, timeout=10)
                except OSError:
                    return  # nothing listens behind the relay (yet): the client sees the connection close
                with upstream:
                    back = threading.Thread(target=_pump, args=(upstream, self.request), daemon=True)
                    back.start()
                    _pump(self.request, upstream)
                    back.join(timeout=10)

        self.server = _RelayServer(("127.0.0.1", self.port), Forward)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class _RelayServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True  # up again on the same port at once
    daemon_threads = True


def _pump(source, sink):
    """Copy bytes from one socket to the other until the source closes; then close the sink's sending side."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass
