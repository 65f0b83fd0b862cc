"""Every whole-file example in docs/import-format.md imports into the demo, and `--undo last` takes it away.

`jsonl` blocks are JSON Lines files; `markdown` blocks that open with front
matter are answer files. (`json` blocks are fragments of a record.)
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from monographs.models import SUBJECT_KINDS, Article, Drug

DOC = Path(__file__).resolve().parent.parent / "docs" / "import-format.md"


def examples():
    found = []
    for language, body in re.findall(r"```(\w+)\n(.*?)```", DOC.read_text(), re.S):
        if language == "jsonl":
            found.append(("example.jsonl", body))
        elif language == "markdown" and body.startswith("---\n"):
            found.append(("example.md", body))
    return found


def test_the_page_has_its_examples():
    assert [name for name, _ in examples()] == ["example.jsonl", "example.jsonl", "example.md"]


@pytest.mark.parametrize(("name", "body"), examples(), ids=lambda value: value[:40] if isinstance(value, str) else "")
def test_an_example_imports_into_the_demo_and_is_undone(demo, tmp_path, name, body):
    before = _everything()
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    printed = StringIO()
    call_command("import_articles", str(path), stdout=printed)
    if '"kind": "drug"' in body:  # subjects only
        assert "Import batch" in printed.getvalue() and "subjects: 4 created, 0 updated" in printed.getvalue()
        assert Drug.objects.filter(brand_name="Examplinib").exists()
    else:
        assert re.search(r"Import batch \d+: 1 created", printed.getvalue()), printed.getvalue()
    assert _everything() != before
    call_command("import_articles", undo="last", stdout=StringIO())
    assert _everything() == before


def _everything():
    """The answers, and every subject with its lists."""
    answers = sorted(Article.objects.values_list("slug", "state", "question", "answer", "summary"))
    subjects = {
        kind.name: sorted(
            (
                str(obj),
                *(getattr(obj, f) for f in kind.fields if f not in kind.lists),
                *(sorted(getattr(obj, r).values_list("pk", flat=True)) for r in kind.lists),
            )
            for obj in kind.model.objects.all()
        )
        for kind in SUBJECT_KINDS.values()
    }
    return answers, subjects
