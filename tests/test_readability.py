"""Plain language for writers: the answer's reading level on the edit and sign-off pages, names left out."""

import pytest
import textstat

from monographs.models import Condition, Drug
from monographs.readability import LONG_SENTENCE, reading_level

from .support import collapse, visible_text
from .test_editorial import ADMIN, add_answer, change_url, submit

pytestmark = pytest.mark.django_db

PLAIN = "Take one tablet a day. Drink water with it. Call your doctor if you feel sick."
# Long words: drug names, a condition's name, and medical words a writer could explain.
NAMED = (
    "Zorbantrivex helps thrombocytopenia caused by Kelvorasteride. "
    "Zorbantrivex is given intravenously. Myelosuppression is possible with Kelvorasteride."
)


def grade(text):
    return round(textstat.flesch_kincaid_grade(text), 1)


def test_names_in_the_database_count_as_short_words_and_other_long_words_do_not():
    unnamed = reading_level(NAMED)
    assert unnamed.names == [] and unnamed.grade == grade(NAMED)

    Drug.objects.create(brand_name="Zorbantrivex", generic_name="kelvorasteride", slug="zorbantrivex")
    Condition.objects.create(name="Thrombocytopenia", slug="thrombocytopenia")
    named = reading_level(NAMED)
    assert named.names == ["Kelvorasteride", "thrombocytopenia", "Zorbantrivex"]
    # Each name is a one-syllable word; "intravenously" and "Myelosuppression" still count as long.
    assert named.grade == grade(
        "name helps name caused by name. name is given intravenously. Myelosuppression is possible with name."
    )
    assert named.grade < unnamed.grade
    assert (named.words, named.sentences) == (15, 3)


def test_plain_text_is_within_the_target_and_markup_is_not_counted():
    reading = reading_level(f"## Taking it\n\n{PLAIN}\n\n- **with** food\n- [at night](https://example.org/)")
    # Headings and list items are sentences of their own, ended or not; links and emphasis are their words.
    assert reading.sentences == 3 + 3
    assert reading.grade == grade(f"Taking it. {PLAIN} with food. at night.")
    assert not reading.above_target and reading.target == 8
    assert reading_level("") is None and reading_level("> \n\n---") is None


def test_the_longest_sentences_are_listed_longest_first():
    long = " ".join(["word"] * (LONG_SENTENCE + 5)) + "."
    longer = " ".join(["other"] * (LONG_SENTENCE + 9)) + "!"
    just = " ".join(["short"] * LONG_SENTENCE) + "?"
    reading = reading_level(f"{long} {just}\n\n{longer} {PLAIN}")
    assert [(s.words, s.text[:5]) for s in reading.long_sentences] == [(LONG_SENTENCE + 9, "other"), (30, "word ")]


def test_the_edit_and_sign_off_pages_show_the_figure_as_advice(editor_client, reviewer_client, settings):
    settings.DRUGREF_READING_GRADE = 6
    hard = (
        "Myelosuppression, hepatotoxicity and QT interval prolongation are clinically significant considerations "
        "necessitating comprehensive haematological monitoring throughout the administration period."
    )
    article = add_answer(editor_client, answer=hard)  # saved: the figure never blocks
    text = collapse(visible_text(editor_client.get(change_url(article)).content.decode()))
    reading = reading_level(hard)
    assert reading.above_target
    assert (
        f"Plain language Reading level of the answer: grade {reading.grade} (Flesch-Kincaid), against a target of "
        "grade 6 or below: harder than the target. Shorter sentences and everyday words bring it down. "
        "18 words in 1 sentence."
    ) in text
    assert "Advice only: it never stops a save, a submission or a sign-off." in text

    submit(article)
    page = reviewer_client.get(f"{ADMIN}{article.pk}/sign-off/").content.decode()
    assert f"Reading level of the answer: grade {reading.grade}" in collapse(visible_text(page))
    assert 'name="sign_off"' in page  # the reviewer can still sign it off


def test_the_sign_off_page_grades_the_revision_being_signed_off(editor_client, reviewer_client):
    article = add_answer(editor_client, answer=PLAIN)
    submit(article)
    page = collapse(visible_text(reviewer_client.get(f"{ADMIN}{article.pk}/sign-off/").content.decode()))
    assert f"grade {reading_level(PLAIN).grade} (Flesch-Kincaid), against a target of grade 8 or below: within" in page
    assert "The longest sentences" not in page
