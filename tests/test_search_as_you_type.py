"""Suggestions as the reader types: a JSON list of names and live questions, cached and purged like a page,
and a combobox in Chromium that keyboard and screen-reader users can work (axe-core clean)."""

import json

import pytest
from django.core.cache import cache

from monographs.models import Article, Drug

from .conftest import require
from .test_accessibility import AXE, RUN_AXE, WCAG_TAGS

pytestmark = pytest.mark.django_db


def completions(client, typed):
    response = client.get("/search/suggest/", {"q": typed})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return [(r["kind"], r["label"], r["url"]) for r in json.loads(response.content)["results"]]


def test_names_and_live_questions_that_go_on_from_what_is_typed(client, make_article, drug, condition):
    drug.other_names = "InO\nCMC-544"
    drug.save()
    make_article(question="How is Besponsa given?", slug="given")
    make_article(question="Is Besponsa a draft?", slug="draft", state=Article.State.DRAFT)
    assert completions(client, "besp") == [
        ("drug", "Besponsa (inotuzumab ozogamicin)", "/drugs/besponsa/"),
        ("answer", "How is Besponsa given?", "/medical-answers/given/"),
    ]
    assert completions(client, "cmc-5") == [("drug", "Besponsa (inotuzumab ozogamicin)", "/drugs/besponsa/")]
    assert completions(client, "ALL")[0] == ("condition", "Acute Lymphoblastic Leukemia (ALL)", "/conditions/all/")
    assert completions(client, "b") == []  # one letter offers nothing
    assert all("draft" not in label for _, label, _ in completions(client, "is besponsa"))


def test_hostile_text_stays_data(client, make_article):
    make_article(question='Is <script>alert(1)</script> "safe"?', slug="hostile")
    response = client.get("/search/suggest/", {"q": "<script>"})
    assert json.loads(response.content)["results"][0]["label"] == 'Is <script>alert(1)</script> "safe"?'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_cached_like_a_page_and_purged_when_a_name_changes(client, settings, drug):
    settings.DRUGREF_PAGE_CACHE = True
    cache.clear()
    response = client.get("/search/suggest/", {"q": "besp"})
    assert "public" in response["Cache-Control"] and "drugs" in response["Surrogate-Key"].split()
    Drug.objects.filter(pk=drug.pk).update(brand_name="Bespoke")  # no signal: the cached copy stays
    assert completions(client, "besp")[0][1].startswith("Besponsa")
    drug.refresh_from_db()
    drug.save()  # an editor's save purges
    assert completions(client, "besp")[0][1].startswith("Bespoke")


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_the_combobox_works_from_the_keyboard_and_passes_axe(browser, demo_site, width):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    require(AXE.exists(), "axe-core is not installed (npm ci)")
    browser.set_window_size(width, 900)
    browser.set_script_timeout(60)
    browser.get(demo_site + "/search/")
    box = browser.find_element(By.ID, "search-q")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    box.send_keys("besp")
    listbox = browser.find_element(By.ID, box.get_attribute("aria-controls"))
    WebDriverWait(browser, 10).until(lambda _: box.get_attribute("aria-expanded") == "true")
    options = listbox.find_elements(By.CSS_SELECTOR, "[role=option]")
    assert options[0].text == "Drug: Besponsa (inotuzumab ozogamicin)"
    status = browser.find_element(By.CSS_SELECTOR, ".has-suggestions [role=status]").get_attribute("textContent")
    assert status.startswith(f"{len(options)} suggestions")
    browser.execute_script(AXE.read_text())
    assert browser.execute_async_script(RUN_AXE, WCAG_TAGS) == []  # with the list open

    box.send_keys(Keys.ARROW_DOWN)
    assert box.get_attribute("aria-activedescendant") == options[0].get_attribute("id")
    assert options[0].get_attribute("aria-selected") == "true"
    box.send_keys(Keys.ARROW_UP)  # round to the last
    assert box.get_attribute("aria-activedescendant") == options[-1].get_attribute("id")
    box.send_keys(Keys.ESCAPE)
    assert box.get_attribute("aria-expanded") == "false" and not listbox.is_displayed()

    box.send_keys("o")  # "bespo": the list again; choose the drug and press Enter
    WebDriverWait(browser, 10).until(lambda _: box.get_attribute("aria-expanded") == "true")
    box.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda driver: driver.current_url.endswith("/drugs/besponsa/"))


@pytest.mark.browser
def test_enter_without_a_choice_searches_as_typed(browser, demo_site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(demo_site + "/")
    box = browser.find_element(By.ID, "home-search-q")
    box.send_keys("besponza")
    box.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda driver: "/search/?q=besponza" in driver.current_url)
    assert "Did you mean" in browser.find_element(By.ID, "did-you-mean").text
