"""The structure docs/architecture.md describes, checked: no import cycles, one renderer, one version counter."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("drugref", "monographs")


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imports(name: str, path: Path, modules) -> set[str]:
    """The project's modules that `name` imports, at its top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    # A module's own packages are not edges: importing monographs.admin.x runs monographs.admin whoever imports.
    return {m for m in found if m in modules and m != name and not name.startswith(f"{m}.")}


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, result, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return result


def test_no_module_imports_one_that_imports_it_back():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert "monographs.models" in graph["monographs.editorial"]  # the walk sees imports at all
    assert _cycles(graph) == []


def _calls(function_name: str) -> set[str]:
    callers = set()
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function_name:
                callers.add(name)
    return callers


def test_markdown_is_rendered_in_one_place_per_model():
    # Article.html_for (every write path of an answer) and Page.save; the renderer's own module aside.
    assert _calls("render_markdown") == {"monographs.models"}


# The one owner of what readers see, and the mechanism it calls (see docs/architecture.md).
ANSWER_WRITERS = {"monographs.editorial", "monographs.content"}
LIFECYCLE_FIELDS = {"state", "slug"}
# Functions that set the slug of something other than an answer.
NOT_ANSWERS = {"give_slugs"}  # slugs.py: new drugs', conditions', groups' and reviewers' addresses


def _answer_writes(tree) -> list[int]:
    """Lines that set a state or an address, or apply content to an answer: `x.state = …`, `.update(slug=…)`…"""
    skipped = {
        line
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name in NOT_ANSWERS
        for line in range(node.lineno, node.end_lineno + 1)
    }
    return [line for line in _writes(tree) if line not in skipped]


def _writes(tree) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr in LIFECYCLE_FIELDS for t in targets):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and (
            _applies_content(node) or _updates_lifecycle_fields(node) or _writes_answer_rows(node)
        ):
            lines.append(node.lineno)
    return lines


def _applies_content(call) -> bool:
    return (getattr(call.func, "attr", None) or getattr(call.func, "id", None)) == "apply_content"


def _writes_answer_rows(call) -> bool:
    """`bulk.insert_rows(Article, …)` or `Article.objects.bulk_update(…)`: answers' rows, whatever the fields."""
    name = getattr(call.func, "attr", None) or getattr(call.func, "id", None)
    if name == "insert_rows":
        return bool(call.args) and getattr(call.args[0], "id", None) == "Article"
    receiver = getattr(call.func, "value", None)
    return name == "bulk_update" and getattr(getattr(receiver, "value", None), "id", None) == "Article"


def _updates_lifecycle_fields(call) -> bool:
    """`.update(state=…)`, or `.bulk_update(rows, ["slug", …])`."""
    if getattr(call.func, "attr", None) not in ("update", "bulk_update"):
        return False
    named = {k.arg for k in call.keywords}  # QuerySet.update(state=…); a dict's update(…) names no field
    if call.func.attr == "bulk_update":
        named |= {n for a in call.args if not isinstance(a, ast.Name) for n in _names(a)}
    return bool(named & LIFECYCLE_FIELDS)


def _names(node) -> set[str]:
    return {e.value for e in ast.walk(node) if isinstance(e, ast.Constant) and isinstance(e.value, str)}


def test_only_the_lifecycle_owner_writes_an_answers_state_address_or_live_content():
    found = {}
    for name, path in _modules().items():
        lines = _answer_writes(ast.parse(path.read_text(encoding="utf-8")))
        if lines and name not in ANSWER_WRITERS:
            found[name] = lines
    assert found == {}
    # The walk sees such writes at all: the owner makes them.
    assert _answer_writes(ast.parse((ROOT / "monographs" / "editorial.py").read_text(encoding="utf-8")))


# An answer's fields are listed once, in monographs/content.py; the rest read that list.
CONTENT_FIELD_NAMES = {"question", "slug", "answer", "summary", "sources", "review_interval_days"}
# Where a list of them is not the answer's content: the admin's layout (fieldsets), a file format's field order,
# the columns an answer page reads (HTML, not Markdown), the texts search indexes and weighs.
FIELD_LISTS_ALLOWED = {
    "monographs.content",
    "monographs.search",
    "monographs.admin.articles",
    "monographs.interchange.mapping",
    "monographs.answer_page",
}


def _field_lists(tree) -> list[int]:
    """Lines with a tuple, list or set literal naming three or more of an answer's content fields."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple | ast.List | ast.Set)
        and len({e.value for e in node.elts if isinstance(e, ast.Constant)} & CONTENT_FIELD_NAMES) >= 3
    ]


def test_an_answers_fields_are_listed_once():
    from monographs import content

    assert set(content.CONTENT_FIELDS) == CONTENT_FIELD_NAMES  # this test knows the fields it looks for
    found = {}
    for name, path in _modules().items():
        lines = _field_lists(ast.parse(path.read_text(encoding="utf-8")))
        if lines and name not in FIELD_LISTS_ALLOWED:
            found[name] = lines
    assert found == {}


def test_every_reader_of_an_answers_fields_covers_them_all():
    from monographs import content
    from monographs.admin import diff, forms
    from monographs.admin.articles import ArticleAdmin
    from monographs.interchange import export, load, mapping

    everything = set(content.FIELDS)
    assert set(forms.MERGED_FIELDS) | set(content.LINK_MODELS) == everything  # links are inlines of their own
    laid_out = {field for _, options in ArticleAdmin.fieldsets for field in options["fields"]}
    assert set(forms.ArticleForm.base_fields) - {"base_version", "revision_note", "release_old_address"} <= laid_out
    assert set(diff.display_values({})) == everything
    assert set(load.REVISION_FIELDS) == everything
    assert everything <= set(mapping.ARTICLE_FIELDS)
    assert set(content.CONTENT_FIELDS) <= set(export.ROW_FIELDS)
