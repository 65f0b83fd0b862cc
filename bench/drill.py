"""Fault drills: restart PostgreSQL, then stop Redis, while gunicorn serves pages under load; purges lost and found.

    make drill                               # every drill, 30 s of load each
    .venv/bin/python bench/drill.py --duration 20
    .venv/bin/python bench/drill.py --only purges

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
- Purge drills (two app servers sharing a page cache in Redis, Varnish in
  front of one; purges reach Varnish through a path the drill can break):
  Redis paused while an answer is withdrawn, then resumed; Redis stopped
  while the answer is restored and signed off, then restarted with its data
  (its old pages and tags); the path to Varnish broken for 20 s while the
  answer is withdrawn again. Target: no app server or Varnish serves the old
  page more than 10 s after the cache or the path is back.

It prints what it saw and exits non-zero if a target was missed.
"""

import argparse
import collections
import os
import random
import shutil
import signal
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
# A cluster of this run's own: two drills on one machine never drop each other's.
CLUSTER = f"drugref-drill-{os.getpid()}"


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


ANSWER = PATHS[0]
SLUG = ANSWER.split("/")[2]
# Editorial steps, run as an editor's app server would run them: in a process of their own.
STEPS = {
    "accounts": (
        "from django.contrib.auth.models import User; from monographs.models import Reviewer; "
        "[User.objects.create_superuser(n, password='drill') for n in ('editor', 'pharmacist')]; "
        "Reviewer.objects.create(name='Pat Pharmacist', credentials='PharmD', slug='pat-pharmacist', "
        "user=User.objects.get(username='pharmacist'))"
    ),
    "withdraw": (
        "from django.contrib.auth.models import User; from monographs import editorial; "
        "from monographs.models import Article; "
        f"editorial.withdraw(Article.objects.get(slug='{SLUG}'), User.objects.get(username='pharmacist'), 'Drill')"
    ),
    "restore and sign off": (
        "from django.contrib.auth.models import User; from monographs import editorial; "
        "from monographs.models import Article; "
        f"a = Article.objects.get(slug='{SLUG}'); e = User.objects.get(username='editor'); "
        "editorial.restore(a, editorial.latest_revision(a), e); editorial.submit_for_review(a, e); "
        "editorial.sign_off(a, user=User.objects.get(username='pharmacist'), "
        "revision_number=editorial.latest_revision(a).number)"
    ),
}


def step(env, name):
    """Run an editorial step in a process of its own; it purges what it changed, as any app server does."""
    subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", STEPS[name]], cwd=ROOT, env=env, check=True)


def stale_for(bases, expected, since):
    """Poll every base until each answers `expected` for the answer; return seconds after `since` of the last other."""
    last_stale = since
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        statuses = []
        for base in bases:
            try:
                with urllib.request.urlopen(base + ANSWER, timeout=5) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
            except OSError:
                statuses.append(None)
        if all(status == expected for status in statuses):
            return last_stale - since
        last_stale = time.monotonic()
        time.sleep(0.1)
    return float("inf")


def purge_drill(env):
    port = stack.free_port()
    workdir = tempfile.mkdtemp(prefix="drugref-drill-purges-")
    # Redis keeps its data across a restart (append-only file): the old pages come back with it.
    redis_command = [
        *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir),
        *("--save", "", "--appendonly", "yes", "--appendfsync", "always"),
    ]
    redis = subprocess.Popen(redis_command, stdout=subprocess.DEVNULL, start_new_session=True)
    varnish_port = stack.free_port()
    purge_path = stack.Relay(varnish_port)
    purge_path.up()
    env = env | {
        "DATABASE_URL": f"sqlite:///{Path(workdir) / 'drugref.sqlite3'}",
        "CACHE_URL": f"redis://127.0.0.1:{port}/0",
        "DRUGREF_FRONT_CACHE_PURGE": "xkey",
        "DRUGREF_FRONT_CACHE_URLS": purge_path.url,
    }
    servers = []
    try:
        servers.append(demo_site(env))
        servers.append(stack.gunicorn(stack.free_port(), env))
        servers.append(stack.varnish(varnish_port, backend_port=int(servers[0].base_url.rsplit(":", 1)[1])))
        bases = [servers[0].base_url, servers[1].base_url, f"http://127.0.0.1:{varnish_port}"]
        step(env, "accounts")
        results = []

        def warm():
            for _ in range(3):
                for base in bases:
                    urllib.request.urlopen(base + ANSWER, timeout=5).close()

        warm()
        redis.send_signal(signal.SIGSTOP)
        step(env, "withdraw")
        time.sleep(5)
        redis.send_signal(signal.SIGCONT)
        results.append(("Redis paused while withdrawn, resumed", stale_for(bases, 410, time.monotonic())))

        stack.stop(redis)
        step(env, "restore and sign off")
        redis = subprocess.Popen(redis_command, stdout=subprocess.DEVNULL, start_new_session=True)
        wait_for(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0)
        results.append(("Redis restarted with its data after a sign-off", stale_for(bases, 200, time.monotonic())))

        warm()
        purge_path.down()
        step(env, "withdraw")
        time.sleep(20)
        purge_path.up()
        results.append(("Varnish unreachable 20 s while withdrawn", stale_for(bases, 410, time.monotonic())))

        print("\nPurges lost and found: the old page served after the cache or path was back (target 10 s)")
        for label, seconds in results:
            print(f"  {label:50} {seconds:5.1f} s")
        worst = max(seconds for _, seconds in results)
        print(f"  longest {worst:.1f} s")
        return worst <= 10
    finally:
        purge_path.down()
        for process in (*servers, redis):
            if process:
                stack.stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


DRILLS = {"database": database_drill, "cache": cache_drill, "purges": lambda duration, env: purge_drill(env)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds of load in each drill")
    parser.add_argument("--only", choices=sorted(DRILLS), action="append", help="run this drill (repeatable)")
    options = parser.parse_args()
    static_root = tempfile.mkdtemp(prefix="drugref-drill-static-")
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "drill-secret-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_DEBUG": "false",
        "DJANGO_STATIC_ROOT": static_root,
        "GUNICORN_ACCESS_LOG": "",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    try:
        results = [DRILLS[name](options.duration, env) for name in options.only or DRILLS]
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    print("\nall targets met" if all(results) else "\nTARGET MISSED")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
