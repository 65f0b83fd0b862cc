"""JSON Lines and Markdown imports: formats, errors with file:line:field, references, batches, undo."""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bench import corpus
from monographs import answer_page
from monographs.models import Article, Drug, ImportBatch, Revision, SignOff, SupportGroup

pytestmark = pytest.mark.django_db


FULL_SOURCE = {
    "title": "BESPONSA: Prescribing Information",
    "publisher": "Pfizer",
    "url": "https://example.org/besponsa.pdf",
    "published_on": "2024-03-01",
    "accessed_on": "2024-03-12",
    "section": "§5.1",
}


def answer(slug, **fields):
    return {"kind": "article", "slug": slug, "question": f"What about {slug}?", "answer": f"About {slug}.", **fields}


def published(slug, **fields):
    return answer(
        slug,
        state="published",
        reviewer={"name": "Ann Lee", "credentials": "PharmD"},
        reviewed_on="2024-03-12",
        **fields,
    )


def jsonl(tmp_path, *records, name="answers.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" if isinstance(r, dict) else r + "\n" for r in records))
    return path


def run(*args, **options):
    out = StringIO()
    call_command("import_articles", *map(str, args), stdout=out, **options)
    return out.getvalue()


def problems_of(*args, **options):
    with pytest.raises(CommandError) as caught:
        run(*args, **options)
    return str(caught.value)


def dump():
    out = StringIO()
    call_command("dumpdata", "monographs", indent=1, stdout=out)
    return out.getvalue()


def test_jsonl_imports_answers_and_subjects_with_forward_references(tmp_path):
    path = jsonl(
        tmp_path,
        published(
            "first",
            drugs=["Besponsa"],
            conditions=["Acute Lymphoblastic Leukemia"],
            related_questions=["second"],
            read_next=["second"],
            support_groups=["ALL support"],
            external_id="A-1",
        ),
        published("second", related_questions=["first"]),
        {
            "kind": "drug",
            "brand_name": "Besponsa",
            "generic_name": "inotuzumab ozogamicin",
            "drug_class": "ADC",
            "conditions": ["Acute Lymphoblastic Leukemia"],
        },
        {"kind": "condition", "name": "Acute Lymphoblastic Leukemia", "abbreviation": "ALL"},
        {"kind": "support_group", "name": "ALL support", "url": "https://example.org/all"},
    )
    assert "2 created" in run(path)
    first = Article.objects.get(slug="first")
    assert first.external_id == "A-1" and first.is_live
    page = answer_page.load(Article.objects.get(slug="first"))
    assert [a.slug for a in page.related_questions] == ["second"]
    assert [a.slug for a in page.read_next] == ["second"]
    drug = Drug.objects.get()
    assert (drug.generic_name, drug.drug_class, [str(c) for c in drug.conditions.all()]) == (
        "inotuzumab ozogamicin",
        "ADC",
        ["Acute Lymphoblastic Leukemia (ALL)"],
    )
    assert SupportGroup.objects.get().url == "https://example.org/all"
    signed = SignOff.objects.get(article=first)
    assert (str(signed.reviewer), signed.reviewed_on.isoformat()) == ("Ann Lee, PharmD", "2024-03-12")
    assert signed.revision.batch == ImportBatch.objects.get()


def test_each_revision_an_import_records_holds_the_answers_content(tmp_path):
    from monographs import content

    records = [
        published("a", drugs=["Besponsa"], related_questions=["c", "b"], read_next=["b"]),
        answer("b", conditions=["ALL"], support_groups=["ALL support"]),
        published("c", related_questions=["a"]),
    ]
    run(jsonl(tmp_path, *records))
    records[0] = published("a", drugs=["Besponsa", "Mylotarg"], related_questions=["b"], summary="Now shorter.")
    run(jsonl(tmp_path, *records))
    for article in Article.objects.all():
        assert article.revisions.order_by("-number").first().content == content.snapshot(article)
    assert Article.objects.get(slug="a").revisions.count() == 2


def test_a_change_of_links_alone_is_a_new_revision(tmp_path):
    run(jsonl(tmp_path, published("a", related_questions=["b"]), published("b"), published("c")))
    out = run(
        jsonl(tmp_path, published("a", related_questions=["c", "b"]), published("b"), published("c")), verbosity=2
    )
    assert "updated a: related questions" in out and "1 updated, 2 unchanged" in out
    article = Article.objects.get(slug="a")
    assert (article.version, [a.slug for a in answer_page.load(article).related_questions]) == (2, ["c", "b"])
    assert SignOff.objects.filter(revision__article=article, revision__number=2).exists()


def test_answers_saved_after_an_import_get_ids_of_their_own(tmp_path, reviewer):
    run(jsonl(tmp_path, published("a", related_questions=["b"]), published("b")))
    imported = set(Article.objects.values_list("pk", flat=True))
    later = Article.objects.create(
        question="Later?", slug="later", answer="Later.", state="published", reviewer=reviewer, reviewed_on="2024-03-12"
    )
    assert later.pk > max(imported)
    run(jsonl(tmp_path, published("c", related_questions=["a", "later"]), name="more.jsonl"))
    assert [a.slug for a in answer_page.load(Article.objects.get(slug="c")).related_questions] == ["a", "later"]


def test_markdown_front_matter_imports_an_answer(tmp_path):
    path = tmp_path / "answer.md"
    path.write_text(
        "---\nquestion: Can it be taken with food?\nstate: published\n"
        "reviewer: {name: Ann Lee, credentials: PharmD}\nreviewed_on: 2024-03-12\ndrugs: [Besponsa]\n---\n"
        "Yes, *with* or without food.\n\nSecond paragraph.\n"
    )
    run(path)
    article = Article.objects.get()
    assert article.slug == "can-it-be-taken-with-food"
    assert article.answer == "Yes, *with* or without food.\n\nSecond paragraph."
    assert "<em>with</em>" in article.answer_html
    assert [d.brand_name for d in article.drugs.all()] == ["Besponsa"]


def test_format_is_chosen_by_extension_or_by_option(tmp_path):
    path = tmp_path / "answers.data"
    path.write_text(json.dumps(answer("by-option")) + "\n")
    assert "unknown format" in problems_of(path)
    run(path, format="jsonl")
    assert Article.objects.filter(slug="by-option").exists()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "1: record: is not valid JSON"),
        ('{"kind": "article", "slug": "x"}', "1: question: is required"),
        (json.dumps(answer("x", state="live")), "1: state: expected one of draft, in_review, published, withdrawn"),
        (json.dumps(answer("x", state="published")), "1: reviewer: a published answer needs a reviewer"),
        (json.dumps(answer("x", reviewed_on="12/03/2024")), "1: reviewed_on: expected a date like 2024-03-12"),
        (json.dumps(answer("x", drugs="Besponsa")), "1: drugs: expected a list of names"),
        (json.dumps(answer("x", colour="blue")), "1: colour: is not a field of this kind of record"),
        (
            json.dumps(answer("x", related_questions=["nowhere"])),
            "1: related_questions: no answer has the slug “nowhere”, here or in the database",
        ),
        (json.dumps(answer("x", read_next=["x"])), "1: read_next: an answer cannot link to itself"),
        (json.dumps({"kind": "potion", "name": "x"}), "1: kind: expected one of article, drug"),
        (json.dumps(answer("Not A Slug!")), "1: slug: “Not A Slug!” is not a valid slug"),
        ("[1, 2]", "1: record: expected an object with named fields"),
    ],
)
def test_each_error_names_file_line_and_field(tmp_path, line, expected):
    path = jsonl(tmp_path, line)
    message = problems_of(path)
    assert f"{path}:{expected}" in message
    assert "nothing was imported" in message and "Traceback" not in message


def test_all_problems_are_reported_not_just_the_first(tmp_path):
    path = jsonl(tmp_path, "{bad", json.dumps(answer("ok")), json.dumps(answer("x", state="?")), "{also bad")
    message = problems_of(path)
    assert re.findall(rf"{re.escape(str(path))}:(\d+):", message) == ["1", "3", "4"]
    assert "3 problems found" in message


def test_duplicate_slugs_and_external_ids_across_files(tmp_path):
    one = jsonl(tmp_path, answer("same", external_id="E"), name="one.jsonl")
    two = jsonl(tmp_path, answer("same", external_id="E"), name="two.jsonl")
    message = problems_of(one, two)
    assert f"{two}:1: slug: “same” is also used by {one}:1" in message
    assert f"{two}:1: external_id: “E” is also used by {one}:1" in message


def test_a_bad_record_in_the_last_file_leaves_the_database_unchanged(tmp_path):
    run(jsonl(tmp_path, published("kept"), name="first.jsonl"))
    before = dump()
    good = jsonl(tmp_path, published("kept", summary="changed"), published("new"), name="a.jsonl")
    bad = jsonl(tmp_path, answer("broken", state="nope"), name="z.jsonl")
    problems_of(good, bad)
    assert dump() == before


def test_reimport_is_idempotent_and_writes_nothing(tmp_path):
    path = jsonl(tmp_path, published("a", related_questions=["b"]), published("b"))
    run(path)
    before = dump()
    assert "Nothing changed, nothing written: 0 created, 0 updated, 2 unchanged" in run(path)
    assert dump() == before


def test_a_changed_record_updates_in_place_with_a_revision_from_the_batch(tmp_path):
    run(jsonl(tmp_path, published("a", external_id="A")))
    article = Article.objects.get()
    renamed = published(
        "a-renamed", external_id="A", summary="New summary", question="What about a?", answer="About a."
    )
    out = run(jsonl(tmp_path, renamed), verbosity=2)
    assert "updated a-renamed: slug, summary" in out
    article.refresh_from_db()
    assert (article.slug, article.summary, article.version) == ("a-renamed", "New summary", 2)
    latest = article.revisions.order_by("-number").first()
    assert latest.source == Revision.Source.IMPORT and latest.batch == ImportBatch.objects.order_by("-pk").first()
    assert article.redirects.get().old_slug == "a"


def test_dry_run_reports_what_would_change_and_writes_nothing(tmp_path):
    run(jsonl(tmp_path, published("a"), published("b")))
    before = dump()
    out = run(jsonl(tmp_path, published("a", summary="new"), published("b"), published("c")), dry_run=True)
    assert "would update a: summary" in out
    assert "Dry run, nothing written: would have 1 created, 1 updated, 1 unchanged; 0 invalid." in out
    assert dump() == before


def test_undo_restores_what_a_batch_changed_and_removes_what_it_created(tmp_path):
    run(jsonl(tmp_path, published("a", summary="original")))
    before = dump()
    run(jsonl(tmp_path, published("a", summary="changed"), published("b")))
    batch = ImportBatch.objects.order_by("-pk").first()
    out = StringIO()
    call_command("import_articles", undo=batch.pk, stdout=out)
    assert f"Undid import batch {batch.pk}: 1 restored, 1 removed." in out.getvalue()
    article = Article.objects.get()
    assert article.summary == "original" and article.is_live
    assert not Article.objects.filter(slug="b").exists()
    assert article.revisions.order_by("-number").first().source == Revision.Source.UNDO
    assert str(article.reviewer) == "Ann Lee, PharmD"
    assert dump() != before  # the undo itself is recorded as a revision


def test_undo_refuses_when_later_edits_would_be_lost(tmp_path):
    from monographs import editorial

    run(jsonl(tmp_path, answer("a")))
    batch = ImportBatch.objects.get()
    article = Article.objects.get()
    editorial.record_revision(article, note="An editor's later save")
    with pytest.raises(CommandError, match=r"cannot be undone: undoing it would lose later edits to 1 answer"):
        call_command("import_articles", undo=batch.pk, stdout=StringIO())
    assert Article.objects.exists()
    with pytest.raises(CommandError, match="There is no import batch 999"):
        call_command("import_articles", undo=999, stdout=StringIO())


@pytest.mark.parametrize("fmt", ["jsonl", "markdown"])
def test_export_import_export_is_byte_identical(tmp_path, fmt, django_db_blocker):
    call_command("load_demo", verbosity=0)
    Article.objects.filter(slug="how-is-besponsa-given").update(
        external_id="ext-1", review_interval_days=91, sources=[FULL_SOURCE, {"title": "A title alone"}]
    )
    first, second = tmp_path / f"one.{fmt}", tmp_path / f"two.{fmt}"
    call_command("export_articles", format=fmt, output=str(first), verbosity=0)
    Article.objects.all().delete()
    for model in (Drug, SupportGroup):
        model.objects.all().delete()
    run(first)
    call_command("export_articles", format=fmt, output=str(second), verbosity=0)
    if fmt == "jsonl":
        assert first.read_bytes() == second.read_bytes()
    else:
        assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
        for path in first.iterdir():
            assert path.read_bytes() == (second / path.name).read_bytes()


def test_export_filters_by_state_drug_and_date(tmp_path):
    call_command("load_demo", verbosity=0)
    Article.objects.filter(slug="how-is-besponsa-given").update(state="draft")
    out = StringIO()
    call_command("export_articles", state="published", drug="inotuzumab ozogamicin", stdout=out)
    slugs = [json.loads(line)["slug"] for line in out.getvalue().splitlines() if '"kind":"article"' in line]
    assert slugs == [
        "how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all",
        "what-are-the-common-side-effects-of-besponsa",
        "what-is-the-boxed-warning-for-besponsa",
    ]
    out = StringIO()
    call_command("export_articles", updated_since="2999-01-01", stdout=out)
    assert '"kind":"article"' not in out.getvalue()


def test_the_benchmark_corpus_is_deterministic_and_imports_cleanly(tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    for path in (one, two):
        with open(path, "w", encoding="utf-8") as out:
            corpus.write(out, articles=200, drugs=50, conditions=10, seed=7)
    assert one.read_bytes() == two.read_bytes()
    assert "200 created" in run(one)


def test_nul_characters_are_refused_not_stored(tmp_path):
    path = jsonl(tmp_path, answer("x", summary="a\u0000b", drugs=["Be\u0000sponsa"]))
    message = problems_of(path)
    assert f"{path}:1: summary: contains a NUL character" in message
    assert f"{path}:1: drugs: contains a NUL character" in message


def test_batches_are_listed_in_the_admin(admin_client, tmp_path):
    run(jsonl(tmp_path, published("a")))
    html = admin_client.get("/admin/monographs/importbatch/").content.decode()
    assert "1 import batch" in html
    assert admin_client.get("/admin/monographs/importbatch/add/").status_code == 403


def test_a_reviewer_without_credentials_signs_with_a_name_alone(tmp_path, client):
    from monographs.models import Reviewer

    from .support import SEED

    (tmp_path / "page.txt").write_text(
        SEED.read_text(encoding="utf-8").replace("by Judith Stewart, BPharm.", "by Drugs.com Editorial Team."),
        encoding="utf-8",
    )
    path = jsonl(tmp_path, published("jsonl-answer") | {"reviewer": {"name": "Drugs.com Editorial Team"}})
    run(tmp_path / "page.txt", path)

    assert list(Reviewer.objects.values_list("name", "credentials")) == [("Drugs.com Editorial Team", "")]
    page = client.get(Article.objects.get(slug="jsonl-answer").get_absolute_url()).content.decode()
    assert "Medically reviewed by <a" in page and ">Drugs.com Editorial Team</a>. Last updated on" in page
    data = json.loads(page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0])
    reviewed_by = next(d for d in data if d["@type"] == "MedicalWebPage")["reviewedBy"]
    assert reviewed_by["name"] == "Drugs.com Editorial Team"
    assert "honorificSuffix" not in reviewed_by and "hasCredential" not in reviewed_by


def test_the_plain_text_for_json_ld_is_made_when_an_answer_is_written(tmp_path, client):
    """Saved, created by an import and changed by one: the page's JSON-LD text is ready, never made per view."""
    run(jsonl(tmp_path, published("plain", answer="**Bold** words & <b>markup</b>.")))
    article = Article.objects.get(slug="plain")
    assert article.answer_text == "Bold words & markup." == Article.text_for(article.answer_html)
    run(jsonl(tmp_path, published("plain", answer="Changed *answer*.")))
    assert Article.objects.get(slug="plain").answer_text == "Changed answer."
    article.answer = "Saved in the admin."
    article.save(update_fields=["answer"])
    assert Article.objects.get(slug="plain").answer_text == "Saved in the admin."
    page = client.get(article.get_absolute_url()).content.decode()
    data = json.loads(page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0])
    page_data = data[0] if isinstance(data, list) else data
    assert page_data["mainEntity"]["acceptedAnswer"]["text"] == "Saved in the admin."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--updated-since", "2024-13-45"], "--updated-since: expected a date like 2024-03-12, found '2024-13-45'"),
        (["--drug", "Typo"], "--drug: no drug is called 'Typo'"),
        (
            ["--output", "{tmp}/missing/answers.jsonl"],
            "--output {tmp}/missing/answers.jsonl: No such file or directory.",
        ),
        (["--format", "markdown", "--output", "{tmp}/a-file"], "--output {tmp}/a-file is a file"),
        (["--format", "markdown"], "--format markdown writes one file per answer: give --output DIR."),
    ],
)
def test_export_refuses_bad_arguments_in_one_line_naming_the_argument(demo, tmp_path, args, message):
    """A CommandError (one line on standard error from a shell, exit status 1), and nothing written."""
    (tmp_path / "a-file").write_text("kept")
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("export_articles", *[arg.replace("{tmp}", str(tmp_path)) for arg in args], stdout=out)
    assert str(refused.value).startswith(message.replace("{tmp}", str(tmp_path)))
    assert "\n" not in str(refused.value) and out.getvalue() == ""
    assert (tmp_path / "a-file").read_text() == "kept" and not (tmp_path / "missing").exists()
