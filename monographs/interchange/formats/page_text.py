"""Parse a saved answer page's text (the model page's format) into a record.

The format, line by line, blank lines between blocks:

    Skip to main content                      (optional)
    How does Besponsa work to treat ...?      the question
    Medically reviewed by NAME, CREDENTIALS. Last updated on March 12, 2024.
    Official answer
    paragraphs of the answer                  (hard-wrapped lines join up)
    Related questions, Read next, ...         trailing headings, no content
"""

import re
from datetime import date, datetime
from pathlib import Path

from ...rendering import escape_markdown
from ...slugs import slug_for
from ..records import ArticleRecord, ConditionRef, DrugRef, InvalidInput, Problem, ReviewerRef
from .files import read_text

SKIP_LINK = "Skip to main content"
ANSWER_HEADING = "Official answer"
SECTION_HEADINGS = (
    "Related questions",
    "Read next",
    "Related medical questions",
    "Drug information",
    "Related support groups",
)
DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y")
SUMMARY_MAX_LENGTH = 300

REVIEW_LINE = re.compile(
    # Credentials are optional: "Medically reviewed by Drugs.com. Last updated on ..." names an organisation.
    r"^Medically reviewed by (?P<name>[^,]+?)(?:, (?P<credentials>.+?))?\. "
    r"Last updated on (?P<date>.+?)\.?$"
)
# "Acute Lymphoblastic Leukemia (ALL)": title-case words, then an abbreviation.
_TITLE_WORD = r"[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)*"
CONDITION = re.compile(rf"((?:{_TITLE_WORD}\s+)*{_TITLE_WORD})\s+\(([A-Z][A-Z0-9-]*[A-Z0-9])\)")
# "Besponsa (inotuzumab ozogamicin)": a brand name, then its generic name.
BRAND_AND_GENERIC = re.compile(r"\b([A-Z][\w-]+)\s+\(([a-z][a-z0-9 -]*[a-z0-9])\)")


def parse_file(path: Path):
    """Yield the one record in a saved page, or the problem that stops it."""
    try:
        yield parse_text(read_text(path), str(path))
    except InvalidInput as invalid:
        yield from invalid.problems


def parse_text(text: str, path: str) -> ArticleRecord:
    """Return the record in a page's text, or raise InvalidInput."""
    text = text.removeprefix("\ufeff")
    blocks = list(_blocks(text))
    if blocks and blocks[0][1][0] == SKIP_LINK:
        line, lines = blocks.pop(0)
        if len(lines) > 1:
            blocks.insert(0, (line + 1, lines[1:]))

    def fail(line, field, message):
        raise InvalidInput([Problem(path, line, field, message)])

    last_line = len(text.splitlines()) or 1
    if not blocks:
        fail(1, "question", "expected the question, found an empty file")
    q_line, q_lines = blocks.pop(0)
    question = " ".join(q_lines)
    if REVIEW_LINE.match(question) or question == ANSWER_HEADING:
        fail(q_line, "question", f"expected the question before “{question[:40]}…”")

    if not blocks:
        fail(
            last_line,
            "reviewed_by",
            "expected “Medically reviewed by NAME, CREDENTIALS. "
            "Last updated on DATE.” after the question, found the end of the file",
        )
    r_line, r_lines = blocks.pop(0)
    review = REVIEW_LINE.match(" ".join(r_lines))
    if not review:
        fail(
            r_line,
            "reviewed_by",
            f"expected “Medically reviewed by NAME, CREDENTIALS. Last updated on DATE.”, found “{r_lines[0][:60]}”",
        )
    reviewed_on = _parse_date(review["date"])
    if reviewed_on is None:
        fail(r_line, "reviewed_on", f"expected a date like “March 12, 2024”, found “{review['date']}”")

    if not blocks or blocks[0][1] != [ANSWER_HEADING]:
        where = blocks[0][0] if blocks else last_line
        fail(where, "answer", f"expected the line “{ANSWER_HEADING}” after the review line")
    a_line, _ = blocks.pop(0)

    paragraphs = []
    while blocks and blocks[0][1][0] not in SECTION_HEADINGS:
        paragraphs.append(" ".join(blocks.pop(0)[1]))
    if not paragraphs:
        fail(a_line, "answer", f"expected the answer's paragraphs after “{ANSWER_HEADING}”")
    for line, lines in blocks:
        for offset, heading in enumerate(lines):
            if heading not in SECTION_HEADINGS:
                fail(
                    line + offset,
                    "sections",
                    "expected only the section headings "
                    f"({', '.join(SECTION_HEADINGS)}) after the answer, found “{heading[:60]}”",
                )

    drugs, conditions = _subjects(question, paragraphs)
    return ArticleRecord(
        path=path,
        line=q_line,
        question=question,
        slug=slug_for(question),
        answer="\n\n".join(escape_markdown(p) for p in paragraphs),
        summary=_summary(paragraphs[0]),
        reviewer=ReviewerRef(review["name"].strip(), (review["credentials"] or "").strip()),
        reviewed_on=reviewed_on,
        state="published",
        drugs=drugs,
        conditions=conditions,
        carries_review_interval=False,
        lines={"question": q_line, "reviewer": r_line, "reviewed_on": r_line, "answer": a_line + 1},
    )


def _blocks(text: str):
    """Yield (first line number, lines) for each run of non-blank lines."""
    start, lines = 0, []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = line.strip()
        if line:
            start = start or number
            lines.append(line)
        elif lines:
            yield start, lines
            start, lines = 0, []
    if lines:
        yield start, lines


def _parse_date(value: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _summary(paragraph: str) -> str:
    if len(paragraph) <= SUMMARY_MAX_LENGTH:
        return paragraph
    return paragraph[: SUMMARY_MAX_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def _subjects(question: str, paragraphs: list[str]) -> tuple[list[DrugRef], list[ConditionRef]]:
    """Return the drugs and conditions named in the question."""
    conditions = [ConditionRef(name, abbr) for name, abbr in CONDITION.findall(question)]
    drugs = {}
    for brand, generic in BRAND_AND_GENERIC.findall(" ".join([question, *paragraphs])):
        if brand not in drugs and re.search(rf"\b{re.escape(brand)}\b", question):
            drugs[brand] = DrugRef(brand, generic)
    return list(drugs.values()), conditions
