"""Printing an answer: what lands on paper, checked by printing the page to PDF in Chromium."""

import base64
import io
import re
import unicodedata
from datetime import date

import pytest

from .support import BESPONSA_URL, assert_in_order, collapse, seed_blocks

pytestmark = pytest.mark.browser


def printed_text(browser, url) -> str:
    from pypdf import PdfReader
    from selenium.webdriver.common.print_page_options import PrintOptions

    browser.get(url)
    options = PrintOptions()
    options.background = False
    pdf = PdfReader(io.BytesIO(base64.b64decode(browser.print_page(options))))
    text = " ".join(page.extract_text() for page in pdf.pages)
    # As read back from the PDF: ligatures ("ﬃ") as letters, a word broken after its hyphen joined again.
    return re.sub(r"-\s+", "-", collapse(unicodedata.normalize("NFKC", text)))


def test_a_printed_answer_holds_the_answer_its_dates_warnings_and_sources_and_says_where_and_when(browser, demo_site):
    url = demo_site + BESPONSA_URL
    text = printed_text(browser, url)
    today = date.today()
    blocks = [block for block in seed_blocks() if block != "Skip to main content"]
    answer = blocks[: blocks.index("Related questions")]
    assert_in_order(text, [answer[0], answer[1], "Review overdue."])
    # The warning, first (its label in capitals, as styled), then the answer's every word in order.
    assert_in_order(text, ["BOXED WARNING", "severe liver damage (hepatotoxicity).", *answer[2:]])
    assert_in_order(
        text,
        [
            answer[-1],
            "Sources 1. BESPONSA (inotuzumab ozogamicin) for injection, for intravenous use: Prescribing Information.",
            "drugref answers are written and medically reviewed by pharmacists. They do not replace advice from "
            "your own doctor or pharmacist.",
            "Printed from",
        ],
    )
    # The address, which may wrap across lines, and the day it was printed.
    assert re.sub(r"\s", "", url) in re.sub(r"\s", "", text)
    assert f"on {today:%B} {today.day}, {today.year}." in text
    # Nothing a reader cannot use on paper, nor a second copy of the facts.
    for absent in ("Skip to main content", "Search", "Report a problem", "At a glance", "Related questions", "Home ›"):
        assert absent not in text, absent
    assert text.count("The prescribing information for Besponsa includes a boxed warning") == 2  # box, and text


def test_the_print_line_is_not_shown_on_screen(browser, demo_site):
    browser.get(demo_site + BESPONSA_URL)
    line = browser.find_element("css selector", ".print-only")
    assert not line.is_displayed()
    assert "Printed from" not in browser.execute_script("return document.body.innerText")
