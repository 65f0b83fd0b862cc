"""The saved-page text format: what it reads, what it tolerates, what it refuses."""

from datetime import date

import pytest

from monographs.interchange.formats.page_text import parse_file, parse_text
from monographs.interchange.records import ConditionRef, DrugRef, InvalidInput, ReviewerRef

from .support import SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")


def parse(text):
    return parse_text(text, "page.txt")


def problem_of(text):
    with pytest.raises(InvalidInput) as caught:
        parse(text)
    [problem] = caught.value.problems
    return problem


def test_seed_page_gives_question_byline_and_subjects():
    record = parse(SEED_TEXT)
    assert record.question == "How does Besponsa work to treat Acute Lymphoblastic Leukemia (ALL)?"
    assert record.slug == "how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all"
    assert record.reviewer == ReviewerRef("Judith Stewart", "BPharm")
    assert record.reviewed_on == date(2024, 3, 12)
    assert record.state == "published"
    assert record.drugs == [DrugRef("Besponsa", "inotuzumab ozogamicin")]
    assert record.conditions == [ConditionRef("Acute Lymphoblastic Leukemia", "ALL")]
    assert record.line == 3


def test_seed_answer_has_seven_paragraphs_and_no_section_headings():
    paragraphs = parse(SEED_TEXT).answer.split("\n\n")
    assert len(paragraphs) == 7
    assert paragraphs[0].startswith("Besponsa (inotuzumab ozogamicin) works to treat")
    assert paragraphs[-1].endswith("(hyperbilirubinemia).")
    assert not any("Related questions" in p for p in paragraphs)


def test_hard_wrapped_lines_join_into_one_paragraph():
    paragraphs = parse(SEED_TEXT).answer.split("\n\n")
    assert paragraphs[3] == (
        "Besponsa is indicated for the treatment of relapsed or refractory CD22-positive B-cell "
        "precursor acute lymphoblastic leukemia (ALL) in adult and pediatric patients 1 year and older."
    )


def test_summary_is_the_first_paragraph():
    assert parse(SEED_TEXT).summary.startswith("Besponsa (inotuzumab ozogamicin) works to treat")


def test_curly_quotes_are_kept():
    assert "heart’s electrical pulses" in parse(SEED_TEXT).answer


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param("\ufeff" + SEED_TEXT, id="utf-8 BOM"),
        pytest.param(SEED_TEXT.replace("\n", "\r\n"), id="CRLF"),
        pytest.param(SEED_TEXT.replace("\n", "  \n"), id="trailing spaces"),
        pytest.param(SEED_TEXT.rstrip("\n"), id="no final newline"),
        pytest.param(SEED_TEXT.replace("Skip to main content\n", "", 1), id="no skip link"),
        pytest.param(SEED_TEXT.replace("Skip to main content\n\n", "Skip to main content\n", 1), id="skip link glued"),
        pytest.param(SEED_TEXT.replace("\n", "\r"), id="old Mac CR"),
    ],
)
def test_tolerated_variations_parse_to_the_same_record(variant):
    expected = parse(SEED_TEXT)
    record = parse(variant)
    assert (record.question, record.answer, record.reviewer, record.reviewed_on) == (
        expected.question,
        expected.answer,
        expected.reviewer,
        expected.reviewed_on,
    )


def test_bom_is_tolerated_when_read_from_a_file(tmp_path):
    path = tmp_path / "page.txt"
    path.write_bytes(b"\xef\xbb\xbf" + SEED_TEXT.encode())
    [record] = parse_file(path)
    assert record.question.startswith("How does Besponsa")


def test_short_month_names_are_read():
    record = parse(SEED_TEXT.replace("March 12, 2024", "Mar 12, 2024"))
    assert record.reviewed_on == date(2024, 3, 12)


def test_markdown_characters_in_the_text_stay_plain_text():
    record = parse(SEED_TEXT.replace("Besponsa is administered", "*Besponsa* <b>is</b> administered"))
    assert "\\*Besponsa\\* &lt;b>is&lt;/b> administered" in record.answer


def test_credentials_after_the_first_comma_are_kept_whole():
    record = parse(SEED_TEXT.replace("Judith Stewart, BPharm.", "Leigh Ann Anderson, PharmD, BCPS."))
    assert record.reviewer == ReviewerRef("Leigh Ann Anderson", "PharmD, BCPS")


@pytest.mark.parametrize(
    ("text", "line", "field", "expected"),
    [
        pytest.param("", 1, "question", "expected the question", id="empty file"),
        pytest.param("Skip to main content\n\n", 1, "question", "expected the question", id="only skip link"),
        pytest.param(
            SEED_TEXT.split("\n", 2)[2].replace(
                "How does Besponsa work to treat Acute Lymphoblastic Leukemia (ALL)?\n\n", ""
            ),
            1,
            "question",
            "expected the question before",
            id="no question",
        ),
        pytest.param(
            SEED_TEXT.replace("Medically reviewed by Judith Stewart, BPharm. Last updated on March 12, 2024.\n\n", ""),
            5,
            "reviewed_by",
            "expected “Medically reviewed by NAME, CREDENTIALS.",
            id="no review line",
        ),
        pytest.param(
            "Skip to main content\n\nHow does it work?\n",
            3,
            "reviewed_by",
            "found the end of the file",
            id="ends after question",
        ),
        pytest.param(
            SEED_TEXT.replace("March 12, 2024", "12/03/2024"),
            5,
            "reviewed_on",
            "expected a date like “March 12, 2024”, found “12/03/2024”",
            id="unreadable date",
        ),
        pytest.param(
            SEED_TEXT.replace("March 12, 2024", "February 30, 2024"),
            5,
            "reviewed_on",
            "found “February 30, 2024”",
            id="impossible date",
        ),
        pytest.param(
            SEED_TEXT.replace("Official answer\n", "Answer\n"),
            7,
            "answer",
            "expected the line “Official answer”",
            id="no answer heading",
        ),
        pytest.param(
            SEED_TEXT.split("Official answer")[0] + "Official answer\n\nRelated questions\n",
            7,
            "answer",
            "expected the answer's paragraphs",
            id="no answer",
        ),
        pytest.param(
            SEED_TEXT + "\nA stray link that would be lost\n",
            35,
            "sections",
            "found “A stray link that would be lost”",
            id="content after the headings",
        ),
    ],
)
def test_malformed_pages_name_the_line_and_what_was_expected(text, line, field, expected):
    problem = problem_of(text)
    assert (problem.path, problem.line, problem.field) == ("page.txt", line, field)
    assert expected in problem.message


def test_a_file_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(SEED_TEXT.replace("heart’s", "heart's").encode().replace(b"heart's", b"heart\xe9s"))
    [problem] = parse_file(path)
    assert str(problem) == f"{path}:22: file: is not UTF-8 text"


@pytest.mark.parametrize(
    ("byline", "reviewer"),
    [
        ("Medically reviewed by Drugs.com. Last updated on March 12, 2024.", ReviewerRef("Drugs.com", "")),
        ("Medically reviewed by Judith Stewart. Last updated on March 12, 2024.", ReviewerRef("Judith Stewart", "")),
        (
            "Medically reviewed by Dr. Ann Lee, PharmD. Last updated on March 12, 2024.",
            ReviewerRef("Dr. Ann Lee", "PharmD"),
        ),
    ],
)
def test_a_reviewer_without_credentials_is_read(byline, reviewer):
    text = SEED_TEXT.replace("Medically reviewed by Judith Stewart, BPharm. Last updated on March 12, 2024.", byline)
    record = parse(text)
    assert (record.reviewer, record.reviewed_on) == (reviewer, date(2024, 3, 12))
