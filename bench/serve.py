"""Benchmark page serving at scale: drugref on 100,000 answers beside a floor view, in one run.

    make bench-serve                                   # the full run (about 5 minutes once the data is loaded)
    .venv/bin/python bench/serve.py --duration 5       # shorter load runs
    .venv/bin/python bench/serve.py --rebuild          # reload the 100,000-answer database first

It loads the corpus of bench/import_export.py into the PostgreSQL database
BENCH_SERVE_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/drugref_serve)
once, with the demo answers on top, and keeps it for later runs. It then starts,
on loopback: gunicorn (2 sync workers) with the page cache in Redis
(BENCH_SERVE_CACHE_URL, default redis://127.0.0.1:6379/14, emptied first);
gunicorn with the page cache off; Varnish in front of the first; and, if nginx
is installed, nginx serving a saved copy of the answer page. wrk loads each
(2 threads, 16 connections, like the peer benchmark) and the table gives each
row's ratio to the floor: a fixed 8 KB page through the same middleware.
"""

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stack
from bench.import_export import OUT, corpus_options, manage, recreate, write_corpus

ROOT = stack.ROOT
ANSWER = "/medical-answers/how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all/"
API_ANSWER = "/api/v1/answers/how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all/"
REPORT = Path(__file__).resolve().parent / "wrk_report.lua"
ADMIN_USER, ADMIN_PASSWORD = "bench-admin", "bench-admin-password-5a8e"


def database_ready(url, articles) -> bool:
    try:
        with psycopg.connect(url) as conn:
            (count,) = conn.execute("SELECT count(*) FROM monographs_article").fetchone()
            (demo,) = conn.execute(
                "SELECT count(*) FROM monographs_article WHERE slug = %s", [ANSWER.split("/")[2]]
            ).fetchone()
            return count >= articles and demo == 1
    except psycopg.Error:
        return False


def load_database(url, options, env):
    corpus = write_corpus(options, env)
    print("Loading it into a new database (a few minutes) ...", flush=True)
    recreate(url)
    manage("migrate", "--verbosity=0", env=env)
    manage("import_articles", str(corpus), "--verbosity=0", env=env)
    manage("load_demo", "--verbosity=0", env=env)


def wrk(url, duration, headers=(), connections=16, script=None):
    """Load `url` for `duration` seconds; return wrk's figures."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", str(script or REPORT)]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def measure(url, duration, headers=()):
    wrk(url, 2, headers)  # warm up: workers started, connections open, pages cached
    return wrk(url, duration, headers)


def misspelled(name: str) -> str:
    """Return `name` with two letters in its middle swapped, as a hurried reader types it."""
    middle = len(name) // 2
    return name[: middle - 1] + name[middle] + name[middle - 1] + name[middle + 1 :] if len(name) > 3 else name


def timings(opener, urls) -> tuple[float, float]:
    """Return p50 and p95 in ms of single requests, one after another."""
    seconds = []
    for url in urls:
        started = time.perf_counter()
        with opener.open(url, timeout=30) as response:
            response.read()
            assert response.status == 200, url
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    return statistics.median(seconds) * 1000, seconds[int(len(seconds) * 0.95) - 1] * 1000


def admin_opener(base):
    """Return a URL opener logged in to the admin as the benchmark's superuser."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/admin/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": ADMIN_USER, "password": ADMIN_PASSWORD, "next": "/admin/"}
    )
    opener.open(urllib.request.Request(base + "/admin/login/", data=data.encode(), headers={"Referer": base}))
    return opener


def worker_memory(master) -> list[float]:
    """Return the resident memory (MB) of each gunicorn worker of `master`."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def nginx(port, html):
    """Serve `html` at ANSWER with nginx, as a static copy of the page; None if nginx is not installed."""
    binary = next((p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.path.exists(p)), None)
    if binary is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="drugref-nginx-"))
    page = root / "www" / ANSWER.strip("/") / "index.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(html)
    (root / "nginx.conf").write_text(
        f"daemon off; worker_processes 2; pid {root}/nginx.pid; error_log {root}/error.log;\n"
        "events { worker_connections 1024; }\n"
        f"http {{ access_log off; sendfile on; client_body_temp_path {root}; proxy_temp_path {root};\n"
        f"  fastcgi_temp_path {root}; uwsgi_temp_path {root}; scgi_temp_path {root};\n"
        f"  server {{ listen 127.0.0.1:{port}; root {root}/www; }} }}\n"
    )
    process = subprocess.Popen(
        [binary, "-p", str(root), "-c", str(root / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    process.workdir = root
    stack.wait_until_up(f"http://127.0.0.1:{port}{ANSWER}", process)
    return process


def prepare(options):
    """Load (once) and migrate the benchmark database, collect static files, empty the Redis page cache.

    Returns the app servers' environment, the Redis URL, 200 drug names and 2,000 answer slugs.
    """
    url = os.environ.get("BENCH_SERVE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/drugref_serve")
    cache_url = os.environ.get("BENCH_SERVE_CACHE_URL", "redis://127.0.0.1:6379/14")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": "bench-serve-secret-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
        # The benchmark talks plain HTTP on loopback: cookies must not be HTTPS-only.
        "DJANGO_SECURE_COOKIES": "false",
        # One key makes every API request: its limit a minute is still counted, never reached.
        "DRUGREF_API_REQUESTS_PER_MINUTE": "1000000000",
    }
    if options.rebuild or not database_ready(url, options.articles):
        load_database(url, options, env)
    manage("migrate", "--verbosity=0", env=env)
    manage("collectstatic", "--noinput", "--verbosity=0", env=env)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "createsuperuser",
            "--noinput",
            f"--username={ADMIN_USER}",
            "--email=b@example.org",
        ],
        env={**env, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD},
        capture_output=True,
    )
    import redis

    redis.Redis.from_url(cache_url).flushdb()
    with psycopg.connect(url) as conn:
        drugs = [row[0] for row in conn.execute("SELECT brand_name FROM monographs_drug ORDER BY random() LIMIT 200")]
        answers = [row[0] for row in conn.execute(
            "SELECT slug FROM monographs_article WHERE state = 'published' ORDER BY random() LIMIT 2000"
        )]  # fmt: skip

    key = manage_output("create_api_key", "bench partner", env=env).splitlines()[-1]
    return env, cache_url, drugs, answers, key


def manage_output(*args, env) -> str:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, capture_output=True, text=True, check=True
    ).stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus_options(parser)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each load run")
    parser.add_argument("--memory-requests", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true", help="load the database again even if it is there")
    options = parser.parse_args()

    env, cache_url, drugs, answers, key = prepare(options)
    api_key = f"Authorization: Api-Key {key}"
    ports = {name: stack.free_port() for name in ("warm", "cold", "local", "varnish", "nginx")}
    warm_env = env | {"CACHE_URL": cache_url}
    cold_env = env | {"DRUGREF_PAGE_CACHE": "false"}
    servers = {}
    log = open(OUT / "serve-gunicorn.log", "wb")  # noqa: SIM115
    try:
        servers["warm"] = stack.gunicorn(ports["warm"], warm_env, log=log)
        servers["cold"] = stack.gunicorn(ports["cold"], cold_env, log=log)
        # The page cache in each worker's own memory, asked for (the default keeps pages only in a shared
        # cache: another process's purge cannot reach a worker's memory). A measure of the cache's own cost.
        servers["local"] = stack.gunicorn(ports["local"], env | {"DRUGREF_PAGE_CACHE": "true"}, log=log)
        servers["varnish"] = stack.varnish(ports["varnish"], backend_port=ports["warm"])
        warm, cold, front = (f"http://127.0.0.1:{ports[n]}" for n in ("warm", "cold", "varnish"))
        etag = urllib.request.urlopen(warm + ANSWER).headers["ETag"]
        html = urllib.request.urlopen(cold + ANSWER).read()
        servers["nginx"] = nginx(ports["nginx"], html)

        d = options.duration
        print(f"\n{options.articles:,} answers on PostgreSQL; gunicorn 2 sync workers; wrk -t2 -c16 -d{d}s\n")
        print(f"{'':42}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'x floor':>9}{'target':>9}")
        results = {}

        def row(name, url, target=None, headers=()):
            figures = results[name] = measure(url, d, headers)
            ratio = figures["rps"] / results["floor"]["rps"] if "floor" in results else 1.0
            print(
                f"{name:42}{figures['rps']:9.0f}{figures['p50_ms']:9.2f}{figures['p99_ms']:9.2f}"
                f"{figures['non_2xx'] + figures['socket_errors']:9d}{ratio:9.2f}"
                f"{'' if target is None else f'{target:9.2f}'}",
                flush=True,
            )

        row("floor", cold + "/bench/floor/")
        row("answer page, cold (cache off)", cold + ANSWER, 0.15)
        row("answer page, warm (page cache in Redis)", warm + ANSWER, 0.8)
        row("answer page, warm (in local memory)", f"http://127.0.0.1:{ports['local']}{ANSWER}", 0.8)
        row("answer page, 304 (If-None-Match)", warm + ANSWER, headers=[f"If-None-Match: {etag}"])
        for name, path in (
            ("drug page", "/drugs/besponsa/"),
            ("letter page", "/drugs/letter/b/"),
            ("search", "/search/?q=leukemia+treatment"),
            ("sitemap.xml", "/sitemap.xml"),
        ):
            row(f"{name}, cold", cold + path)
            row(f"{name}, warm", warm + path)
        # The content API: the same answer as JSON, the key checked and counted on every request.
        row("API answer, cold (cache off)", cold + API_ANSWER, headers=[api_key])
        row("API answer, warm (page cache in Redis)", warm + API_ANSWER, 0.7, headers=[api_key])
        cold_api, cold_page = results["API answer, cold (cache off)"], results["answer page, cold (cache off)"]
        print(f"{'':42}API answer cold / answer page cold: {cold_api['rps'] / cold_page['rps']:.2f} (target 1.00)")
        row("answer page through Varnish", front + ANSWER)
        if servers["nginx"]:
            row("nginx: static copy of the answer page", f"http://127.0.0.1:{ports['nginx']}{ANSWER}")
            ratio = (
                results["answer page through Varnish"]["rps"] / results["nginx: static copy of the answer page"]["rps"]
            )
            print(f"\nVarnish / nginx static copy: {ratio:.2f} (target 0.5)")

        print("\nsingle requests, one after another        p50 ms   p95 ms   target p95")
        opener = urllib.request.build_opener()
        partner = urllib.request.build_opener()
        partner.addheaders = [("Authorization", api_key.split(": ", 1)[1])]
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            last = conn.execute("SELECT coalesce(max(id), 0) FROM monographs_contentchange").fetchone()[0]
        admin = admin_opener(cold)
        for name, timed, target in (
            (
                f"search ({len(drugs)} queries)",
                lambda: timings(opener, [f"{cold}/search/?q={urllib.parse.quote(x)}" for x in drugs]),
                25,
            ),
            (
                f"search, misspelled: suggestions ({len(drugs)})",
                lambda: timings(opener, [f"{cold}/search/?q={urllib.parse.quote(misspelled(x))}" for x in drugs]),
                40,
            ),
            (
                f"suggestions as you type ({len(drugs)})",
                lambda: timings(opener, [f"{cold}/search/suggest/?q={urllib.parse.quote(x[:4])}" for x in drugs]),
                25,
            ),
            (
                "API changes feed (100 pages of 100)",
                lambda: timings(
                    partner, [f"{cold}/api/v1/changes/?after={last * n // 100}&limit=100" for n in range(100)]
                ),
                20,
            ),
            (
                "admin answer list (30 pages)",
                lambda: timings(admin, [f"{cold}/admin/monographs/article/?p={n}" for n in range(30)]),
                300,
            ),
            (
                "admin search (30 queries)",
                lambda: timings(
                    admin, [f"{cold}/admin/monographs/article/?q={urllib.parse.quote(x)}" for x in drugs[:30]]
                ),
                300,
            ),
        ):
            p50, p95 = timed()
            print(f"{name:42}{p50:7.1f}{p95:9.1f}{target:11d}", flush=True)

        script = OUT / "paths.lua"
        script.write_text(
            "paths = {" + ",".join(json.dumps(f"/medical-answers/{slug}/") for slug in answers) + "}\n"
            "n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format(nil, paths[(n % #paths) + 1])\nend\n"
            + REPORT.read_text()
        )
        # Every page rendered and cached once first, then read again: what grows after that would be a leak.
        wrk(warm + "/", 20, script=script)
        readings, served = [(0, worker_memory(servers["warm"]))], 0
        while served < options.memory_requests:
            served += wrk(warm + "/", 15, script=script)["requests"]
            readings.append((served, worker_memory(servers["warm"])))
        print(f"\ngunicorn worker memory (MB) after every page of {len(answers):,} answers was cached, then:")
        for count, sizes in readings:
            print(f"  {count:>8,} more requests: {', '.join(f'{size:.0f}' for size in sizes)}")
    finally:
        for process in servers.values():
            if process:
                stack.stop(process)
        log.close()


if __name__ == "__main__":
    main()
