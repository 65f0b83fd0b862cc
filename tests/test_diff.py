"""The diff a medical reviewer signs off with: every field, word by word, fast on long answers."""

import random
import time

import pytest

from monographs.admin import diff
from monographs.models import Drug, SupportGroup

from .test_editorial import ADMIN, add_answer, edit

pytestmark = pytest.mark.django_db


def content(**fields):
    base = {
        "question": "Is it safe?",
        "slug": "is-it-safe",
        "answer": "One.\n\nTwo.",
        "summary": "",
        "sources": [],
        "review_interval_days": None,
        "drugs": [],
        "conditions": [],
        "support_groups": [],
        "related_questions": [],
        "read_next": [],
    }
    return base | fields


def test_every_field_is_compared_and_changed_ones_come_first(make_article):
    besponsa = Drug.objects.create(brand_name="Besponsa", slug="besponsa")
    group = SupportGroup.objects.create(name="LLS", slug="lls", url="https://lls.org")
    other = make_article(question="What is ALL?")
    old = content()
    new = content(
        slug="is-it-safe-now",
        review_interval_days=30,
        drugs=[besponsa.pk],
        support_groups=[group.pk],
        read_next=[other.pk],
    )
    result = diff.compare(old, new)
    assert [row.name for row in result.fields] == [
        "question", "slug", "answer", "summary", "sources", "review_interval_days",
        "drugs", "conditions", "support_groups", "related_questions", "read_next",
    ]  # fmt: skip
    assert [row.label for row in result.changed] == [
        "address (slug)",
        "review interval",
        "drugs",
        "support groups",
        "read next",
    ]
    html = {row.name: str(row.html) for row in result.fields}
    assert "<del>The site&#x27;s default</del>" in html["review_interval_days"]
    assert "<ins>Every month</ins>" in html["review_interval_days"]  # the label, not "30"
    assert "<li><ins>Besponsa</ins></li>" in html["drugs"]
    assert "<li><ins>What is ALL?</ins></li>" in html["read_next"]
    assert "is-it-safe<ins>-now</ins>" in html["slug"]


def test_words_are_marked_within_changed_paragraphs_and_markup_is_escaped():
    old = content(answer="Besponsa is given by infusion.\n\nKeep <this>.\n\nThe end.")
    new = content(answer="Besponsa is given by intravenous infusion.\n\nKeep <this>.\n\nThe end.\n\nA new <b>line</b>.")
    [answer] = [row for row in diff.compare(old, new).changed if row.name == "answer"]
    html = str(answer.html)
    assert "Besponsa is given by <ins>intravenous </ins>infusion." in html
    assert "Keep &lt;this&gt;." in html and "<this>" not in html
    assert "<ins>A new &lt;b&gt;line&lt;/b&gt;.</ins>" in html


def test_long_runs_of_unchanged_paragraphs_are_folded():
    paragraphs = [f"Paragraph {n}." for n in range(20)]
    changed = [*paragraphs[:10], "Paragraph ten, rewritten.", *paragraphs[11:]]
    html = str(
        diff.compare(content(answer="\n\n".join(paragraphs)), content(answer="\n\n".join(changed))).fields[2].html
    )
    assert "<summary>9 unchanged paragraphs</summary>" in html  # 0–8 folded, 9 kept as context
    assert "<summary>8 unchanged paragraphs</summary>" in html  # 12–19 folded, 11 kept


def test_identical_revisions_have_no_changed_field():
    same = content(answer="A.\n\nB.")
    result = diff.compare(same, same)
    assert result.changed == [] and len(result.unchanged) == 11


def test_a_200_kb_answer_with_many_changes_is_compared_quickly():
    """The figure for the issue's 200 ms budget; the bound here is generous, since test machines are noisy."""
    words = ["the", "dose", "of", "inotuzumab", "ozogamicin", "is", "reduced", "when", "liver", "enzymes", "rise"]
    rng = random.Random(7)
    paragraphs = [" ".join(rng.choice(words) for _ in range(60)) + "." for _ in range(560)]
    old = "\n\n".join(paragraphs)
    changed = [p.replace("dose", "total dose", 1) if n % 3 == 0 else p for n, p in enumerate(paragraphs) if n % 50 != 7]
    new = "\n\n".join([*changed[:250], "An added paragraph about monitoring.", *changed[250:]])
    assert len(old) > 200_000
    started = time.perf_counter()
    result = diff.compare(content(answer=old), content(answer=new))
    elapsed = time.perf_counter() - started
    html = str(result.changed[0].html)
    assert "<ins>total </ins>" in html and "<ins>An added paragraph about monitoring.</ins>" in html
    print(f"200 KB diff: {elapsed * 1000:.0f} ms")
    assert elapsed < 2.0, f"{elapsed * 1000:.0f} ms"


def test_compare_pages_show_the_diff_and_say_when_there_is_none(editor_client):
    article = add_answer(editor_client, answer="First.")
    edit(editor_client, article, answer="Second.")
    page = editor_client.get(f"{ADMIN}{article.pk}/revisions/compare/?a=1&b=2").content.decode()
    assert "<del>First</del><ins>Second</ins>." in page
    same = editor_client.get(f"{ADMIN}{article.pk}/revisions/compare/?a=2&b=2").content.decode()
    assert "compared with itself: there is no difference" in same
    assert "<del>" not in same and "<ins>" not in same
