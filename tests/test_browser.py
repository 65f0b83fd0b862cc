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
