"""Load check: 64 connections for 60 s on the answer page (cold and warm cache) and on search.

    make bench-load                              # 60 s per run, on the 100,000-answer database of bench/serve.py
    .venv/bin/python bench/load.py --duration 20

gunicorn (2 sync workers, the production configuration with its JSON access
log) serves the 100,000-answer PostgreSQL database that bench/serve.py loads;
the warm server keeps pages in Redis. Search runs on the cold server, each
request a different drug name, so every search reaches the database. Target:
no response but 2xx and no socket error; the table gives p50 and p99, and each
row's ratio to a floor (a fixed 8 KB page through the same middleware) measured
in the same run.
"""

import argparse
import json
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stack
from bench.import_export import OUT, corpus_options
from bench.serve import ANSWER, REPORT, prepare, wrk

CONNECTIONS = 64


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus_options(parser)
    parser.add_argument("--duration", type=int, default=60, help="seconds of each load run")
    parser.add_argument("--rebuild", action="store_true", help="load the database again even if it is there")
    options = parser.parse_args()
    env, cache_url, drugs, _ = prepare(options)

    searches = OUT / "searches.lua"
    queries = [f"/search/?q={urllib.parse.quote_plus(name)}" for name in drugs]
    searches.write_text(
        "paths = {" + ",".join(json.dumps(q) for q in queries) + "}\n"
        "n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format(nil, paths[(n % #paths) + 1])\nend\n"
        + REPORT.read_text()
    )
    log = open(OUT / "load-gunicorn.log", "wb")  # noqa: SIM115
    servers = []
    try:
        cold = stack.gunicorn(stack.free_port(), env | {"DRUGREF_PAGE_CACHE": "false"}, log=log)
        warm = stack.gunicorn(stack.free_port(), env | {"CACHE_URL": cache_url}, log=log)
        servers += [cold, warm]
        d = options.duration
        print(
            f"\n{options.articles:,} answers on PostgreSQL; gunicorn 2 sync workers; wrk -t2 -c{CONNECTIONS} -d{d}s\n"
        )
        print(f"{'':40}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'socket':>9}{'x floor':>9}{'target':>9}")
        floor, failed = None, False
        for name, url, script, target in (
            ("floor", cold.base_url + "/bench/floor/", None, None),
            ("answer page, cold (page cache off)", cold.base_url + ANSWER, None, None),
            ("answer page, warm (page cache in Redis)", warm.base_url + ANSWER, None, None),
            (f"search, {len(queries)} different queries", cold.base_url + "/", searches, 0.15),
        ):
            wrk(url, 2, connections=CONNECTIONS, script=script)  # warm up
            figures = wrk(url, d, connections=CONNECTIONS, script=script)
            floor = floor or figures["rps"]
            failed |= bool(figures["non_2xx"] or figures["socket_errors"])
            print(
                f"{name:40}{figures['rps']:9.0f}{figures['p50_ms']:9.1f}{figures['p99_ms']:9.1f}"
                f"{figures['non_2xx']:9d}{figures['socket_errors']:9d}{figures['rps'] / floor:9.2f}"
                f"{'' if target is None else f'{target:9.2f}'}",
                flush=True,
            )
    finally:
        for process in servers:
            stack.stop(process)
        log.close()
    print("\nTARGET MISSED: non-2xx responses or socket errors" if failed else "\nno non-2xx, no socket errors")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
