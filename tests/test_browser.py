"""The Besponsa page in a real headless Chromium, as a reader gets it."""

import pytest

from .support import BESPONSA_URL, assert_in_order, collapse, seed_blocks

pytestmark = pytest.mark.browser


def test_besponsa_page_shows_every_word_of_the_model_page_in_order(browser, demo_site):
    browser.get(demo_site + BESPONSA_URL)
    text = collapse(browser.execute_script("return document.body.innerText"))
    assert_in_order(text, seed_blocks())


def test_skip_link_moves_focus_to_the_main_content(browser, demo_site):
    from selenium.webdriver.common.keys import Keys

    browser.get(demo_site + BESPONSA_URL)
    body = browser.find_element("tag name", "body")
    body.send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.text == "Skip to main content"
    assert focused.is_displayed()
    focused.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "main-content"


def test_page_fits_a_360_pixel_phone_without_sideways_scrolling(browser, demo_site):
    browser.set_window_size(360, 800)
    browser.get(demo_site + BESPONSA_URL)
    scroll_width = browser.execute_script("return document.documentElement.scrollWidth")
    client_width = browser.execute_script("return document.documentElement.clientWidth")
    assert scroll_width <= client_width


# Where things are on the answer page, in CSS pixels: the warning block, the answer's paragraphs, At a glance.
LAYOUT = """
const box = element => element.getBoundingClientRect();
const paragraphs = [...document.querySelectorAll('.official-answer > p')];
const [warning, facts, answer] = ['.answer > aside.warning', '.facts', '.official-answer'].map(
  selector => box(document.querySelector(selector)));
return {warning: warning.top, warningBottom: warning.bottom, answerTop: answer.top, answerRight: answer.right,
        first: box(paragraphs[0]).top, firstBottom: box(paragraphs[0]).bottom, second: box(paragraphs[1]).top,
        factsTop: facts.top, factsLeft: facts.left, factsBottom: facts.bottom};
"""


@pytest.mark.parametrize("width", [390, 1280])
def test_the_boxed_warning_comes_before_the_answer_and_at_a_glance_after_its_first_paragraph_on_a_phone(
    browser, demo_site, width
):
    browser.set_window_size(width, 900)
    browser.get(demo_site + BESPONSA_URL)
    at = browser.execute_script(LAYOUT)
    assert at["warningBottom"] <= at["answerTop"] < at["first"]
    if width == 390:  # one column: the facts between the first paragraph and the second
        assert at["firstBottom"] <= at["factsTop"] and at["factsBottom"] <= at["second"]
    else:  # beside the answer, from its top
        assert at["factsLeft"] >= at["answerRight"] and at["factsTop"] <= at["warning"]
