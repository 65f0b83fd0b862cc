"""Import answers from files: read every file, check the whole run, then load it.

Each format is a small parser that turns a file into plain records
(`records`); one validator checks them (`validate`) and one loader writes
them (`load`), all or nothing. Files are read as streams, twice: once to
check, once to load, so memory stays flat whatever their size.
"""

import getpass
from collections import defaultdict
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from ..models import KIND_OF_LIST, SUBJECT_KINDS, Article, Condition, Drug
from .formats import jsonl, markdown, page_text
from .load import Loader, LoadResult
from .records import ArticleRecord, InvalidInput, Problem, SubjectRecord
from .validate import RunCheck

# A new format is a parser and a line here.
FORMATS = {"text": page_text.parse_file, "jsonl": jsonl.parse_file, "markdown": markdown.parse_file}
EXTENSIONS = {".txt": "text", ".jsonl": "jsonl", ".md": "markdown", ".markdown": "markdown"}


def _no_progress(iterable, description, total=None):
    return iterable


def expand_paths(paths, fmt=None) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Return (file, format) for every file named, searching directories recursively."""
    files, problems = [], []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS)
            files += [(p, fmt or EXTENSIONS[p.suffix.lower()]) for p in found]
        elif not path.exists():
            problems.append(Problem(str(path), None, "file", "does not exist"))
        elif fmt or path.suffix.lower() in EXTENSIONS:
            files.append((path, fmt or EXTENSIONS[path.suffix.lower()]))
        else:
            known = ", ".join(EXTENSIONS)
            problems.append(Problem(str(path), None, "file", f"unknown format; expected {known}, or give --format"))
    return files, problems


def read(files):
    """Yield every record and problem of the files, in order, as a stream."""
    for path, fmt in files:
        yield from FORMATS[fmt](path)


def import_paths(paths, *, fmt=None, dry_run=False, run_by=None, on_draft="merge", progress=_no_progress) -> LoadResult:
    """Import every file under `paths` in one transaction, or raise InvalidInput naming every problem.

    `on_draft` says what to do with a live answer that has a pending draft: take the change into the
    draft ("merge"), or refuse the run ("refuse"); see editorial.take_into_drafts.
    """
    files, problems = expand_paths(paths, fmt)
    check = RunCheck(today=timezone.localdate())
    subjects, inline, articles = {}, defaultdict(dict), 0
    for item in progress(read(files), "Checking"):
        if isinstance(item, Problem):
            problems.append(item)
            continue
        check.add(item)
        _collect_inline(item, inline)
        if isinstance(item, SubjectRecord):
            subjects[(item.kind, item.key)] = item
        else:
            articles += 1
    problems += check.finish()
    if problems:
        raise InvalidInput(sorted(problems, key=lambda p: (p.path, p.line or 0)))
    answers, targets = check.answer_keys()
    del check  # its locations and references are no longer needed: keep the peak low

    with transaction.atomic():
        loader = Loader(
            run_by=run_by if run_by is not None else getpass.getuser(),
            files=[str(path) for path, _ in files],
            on_draft=on_draft,
        )
        loader.load_subjects(subjects, inline)
        del subjects, inline
        loader.assign_ids(answers, targets)
        del answers, targets
        records = (r for r in read(files) if isinstance(r, ArticleRecord))
        loader.load_articles(progress(records, "Loading", total=articles))
        result = loader.finish()
        if result.batch:
            _refresh_statistics()
        if dry_run:
            transaction.set_rollback(True)
    if result.batch and not dry_run:
        _fold_in_pending_index_entries()
    return result


def _refresh_statistics():
    """After a bulk load, let PostgreSQL's planner see the new rows before autovacuum does."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE monographs_article, monographs_revision, monographs_signoff, monographs_article_drugs, "
                "monographs_article_conditions, monographs_article_support_groups, monographs_relatedquestion, "
                "monographs_readnext, monographs_drug, monographs_condition, monographs_reviewer"
            )


def _fold_in_pending_index_entries():
    """Move new rows' entries into the search and trigram (GIN) indexes proper, as vacuum would later.

    A GIN index takes new rows into a pending list that every search reads
    through entry by entry until vacuum folds it in: after a large import,
    searches were several times slower until autovacuum came round.
    """
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Article, Drug, Condition)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT gin_clean_pending_list(i.indexrelid::regclass) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
            " WHERE a.amname = 'gin' AND i.indrelid = ANY(%s::regclass[])",
            [tables],
        )


def _collect_inline(record, inline):
    """Remember subjects a record names, so the loader can create the missing ones."""

    def add(kind, name, **fields):
        inline[kind].setdefault(SUBJECT_KINDS[kind].key(name, fields.get("credentials", "")), {"name": name, **fields})

    if isinstance(record, SubjectRecord):
        for field in SUBJECT_KINDS[record.kind].lists:
            for name in record.fields.get(field, []):
                add(KIND_OF_LIST[field].name, name)
        return
    for drug in record.drugs:
        add("drug", drug.brand_name, generic_name=drug.generic_name)
    for condition in record.conditions:
        add("condition", condition.name, abbreviation=condition.abbreviation)
    for group in record.support_groups or []:
        add("support_group", group.name)
    if record.reviewer:
        add("reviewer", record.reviewer.name, credentials=record.reviewer.credentials)
