"""The editorial path in a real headless Chromium: write, submit, sign off, edit, sign off again."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from monographs.models import Reviewer
from monographs.roles import sync_groups

from .support import collapse

pytestmark = pytest.mark.browser


@pytest.fixture
def staff(demo_site):
    # The live server's tests empty the database between them, groups included.
    sync_groups(Group, Permission)
    editor = User.objects.create_user("eddie", password="editor-pw-1", first_name="Eddie", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    reviewer = User.objects.create_user("rita", password="reviewer-pw-1", first_name="Rita", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Medical reviewers"))
    Reviewer.objects.create(name="Rita Reviewer", credentials="PharmD", slug="rita-reviewer", user=reviewer)
    return demo_site


class Site:
    """A person at the browser: logs in, clicks, types, reads."""

    def __init__(self, browser, base):
        self.browser, self.base = browser, base
        self.wait = WebDriverWait(browser, 10)

    def open(self, path):
        self.browser.get(self.base + path)

    def find(self, css):
        return self.wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))

    def click(self, css):
        self.wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, css))).click()

    def click_text(self, text):
        link = (By.XPATH, f"//*[self::a or self::button][normalize-space()='{text}']")
        self.wait.until(ec.element_to_be_clickable(link)).click()

    def log_in(self, username, password):
        self.browser.delete_all_cookies()
        self.open("/admin/login/")
        self.find("#id_username").send_keys(username)
        self.find("#id_password").send_keys(password + Keys.ENTER)
        self.find("#user-tools")  # only once logged in: the login page has a header too

    def as_reader(self):
        """Become a new reader: no login, and nothing cached from earlier visits."""
        self.browser.delete_all_cookies()
        self.browser.execute_cdp_cmd("Network.clearBrowserCache", {})

    def text(self):
        return collapse(self.browser.execute_script("return document.body.innerText"))

    def sees(self, words):
        """Wait until the page shows `words`; fail with what it shows instead."""
        try:
            self.wait.until(lambda _: words in self.text())
        except Exception:
            raise AssertionError(f"{words!r} not on the page: {self.text()[:1500]}") from None
        return True

    def choose(self, row_css, question):
        """Pick an answer in an autocomplete box: type part of it, click it in the results."""
        self.click(f"{row_css} .select2-selection")
        self.find(".select2-container--open .select2-search__field").send_keys(question.split()[-1])
        option = (By.XPATH, f"//li[contains(@class, 'select2-results__option')][normalize-space()='{question}']")
        self.wait.until(ec.element_to_be_clickable(option)).click()


def test_editor_writes_reviewer_signs_reader_sees_only_signed_text(browser, staff):
    browser.set_window_size(1280, 1600)
    site = Site(browser, staff)

    # An editor writes an answer with two related questions and submits it.
    site.log_in("eddie", "editor-pw-1")
    site.open("/admin/monographs/article/add/")
    site.find("#id_question").send_keys("Can Besponsa be given at home?")
    site.find("#id_answer").send_keys("Besponsa is administered as a one-hour intravenous infusion.")
    related = ["What is the boxed warning for Besponsa?", "What are the common side effects of Besponsa?"]
    for row, question in enumerate(related):
        site.click("#relatedquestion_links-group .add-row a")
        position = site.find(f"#id_relatedquestion_links-{row}-position")
        position.clear()
        position.send_keys(str(row))
        site.choose(f"#relatedquestion_links-{row}", question)
    site.click("input[name=_continue]")
    assert site.sees("was added successfully")
    site.click_text("Submit for medical review")
    assert site.sees("Submitted for medical review.")
    answer_url = "/medical-answers/can-besponsa-be-given-at-home/"

    site.as_reader()
    site.open(answer_url)
    assert site.sees("Page not found")

    # A medical reviewer signs it off.
    site.log_in("rita", "reviewer-pw-1")
    site.open("/admin/monographs/article/?q=at+home")
    site.click_text("Can Besponsa be given at home?")
    site.click_text("Review and sign off revision 1")
    site.find("#id_change_note").send_keys("First version")
    site.click("input[type=submit].default")
    assert site.sees("the answer is live")

    # A reader sees it, with the reviewer's byline and both related questions.
    site.as_reader()
    site.open(answer_url)
    today = timezone.localdate()
    text = site.text()
    assert f"Medically reviewed by Rita Reviewer, PharmD. Last updated on {today:%B %-d, %Y}." in text
    assert "What is the boxed warning for Besponsa?" in text
    assert "What are the common side effects of Besponsa?" in text

    # The editor changes it; readers keep the signed-off text.
    site.log_in("eddie", "editor-pw-1")
    site.open("/admin/monographs/article/?q=at+home")
    site.click_text("Can Besponsa be given at home?")
    site.click_text("Edit as a new draft")
    answer = site.find("#id_answer")
    answer.clear()
    answer.send_keys("Besponsa is given as a one-hour intravenous infusion (changed).")
    site.click("input[name=_continue]")
    assert site.sees("was changed successfully")

    site.as_reader()
    site.open(answer_url)
    assert "(changed)" not in site.text()
    assert "administered as a one-hour intravenous infusion" in site.text()

    # Once the reviewer signs again, readers get the new text.
    site.log_in("rita", "reviewer-pw-1")
    site.open("/admin/monographs/article/?q=at+home")
    site.click_text("Can Besponsa be given at home?")
    site.click_text("Review and sign off revision 2")
    site.click("input[type=submit].default")
    assert site.sees("the answer is live")
    site.as_reader()
    site.open(answer_url)
    assert "one-hour intravenous infusion (changed)." in site.text()
