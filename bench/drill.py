"""Fault drill: restart PostgreSQL, then stop Redis, while gunicorn serves pages under load.

    make drill                               # both drills, 30 s each
    .venv/bin/python bench/drill.py --duration 20

The drill starts everything it breaks itself, on free loopback ports: its own
PostgreSQL cluster (pg_createcluster; needs root, as on a CI machine) and its
own redis-server, never the machine's shared ones. Eight client threads load
the answer page, a drug page and search through gunicorn (2 sync workers).

- Database drill (page cache off, so every request needs PostgreSQL): the
  database stops a third of the way in and starts again 4 s later. Target:
  every response is 200 or 503 (with Retry-After), and 200s are back within
  5 s of the database accepting connections again.
- Cache drill (page cache in Redis): Redis stops a third of the way in and
  comes back two thirds of the way in. Target: every response is 200.

It prints what it saw and exits non-zero if a target was missed.
"""

import argparse
import collections
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stack

ROOT = stack.ROOT
PATHS = [
    "/medical-answers/how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all/",
    "/drugs/besponsa/",
    "/search/?q=besponsa",
    "/search/?q=liver",
    "/search/?q=leukemia+treatment",
]
CLUSTER = "drugref-drill"


class Load:
    """Client threads requesting PATHS until stopped; every answer is kept with its time."""

    def __init__(self, base, threads=8):
        self.base, self.results, self.stopping = base, [], threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self):
        while not self.stopping.is_set():
            start = time.monotonic()
            try:
                with urllib.request.urlopen(self.base + random.choice(PATHS), timeout=10) as response:
                    response.read()
                    outcome = response.status
            except urllib.error.HTTPError as error:
                outcome = (
                    error.code if error.code != 503 or error.headers.get("Retry-After") else "503 without Retry-After"
                )
            except OSError as error:
                outcome = f"socket error: {type(error).__name__}"
            self.results.append((start, outcome, time.monotonic() - start))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()


def postgres_cluster(port):
    version = sorted(os.listdir("/usr/lib/postgresql"), key=int)[-1]
    subprocess.run(["pg_dropcluster", "--stop", version, CLUSTER], capture_output=True)
    subprocess.run(
        ["pg_createcluster", version, CLUSTER, "-p", str(port), "--", "--auth=trust"], check=True, capture_output=True
    )
    control = lambda action: subprocess.run(["pg_ctlcluster", version, CLUSTER, action], check=True)  # noqa: E731
    control("start")
    return version, control


def wait_for(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.monotonic()
        time.sleep(0.05)
    raise RuntimeError("timed out")


def demo_site(env):
    """Migrate the database `env` names, load the demo answers, and serve them with gunicorn."""
    for command in (["migrate", "-v", "0"], ["load_demo", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    return stack.gunicorn(stack.free_port(), env)


def report(name, results, allowed, marks):
    counts = collections.Counter(outcome for _, outcome, _ in results)
    latencies = sorted(seconds for _, _, seconds in results)
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0
    print(f"\n{name}: {len(results)} requests, p99 {p99:.0f} ms")
    for outcome, count in sorted(counts.items(), key=str):
        print(f"  {outcome!s:32} {count:7d}")
    for label, moment in marks:
        print(f"  {label} at {moment - results[0][0]:5.1f} s")
    bad = {outcome: count for outcome, count in counts.items() if outcome not in allowed}
    if bad:
        print(f"  MISSED: responses other than {sorted(allowed)}: {bad}")
    return not bad


def database_drill(duration, env):
    port = stack.free_port()
    version, control = postgres_cluster(port)
    url = f"postgres://postgres@127.0.0.1:{port}/postgres"
    env = env | {"DATABASE_URL": url, "DRUGREF_PAGE_CACHE": "false"}
    ready = lambda: subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)]).returncode == 0  # noqa: E731
    server = None
    try:
        wait_for(ready)
        server = demo_site(env)
        with Load(server.base_url) as load:
            time.sleep(duration / 3)
            stopped = time.monotonic()
            control("stop")
            time.sleep(4)
            control("start")
            back = wait_for(ready)
            time.sleep(max(0.0, duration * 2 / 3 - 4))
        results = sorted(load.results)
        ok = report("PostgreSQL restarted under load", results, {200, 503}, [("stopped", stopped), ("back", back)])
        first_200 = next((start for start, outcome, _ in results if start > back and outcome == 200), None)
        recovery = None if first_200 is None else first_200 - back
        print(f"  200s again {recovery:.2f} s after the database was back (target 5 s)" if recovery is not None else "")
        return ok and recovery is not None and recovery <= 5
    finally:
        if server:
            stack.stop(server)
        subprocess.run(["pg_dropcluster", "--stop", version, CLUSTER], capture_output=True)


def cache_drill(duration, env):
    port = stack.free_port()
    workdir = tempfile.mkdtemp(prefix="drugref-drill-redis-")
    redis_command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", workdir]
    redis = subprocess.Popen(redis_command, stdout=subprocess.DEVNULL, start_new_session=True)
    database = Path(workdir) / "drugref.sqlite3"
    env = env | {"DATABASE_URL": f"sqlite:///{database}", "CACHE_URL": f"redis://127.0.0.1:{port}/0"}
    server = None
    try:
        server = demo_site(env)
        with Load(server.base_url) as load:
            time.sleep(duration / 3)
            stopped = time.monotonic()
            stack.stop(redis)
            time.sleep(duration / 3)
            back = time.monotonic()
            redis = subprocess.Popen(redis_command, stdout=subprocess.DEVNULL, start_new_session=True)
            time.sleep(duration / 3)
        return report("Redis stopped under load", sorted(load.results), {200}, [("stopped", stopped), ("back", back)])
    finally:
        for process in (server, redis):
            if process:
                stack.stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds of load in each drill")
    options = parser.parse_args()
    static_root = tempfile.mkdtemp(prefix="drugref-drill-static-")
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "drill-secret-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_DEBUG": "false",
        "DJANGO_STATIC_ROOT": static_root,
        "GUNICORN_ACCESS_LOG": "",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    try:
        results = [database_drill(options.duration, env), cache_drill(options.duration, env)]
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    print("\nall targets met" if all(results) else "\nTARGET MISSED")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
