"""Every whole-file example in docs/import-format.md imports into the demo, and `--undo last` takes it away.

`jsonl` blocks are JSON Lines files; `markdown` blocks that open with front
matter are answer files. (`json` blocks are fragments of a record.)
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from monographs.models import Article, Drug

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
    before = _answers()
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    printed = StringIO()
    call_command("import_articles", str(path), stdout=printed)
    if '"kind": "drug"' in body:  # subjects only: they are written, but a batch counts and undoes answers alone
        assert Drug.objects.filter(brand_name="Examplinib").exists() and _answers() == before
        return
    assert re.search(r"Import batch \d+: 1 created", printed.getvalue()), printed.getvalue()
    assert _answers() != before
    call_command("import_articles", undo="last", stdout=StringIO())
    assert _answers() == before


def _answers():
    return sorted(Article.objects.values_list("slug", "state", "question", "answer", "summary"))
