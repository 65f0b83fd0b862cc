"""Property: any input to any parser either imports, or is refused with clear problems and no write."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monographs.interchange.records import ArticleRecord
from monographs.interchange.run import InvalidInput, expand_paths, import_paths, read
from monographs.models import Article, Condition, Drug, ImportBatch, Reviewer, Revision

from .support import SEED

pytestmark = pytest.mark.django_db

VALID = {
    ".txt": SEED.read_text(encoding="utf-8"),
    ".jsonl": json.dumps(
        {
            "kind": "article",
            "slug": "fuzz",
            "question": "Fuzz?",
            "answer": "Text.",
            "state": "published",
            "reviewer": {"name": "A B", "credentials": "PharmD"},
            "reviewed_on": "2024-03-12",
            "drugs": ["Besponsa"],
            "related_questions": [],
        }
    )
    + "\n",
    ".md": "---\nquestion: Fuzz?\nstate: draft\ndrugs: [Besponsa]\n---\nText with *emphasis*.\n",
}


@st.composite
def mutated(draw, text):
    """A valid file with a few characters inserted, deleted or replaced, or nothing like one."""
    if draw(st.booleans()):
        return draw(st.text(max_size=400))
    chars = list(text)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(chars)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.sampled_from([*list("{}[]\":,\n-\\<>*#'\x00é\ufeff "), "---", "null", "1e999"]))
        if action == "insert" or not chars:
            chars.insert(position, char)
        elif position < len(chars):
            if action == "delete":
                del chars[position]
            else:
                chars[position] = char
    return "".join(chars)


def counts():
    return [model.objects.count() for model in (Article, Drug, Condition, Reviewer, Revision, ImportBatch)]


def check(path: Path, text: str):
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    before = counts()
    try:
        import_paths([path])
    except InvalidInput as invalid:
        assert invalid.problems, "refused without saying why"
        for problem in invalid.problems:
            assert problem.path == str(path) and problem.field and problem.message
        assert counts() == before, "a refused import wrote something"
        return
    # Accepted: each answer read is stored as read, and its revision records it.
    files, _ = expand_paths([path])
    for record in read(files):
        if isinstance(record, ArticleRecord):
            article = Article.objects.canonical().get(slug=record.slug)
            assert (article.question, article.answer, article.summary) == (
                record.question,
                record.answer,
                record.summary,
            )
            assert article.revisions.order_by("-number").first().content["answer"] == record.answer


@pytest.mark.parametrize("suffix", VALID)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_parser_imports_or_refuses_cleanly(tmp_path, suffix, data):
    check(tmp_path / f"input{suffix}", data.draw(mutated(VALID[suffix])))
