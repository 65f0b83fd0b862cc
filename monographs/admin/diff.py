"""What changed between two revisions of an answer, made for a medical reviewer to read.

Every field an answer carries is compared, changed fields first. Texts are
compared paragraph by paragraph, and changed paragraphs word by word, so a
reviewer sees the exact words that differ; lists (drugs, links…) item by item.
The result is inline (deletions and insertions in one column), so it wraps at
word boundaries and fits a phone as well as a desktop; a drug label's changed
sections are shown old beside new (`side_by_side`), one under the other on a
phone.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .. import sources
from ..content import CONTENT_FIELDS, FIELDS
from ..labels import WATCHED
from ..models import Article, Condition, Drug, SupportGroup
from ..text import normalised_or_same

NAMED_MODELS = {
    "drugs": Drug,
    "conditions": Condition,
    "support_groups": SupportGroup,
    "related_questions": Article,
    "read_next": Article,
}
LABELS = {name: Article._meta.get_field(name).verbose_name for name in CONTENT_FIELDS} | {
    "slug": "address (slug)",
    "related_questions": "related questions",
    "read_next": "read next",
}
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# A word or a mark with the spaces after it: few tokens repeat often enough to slow the matcher.
_TOKEN = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")
# Fields shown as lists, item by item.
LISTS = (*NAMED_MODELS, "sources")
# Runs of unchanged paragraphs longer than this are folded away, keeping one each side for context.
_CONTEXT = 1
# How far ahead a changed paragraph's rewrite is looked for among the new ones.
_LOOK_AHEAD = 8


@dataclass
class FieldDiff:
    """One field of the answer: its label, whether it changed, and HTML showing it (with the changes)."""

    name: str
    label: str
    changed: bool
    html: SafeString

    def __str__(self):
        return self.label


def label(name: str) -> str:
    return str(LABELS.get(name, name.replace("_", " ")))


def display_values(content: dict) -> dict[str, list[str]]:
    """Return each field of a revision's content as the lines a person reads: names, not ids; labels, not codes."""
    ids = {name: content.get(name) or [] for name in NAMED_MODELS}
    names = {}
    for name, model in NAMED_MODELS.items():
        found = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids[name])}
        names[name] = [found.get(pk, f"(deleted #{pk})") for pk in ids[name]]
    shown_apart = {
        "review_interval_days": [_interval(content.get("review_interval_days"))],
        "sources": [str(source) for source in sources.shown(content.get("sources"))],
    }
    texts = {name: [normalised_or_same(content.get(name) or "")] for name in CONTENT_FIELDS if name not in shown_apart}
    return {name: (names | texts | shown_apart)[name] for name in FIELDS}


def _interval(days) -> str:
    if days is None:
        return "The site's default"
    if days in Article.ReviewInterval.values:
        return Article.ReviewInterval(days).label
    return f"Every {days} days"


@dataclass
class Diff:
    fields: list[FieldDiff]

    @property
    def changed(self):
        return [row for row in self.fields if row.changed]

    @property
    def unchanged(self):
        return [row for row in self.fields if not row.changed]


def compare(old_content: dict, new_content: dict) -> Diff:
    """Return every field of the answer, changed ones first (in reading order), each with its changes marked."""
    before, after = display_values(old_content), display_values(new_content)
    rows = []
    for name in FIELDS:
        old, new = before[name], after[name]
        html = _list_diff(old, new) if name in LISTS else _text_diff(old[0], new[0])
        rows.append(FieldDiff(name, label(name), old != new, html))
    return Diff(rows)


def label_change(before: dict | None, after: dict, codes: list[str], titles=("Before", "Now")) -> Diff:
    """Return the watched sections a label version changed (LOINC `codes`), old and new side by side.

    `before` and `after` are two versions' stored sections (models.DrugLabel.sections); a section's lines are
    its paragraphs. Both columns carry the answers' word diff: what went in the old, what came in the new.
    """

    def paragraphs(section):
        return "\n\n".join((section or {}).get("text", "").splitlines())

    return Diff(
        [
            FieldDiff(
                code,
                WATCHED.get(code, code),
                True,
                side_by_side(_text_diff(paragraphs((before or {}).get(code)), paragraphs(after.get(code))), titles),
            )
            for code in codes
        ]
    )


# What a column of a side-by-side diff leaves out: the other side's words, and paragraphs only they made.
_INSERTED, _DELETED = re.compile(r"<ins>.*?</ins>", re.S), re.compile(r"<del>.*?</del>", re.S)
_EMPTY_PARAGRAPH = re.compile(r'<p class="diff-p[^"]*"></p>')


def side_by_side(inline: SafeString, titles: tuple[str, str]) -> SafeString:
    """Split an inline diff (escaped text marked with <del> and <ins>) into the old and the new column."""
    old, new = (_EMPTY_PARAGRAPH.sub("", other.sub("", inline)) for other in (_INSERTED, _DELETED))
    return format_html(
        '<div class="side-by-side"><div class="diff-old"><h4>{}</h4>{}</div>'
        '<div class="diff-new"><h4>{}</h4>{}</div></div>',
        titles[0],
        mark_safe(old or '<p class="diff-empty">(none)</p>'),
        titles[1],
        mark_safe(new or '<p class="diff-empty">(none)</p>'),
    )


def show(content: dict) -> Diff:
    """Return every field of one revision as it reads, nothing marked: what a sign-off of a new answer approves."""
    rows = []
    for name, values in display_values(content).items():
        if name in LISTS:
            html = format_html_join("", "<li>{}</li>", ((v,) for v in values)) if values else mark_safe("<li>None</li>")
            html = format_html('<ul class="diff-list">{}</ul>', html)
        else:
            html = _paragraphs(_split(values[0]))
        rows.append(FieldDiff(name, label(name), True, html))
    return Diff(rows)


def _split(text: str) -> list[str]:
    return [p for p in _PARAGRAPH_BREAK.split(text) if p.strip()] if text else []


def _paragraphs(paragraphs, css="") -> SafeString:
    if not paragraphs:
        return format_html('<p class="diff-empty{}">(empty)</p>', css)
    return format_html_join("", '<p class="diff-p{}">{}</p>', ((css, p) for p in paragraphs))


def _text_diff(old: str, new: str) -> SafeString:
    """Mark what changed between two texts: whole paragraphs added or removed, words within changed ones."""
    a, b = _split(old), _split(new)
    parts = []
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for op, i1, i2, j1, j2 in blocks:
        if op == "equal":
            parts.append(_unchanged(a[i1:i2], first=i1 == 0, last=i2 == len(a)))
            continue
        # A paragraph rewritten into another shows its words; the rest is removed or added whole.
        for old_p, new_p in _pair(a[i1:i2], b[j1:j2]):
            if old_p is None:
                parts.append(format_html('<p class="diff-p"><ins>{}</ins></p>', new_p))
            elif new_p is None:
                parts.append(format_html('<p class="diff-p"><del>{}</del></p>', old_p))
            else:
                parts.append(format_html('<p class="diff-p diff-changed">{}</p>', _word_diff(old_p, new_p)))
    return mark_safe("".join(parts)) if parts else _paragraphs([])


def _pair(old: list[str], new: list[str]):
    """Yield (old, new) paragraphs in order: similar ones paired, any other alone beside None."""
    if len(old) == len(new) == 1:  # one paragraph replaced by one: a rewrite, however different
        yield old[0], new[0]
        return
    start = 0
    for paragraph in old:
        # Looking a few paragraphs ahead finds a rewrite past an insertion without comparing every pair.
        ahead = range(start, min(start + _LOOK_AHEAD, len(new)))
        match = next((k for k in ahead if _similar(paragraph, new[k])), None)
        if match is None:
            yield paragraph, None
            continue
        for k in range(start, match):
            yield None, new[k]
        yield paragraph, new[match]
        start = match + 1
    for k in range(start, len(new)):
        yield None, new[k]


def _similar(a: str, b: str) -> bool:
    matcher = difflib.SequenceMatcher(None, a.split(), b.split())
    return matcher.real_quick_ratio() >= 0.5 and matcher.quick_ratio() >= 0.5 and matcher.ratio() >= 0.5


def _unchanged(paragraphs, *, first, last) -> SafeString:
    """Show unchanged paragraphs, folding a long run away but for one paragraph of context each side."""
    keep_before = 0 if first else _CONTEXT
    keep_after = 0 if last else _CONTEXT
    if len(paragraphs) <= keep_before + keep_after + 1:
        return _paragraphs(paragraphs, " diff-same")
    folded = paragraphs[keep_before : len(paragraphs) - keep_after]
    return format_html(
        '{}<details class="diff-fold"><summary>{} unchanged paragraph{}</summary>{}</details>{}',
        _paragraphs(paragraphs[:keep_before], " diff-same") if keep_before else "",
        len(folded),
        "" if len(folded) == 1 else "s",
        _paragraphs(folded, " diff-same"),
        _paragraphs(paragraphs[len(paragraphs) - keep_after :], " diff-same") if keep_after else "",
    )


def _word_diff(old: str, new: str) -> SafeString:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if op == "equal":
            out.append(conditional_escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(format_html("<del>{}</del>", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(format_html("<ins>{}</ins>", "".join(b[j1:j2])))
    return mark_safe("".join(out))


def _list_diff(old: list[str], new: list[str]) -> SafeString:
    items = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            items += [format_html("<li>{}</li>", name) for name in old[i1:i2]]
            continue
        items += [format_html("<li><del>{}</del></li>", name) for name in old[i1:i2]]
        items += [format_html("<li><ins>{}</ins></li>", name) for name in new[j1:j2]]
    if not items:
        return mark_safe('<ul class="diff-list"><li>None</li></ul>')
    return format_html('<ul class="diff-list">{}</ul>', mark_safe("".join(items)))
