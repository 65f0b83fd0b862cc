"""`manage.py import_articles`: all or nothing, idempotent, clear errors."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from monographs.models import Article, Condition, Drug, Reviewer

from .support import SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")
pytestmark = pytest.mark.django_db


def run(*args, **options):
    out = StringIO()
    call_command("import_articles", *map(str, args), stdout=out, **options)
    return out.getvalue()


def dump():
    out = StringIO()
    call_command("dumpdata", "monographs", indent=1, stdout=out)
    return out.getvalue()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_importing_the_seed_creates_a_published_reviewed_answer():
    assert re.search(r"Import batch \d+: 1 created, 0 updated, 0 unchanged", run(SEED))
    article = Article.objects.live().get()
    assert article.question == "How does Besponsa work to treat Acute Lymphoblastic Leukemia (ALL)?"
    assert str(article.reviewer) == "Judith Stewart, BPharm"
    assert article.reviewed_on.isoformat() == "2024-03-12"
    assert [str(d) for d in article.drugs.all()] == ["Besponsa"]
    assert [str(c) for c in article.conditions.all()] == ["Acute Lymphoblastic Leukemia (ALL)"]
    assert article.answer_html.count("<p>") == 7


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN indexes' pending lists are PostgreSQL's")
def test_an_import_leaves_no_pending_entries_in_the_search_indexes(tmp_path):
    write(tmp_path, "more.txt", SEED_TEXT.replace("How does Besponsa work", "How quickly does Besponsa work"))
    run(SEED, tmp_path)
    with connection.cursor() as cursor:
        # Folding in again finds nothing left: searches read no pending list entry by entry.
        cursor.execute(
            "SELECT c.relname, gin_clean_pending_list(c.oid::regclass) FROM pg_class c"
            " JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin' AND c.relname LIKE %s",
            ["%trgm_idx"],
        )
        pending = dict(cursor.fetchall())
    assert {"article_question_trgm_idx", "drug_brand_name_trgm_idx", "condition_name_trgm_idx"} <= set(pending)
    assert set(pending.values()) == {0}


def test_reimporting_the_same_file_changes_nothing_at_all():
    run(SEED)
    before = dump()
    assert "Nothing changed, nothing written: 0 created, 0 updated, 1 unchanged" in run(SEED)
    assert dump() == before


def test_existing_reviewer_drug_and_condition_are_matched_not_duplicated(reviewer, drug, condition):
    run(SEED)
    assert (Reviewer.objects.count(), Drug.objects.count(), Condition.objects.count()) == (1, 1, 1)
    assert Article.objects.get().reviewer == reviewer


def test_a_changed_file_updates_the_article_in_place(tmp_path):
    run(SEED)
    article = Article.objects.get()
    changed = write(tmp_path, "besponsa.txt", SEED_TEXT.replace("one-hour", "60-minute"))
    out = run(changed, verbosity=2)
    assert f"updated {article.slug}: answer" in out
    updated = Article.objects.get()
    assert updated.pk == article.pk
    assert "60-minute intravenous infusion" in updated.answer_html
    assert updated.created_at == article.created_at
    assert updated.updated_at > article.updated_at


def test_a_new_review_date_updates_the_byline(tmp_path):
    run(SEED)
    run(write(tmp_path, "b.txt", SEED_TEXT.replace("March 12, 2024", "April 2, 2024")))
    assert Article.objects.get().reviewed_on.isoformat() == "2024-04-02"


def test_a_malformed_file_exits_non_zero_naming_file_and_line_and_writes_nothing(tmp_path):
    bad = write(tmp_path, "bad.txt", SEED_TEXT.replace("March 12, 2024", "sometime"))
    with pytest.raises(CommandError) as caught:
        run(bad)
    message = str(caught.value)
    assert f"{bad}:5: reviewed_on: expected a date like “March 12, 2024”, found “sometime”" in message
    assert "nothing was imported" in message
    assert "Traceback" not in message
    assert not Reviewer.objects.exists()


def test_several_paths_import_in_one_transaction(tmp_path):
    good = write(tmp_path, "good.txt", SEED_TEXT)
    bad = write(tmp_path, "bad.txt", "Skip to main content\n\nA question?\n\nOfficial answer\n\nText.\n")
    with pytest.raises(CommandError) as caught:
        run(good, bad)
    assert f"{bad}:5: reviewed_by:" in str(caught.value)
    assert not Article.objects.exists()
    assert not Drug.objects.exists()


def test_every_problem_in_the_run_is_reported(tmp_path):
    first = write(tmp_path, "one.txt", "")
    second = write(tmp_path, "two.txt", SEED_TEXT.replace("Official answer", "Answer"))
    with pytest.raises(CommandError) as caught:
        run(first, second)
    message = str(caught.value)
    assert f"{first}:1: question:" in message
    assert f"{second}:7: answer:" in message
    assert "2 problems found" in message


def test_two_files_with_the_same_question_are_refused(tmp_path):
    first = write(tmp_path, "a.txt", SEED_TEXT)
    second = write(tmp_path, "b.txt", SEED_TEXT)
    with pytest.raises(CommandError, match=rf"{second}:3: slug: .* is also used by {first}:3"):
        run(first, second)


def test_a_review_date_in_the_future_is_refused(tmp_path):
    future = write(tmp_path, "f.txt", SEED_TEXT.replace("March 12, 2024", "March 12, 2999"))
    with pytest.raises(CommandError, match=r"f.txt:5: reviewed_on: March 12, 2999 is in the future"):
        run(future)


def test_missing_files_and_unknown_formats_are_named(tmp_path):
    other = write(tmp_path, "notes.docx", "x")
    with pytest.raises(CommandError) as caught:
        run(tmp_path / "missing.txt", other)
    assert f"{tmp_path / 'missing.txt'}: file: does not exist" in str(caught.value)
    assert f"{other}: file: unknown format" in str(caught.value)


def test_a_directory_is_searched_recursively(tmp_path):
    write(tmp_path, "besponsa.txt", SEED_TEXT)
    (tmp_path / "more").mkdir()
    write(tmp_path / "more", "other.txt", SEED_TEXT.replace("How does Besponsa work", "How does Besponsa act"))
    assert "2 created" in run(tmp_path)


def test_dry_run_counts_but_writes_nothing():
    out = run(SEED, dry_run=True)
    assert "Dry run, nothing written: would have 1 created" in out
    assert not Article.objects.exists()
    assert not Reviewer.objects.exists()


def test_quiet_at_verbosity_zero():
    assert run(SEED, verbosity=0) == ""


def test_a_nul_character_is_refused_with_its_line(tmp_path):
    bad = write(tmp_path, "nul.txt", SEED_TEXT.replace("one-hour", "one-\x00hour"))
    with pytest.raises(CommandError, match=rf"{bad}:\d+: answer: contains a NUL character"):
        run(bad)
    assert not Article.objects.exists()


def test_reimporting_a_saved_page_keeps_the_review_interval_an_editor_set():
    run(SEED)
    Article.objects.update(review_interval_days=Article.ReviewInterval.QUARTER)
    assert "1 unchanged" in run(SEED)
    assert Article.objects.get().review_interval_days == Article.ReviewInterval.QUARTER


def test_undo_last_undoes_the_latest_import_and_says_so_when_there_is_none(tmp_path):
    with pytest.raises(CommandError, match=re.escape("--undo last: there is no import batch to undo.")):
        run(undo="last")
    run(SEED)
    assert Article.objects.exists()
    assert re.search(r"Undid import batch \d+: 0 restored, 1 removed", run(undo="last"))
    assert not Article.objects.exists()
    with pytest.raises(CommandError, match=re.escape("--undo: expected a batch number or 'last', found 'latest'.")):
        run(undo="latest")


SUBJECT_CHANGES = (
    '{"kind": "drug", "brand_name": "Besponsa", "generic_name": "inotuzumab ozogamicin", "summary": "...", '
    '"conditions": ["Example condition"]}\n'
    '{"kind": "condition", "name": "Example condition", "summary": "An invented condition."}\n'
)


def _besponsa():
    drug = Drug.objects.get(brand_name="Besponsa")
    return drug.summary, sorted(drug.conditions.values_list("name", flat=True))


def test_an_import_counts_the_subjects_it_changes_and_undo_puts_them_back(demo, tmp_path):
    before, conditions = _besponsa(), Condition.objects.count()
    printed = run(write(tmp_path, "subjects.jsonl", SUBJECT_CHANGES))
    assert re.search(r"Import batch \d+: 0 created, 0 updated, 0 unchanged; subjects: 1 created, 1 updated", printed)
    assert _besponsa() == ("...", ["Example condition"])
    undone = run(undo="last")
    assert re.search(r"Undid import batch \d+: 0 restored, 0 removed; subjects: 1 restored, 1 removed", undone)
    assert _besponsa() == before and Condition.objects.count() == conditions


def test_undo_refuses_to_lose_later_work_on_a_subject_and_changes_nothing(demo, tmp_path, make_article):
    run(write(tmp_path, "subjects.jsonl", SUBJECT_CHANGES))
    drug = Drug.objects.get(brand_name="Besponsa")
    drug.summary = "An editor's summary."
    drug.save()
    with pytest.raises(CommandError, match=r"the drug 'Besponsa' was changed after the import \(summary\)"):
        run(undo="last")
    assert _besponsa() == ("An editor's summary.", ["Example condition"])

    # A subject the import made, that an answer now names, is kept by the undo.
    drug.summary = "..."
    drug.save()
    example = Condition.objects.get(name="Example condition")
    make_article(question="Is the example condition real?").conditions.add(example)
    assert "subjects: 1 restored, 0 removed" in run(undo="last")
    assert Condition.objects.filter(name="Example condition").exists()
