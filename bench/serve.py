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
from bench.import_export import OUT, manage, recreate

ROOT = stack.ROOT
ANSWER = "/medical-answers/how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all/"
REPORT = Path(__file__).resolve().parent / "wrk_report.lua"
ADMIN_USER, ADMIN_PASSWORD = "bench-admin", "bench-admin-password-5a8e"


def database_ready(url, articles) -> bool:
    try:
        with psycopg.connect(url) as conn:
            (live,) = conn.execute("SELECT count(*) FROM monographs_article WHERE state = 'published'").fetchone()
            (demo,) = conn.execute(
                "SELECT count(*) FROM monographs_article WHERE slug = %s", [ANSWER.split("/")[2]]
            ).fetchone()
            return live >= articles and demo == 1
    except psycopg.Error:
        return False


def load_database(url, options, env):
    corpus = OUT / f"corpus-{options.articles}-{options.drugs}-{options.conditions}-1.jsonl"
    OUT.mkdir(parents=True, exist_ok=True)
    if not corpus.exists():
        print(f"Writing {corpus.name} ...", flush=True)
        manage(
            "make_corpus",
            f"--articles={options.articles}",
            f"--drugs={options.drugs}",
            f"--conditions={options.conditions}",
            f"--output={corpus}",
            env=env,
        )
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--drugs", type=int, default=25_000)
    parser.add_argument("--conditions", type=int, default=5_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each load run")
    parser.add_argument("--memory-requests", type=int, default=50_000)
    parser.add_argument("--rebuild", action="store_true", help="load the database again even if it is there")
    options = parser.parse_args()

    url = os.environ.get("BENCH_SERVE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/drugref_serve")
    cache_url = os.environ.get("BENCH_SERVE_CACHE_URL", "redis://127.0.0.1:6379/14")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": "bench-serve-secret-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
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

    ports = {name: stack.free_port() for name in ("warm", "cold", "varnish", "nginx")}
    warm_env = env | {"CACHE_URL": cache_url}
    cold_env = env | {"DRUGREF_PAGE_CACHE": "false"}
    servers = {}
    log = open(OUT / "serve-gunicorn.log", "wb")  # noqa: SIM115
    try:
        servers["warm"] = stack.gunicorn(ports["warm"], warm_env, log=log)
        servers["cold"] = stack.gunicorn(ports["cold"], cold_env, log=log)
        servers["varnish"] = stack.varnish(ports["varnish"], backend_port=ports["warm"])
        warm, cold, front = (f"http://127.0.0.1:{ports[n]}" for n in ("warm", "cold", "varnish"))
        etag = urllib.request.urlopen(warm + ANSWER).headers["ETag"]
        html = urllib.request.urlopen(cold + ANSWER).read()
        servers["nginx"] = nginx(ports["nginx"], html)

        d = options.duration
        rows = [("floor: fixed 8 KB page, same middleware", measure(cold + "/bench/floor/", d), None)]
        rows += [
            ("answer page, cold (cache off)", measure(cold + ANSWER, d), 0.15),
            ("answer page, warm (page cache)", measure(warm + ANSWER, d), 0.8),
            ("answer page, 304 (If-None-Match)", measure(warm + ANSWER, d, [f"If-None-Match: {etag}"]), None),
        ]
        for name, path in (
            ("drug page", "/drugs/besponsa/"),
            ("letter page", "/medical-answers/letter/h/"),
            ("search", "/search/?q=leukemia+treatment"),
            ("sitemap.xml", "/sitemap.xml"),
        ):
            rows.append((f"{name}, cold", measure(cold + path, d), None))
            rows.append((f"{name}, warm", measure(warm + path, d), None))
        rows.append(("answer page through Varnish", measure(front + ANSWER, d), None))
        if servers["nginx"]:
            static = measure(f"http://127.0.0.1:{ports['nginx']}{ANSWER}", d)
            rows.append(("nginx: static copy of the answer page", static, None))

        opener = urllib.request.build_opener()
        search = timings(opener, [f"{cold}/search/?q={urllib.parse.quote(drug)}" for drug in drugs])
        admin = admin_opener(cold)
        listing = timings(admin, [f"{cold}/admin/monographs/article/?p={n}" for n in range(30)])
        admin_search = timings(
            admin, [f"{cold}/admin/monographs/article/?q={urllib.parse.quote(drug)}" for drug in drugs[:30]]
        )

        before = worker_memory(servers["warm"])
        script = OUT / "paths.lua"
        script.write_text(
            "paths = {" + ",".join(json.dumps(f"/medical-answers/{slug}/") for slug in answers) + "}\n"
            "n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format(nil, paths[(n % #paths) + 1])\nend\n"
            + REPORT.read_text()
        )
        served = 0
        while served < options.memory_requests:
            served += wrk(warm + "/", 15, script=script)["requests"]
        after = worker_memory(servers["warm"])
    finally:
        for process in servers.values():
            if process:
                stack.stop(process)
        log.close()

    floor = rows[0][1]["rps"]
    print(f"\n{options.articles:,} answers on PostgreSQL; gunicorn 2 sync workers; wrk -t2 -c16 -d{d}s\n")
    print(f"{'':42}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'x floor':>9}{'target':>9}")
    for name, figures, target in rows:
        print(
            f"{name:42}{figures['rps']:9.0f}{figures['p50_ms']:9.2f}{figures['p99_ms']:9.2f}"
            f"{figures['non_2xx'] + figures['socket_errors']:9d}{figures['rps'] / floor:9.2f}"
            f"{'' if target is None else f'{target:9.2f}'}"
        )
    by_name = {name: figures["rps"] for name, figures, _ in rows}
    if servers.get("nginx"):
        ratio = by_name["answer page through Varnish"] / by_name["nginx: static copy of the answer page"]
        print(f"\nVarnish / nginx static copy: {ratio:.2f} (target 0.5)")
    print("\nsingle requests, one after another        p50 ms   p95 ms   target p95")
    for name, (p50, p95), target in (
        (f"search ({len(drugs)} queries)", search, 50),
        ("admin answer list (30 pages)", listing, 300),
        ("admin search (30 queries)", admin_search, 300),
    ):
        print(f"{name:42}{p50:7.1f}{p95:9.1f}{target:11d}")
    print(
        f"\ngunicorn worker memory, MB: {', '.join(f'{m:.0f}' for m in before)} before, "
        f"{', '.join(f'{m:.0f}' for m in after)} after {served:,} more requests over {len(answers):,} answers"
    )


if __name__ == "__main__":
    main()
