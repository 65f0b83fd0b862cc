"""Benchmark import and export at scale on PostgreSQL, beside PostgreSQL's own COPY.

    make bench                        # 100,000 answers, 25,000 drugs, 5,000 conditions
    .venv/bin/python bench/import_export.py --articles 10000 --drugs 2500 --conditions 500

It recreates the database named by BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/drugref_bench), writes a corpus with
bench/corpus.py, and times: import into the empty database (with peak memory),
re-import of the same file (and the rows it wrote), export, and two floors to
compare with: a COPY of the same answer rows into a plain table, and into a
table with the answers' own generated search column and GIN index (read from
the migrated schema), which is work any import of these rows must do.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TARGETS = {"import": 45.0, "re-import": 20.0, "export": 20.0, "peak memory (MB)": 300.0}


def manage(*args, env):
    """Run a manage.py command; return (seconds, peak memory of that process in MB)."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *args], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, child.args)
    return elapsed, usage.ru_maxrss / 1024


def rows_written(url) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        (total,) = conn.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
        ).fetchone()
    return int(total)


def recreate(url):
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def copy_floor(url, corpus, *, search=False) -> float:
    """Time PostgreSQL's COPY of the corpus's answer rows into a plain table (with `search`: and index them).

    The rows go through a CSV file first, so that this process stays small: the
    commands it starts would otherwise count its memory as theirs.
    """
    columns = ("external_id", "slug", "question", "answer", "summary", "state", "reviewed_on")
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as rows:
        writer = csv.writer(rows)
        with open(corpus, encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                if record["kind"] == "article":
                    writer.writerow([record.get(name) for name in columns])
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                f"CREATE TABLE copy_floor ({', '.join(f'{name} text' for name in columns[:-1])}, reviewed_on date)"
            )
            if search:
                (expression,) = conn.execute(
                    "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a"
                    " ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
                    " WHERE a.attrelid = 'monographs_article'::regclass AND a.attname = 'search_vector'"
                ).fetchone()
                generated = f"tsvector GENERATED ALWAYS AS ({expression}) STORED"
                conn.execute(f"ALTER TABLE copy_floor ADD COLUMN search_vector {generated}")
                conn.execute("CREATE INDEX ON copy_floor USING gin (search_vector)")
            rows.seek(0)
            started = time.perf_counter()
            with conn.cursor().copy("COPY copy_floor FROM STDIN WITH (FORMAT csv)") as copy:
                while block := rows.read(1 << 20):
                    copy.write(block)
            elapsed = time.perf_counter() - started
            conn.execute("DROP TABLE copy_floor")
    return elapsed


def corpus_options(parser):
    """Add the corpus's size to a benchmark's options: 100,000 answers unless told otherwise."""
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--drugs", type=int, default=25_000)
    parser.add_argument("--conditions", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)


def write_corpus(options, env) -> Path:
    """Return the corpus file for `options`, writing it with bench/corpus.py the first time."""
    OUT.mkdir(parents=True, exist_ok=True)
    corpus = OUT / f"corpus-{options.articles}-{options.drugs}-{options.conditions}-{options.seed}.jsonl"
    if not corpus.exists():
        print(f"Writing {corpus.name} ...", flush=True)
        size = [f"--articles={options.articles}", f"--drugs={options.drugs}", f"--conditions={options.conditions}"]
        command = [sys.executable, "-m", "bench.corpus", *size, f"--seed={options.seed}", f"--output={corpus}"]
        subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return corpus


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    corpus_options(parser)
    options = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/drugref_bench")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": "bench", "DJANGO_ALLOWED_HOSTS": "localhost"}
    corpus = write_corpus(options, env)

    recreate(url)
    manage("migrate", "--verbosity=0", env=env)
    floor, search_floor = copy_floor(url, corpus), copy_floor(url, corpus, search=True)
    runs = {"import": manage("import_articles", str(corpus), "--verbosity=0", env=env)}
    before = rows_written(url)
    runs["re-import"] = manage("import_articles", str(corpus), "--verbosity=0", env=env)
    written = rows_written(url) - before
    runs["export"] = manage("export_articles", f"--output={OUT / 'export.jsonl'}", "--verbosity=0", env=env)

    print(f"\n{options.articles:,} answers, {options.drugs:,} drugs, {options.conditions:,} conditions on PostgreSQL")
    print(f"COPY of the same answer rows into a plain table: {floor:.1f} s (floor 1)")
    print(f"COPY of them into a table with the answers' search column and GIN index: {search_floor:.1f} s (floor 2)\n")
    print(f"{'':26}{'seconds':>9}{'target':>9}{'x floor 1':>10}{'x floor 2':>10}{'peak MB':>9}")
    for name, (seconds, peak) in runs.items():
        ratios = f"{seconds / floor:10.1f}{seconds / search_floor:10.1f}"
        print(f"{name:26}{seconds:9.1f}{TARGETS[name]:9.0f}{ratios}{peak:9.0f}")
    peak = max(peak for _, peak in runs.values())
    print(f"{'peak memory (MB)':26}{peak:9.0f}{TARGETS['peak memory (MB)']:9.0f}")
    print(f"{'rows written by re-import':26}{written:9d}{0:9d}")


if __name__ == "__main__":
    main()
