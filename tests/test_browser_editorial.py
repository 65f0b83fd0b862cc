"""The review loop in a real headless Chromium: write, submit, send back, revise, two people sign off, withdraw."""

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
    second = User.objects.create_user("sam", password="reviewer-pw-2", first_name="Sam", is_staff=True)
    second.groups.add(Group.objects.get(name="Medical reviewers"))
    Reviewer.objects.create(name="Sam Second", credentials="PharmD", slug="sam-second", user=second)
    return demo_site


class Site:
    """A person at the browser: logs in, clicks, types, reads."""

    def __init__(self, browser, base):
        self.browser, self.base = browser, base
        self.wait = WebDriverWait(browser, 20)  # generous: CI machines are shared

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


def test_the_review_loop_with_an_editor_and_two_reviewers(browser, staff):
    browser.set_window_size(1280, 1600)
    site = Site(browser, staff)
    answer_url = "/medical-answers/can-besponsa-be-given-at-home/"

    # An editor writes an answer with two related questions and submits it.
    site.log_in("eddie", "editor-pw-1")
    site.open("/admin/monographs/article/add/")
    site.find("#id_question").send_keys("Can Besponsa be given at home?")
    site.find("#id_answer").send_keys("Besponsa is administered as a one-hour intravenous infusion.")
    site.find("#id_sources-0-title").send_keys("BESPONSA Prescribing Information")  # no source, no sign-off
    related = ["What is the boxed warning for Besponsa?", "What are the common side effects of Besponsa?"]
    for row, question in enumerate(related):
        site.click("#relatedquestion_links-group .add-row a")
        position = site.find(f"#id_relatedquestion_links-{row}-position")
        position.clear()
        position.send_keys(str(row))
        site.choose(f"#relatedquestion_links-{row}", question)
    site.click("input[name=_submit_for_review]")
    assert site.sees("Saved and submitted for medical review.")

    # The first reviewer sends it back with a comment.
    site.log_in("rita", "reviewer-pw-1")
    site.open("/admin/monographs/article/?review=mine")
    site.click_text("Can Besponsa be given at home?")
    site.click_text("Review and sign off revision 1")
    assert site.sees("Everything you are approving (revision 1)")
    assert site.sees("What is the boxed warning for Besponsa?")  # the links it approves, not only the text
    site.find("#id_comment").send_keys("Say where the infusion is given: in hospital, not at home.")
    site.click("input[name=request_changes]")
    assert site.sees("sent back to its editor")

    # The editor sees the comment, revises and submits again.
    site.log_in("eddie", "editor-pw-1")
    site.open("/admin/monographs/article/?q=at+home")
    site.click_text("Can Besponsa be given at home?")
    assert site.sees("Say where the infusion is given: in hospital, not at home.")
    answer = site.find("#id_answer")
    answer.clear()
    answer.send_keys("No. Besponsa is given in hospital as a one-hour intravenous infusion.")
    site.click("input[name=_submit_for_review]")
    assert site.sees("Saved and submitted for medical review.")
    assert "Say where the infusion is given" not in site.text()  # answered by submitting again

    # The first reviewer edits it herself: now she may not sign it off.
    site.log_in("rita", "reviewer-pw-1")
    site.open("/admin/monographs/article/?q=at+home")
    site.click_text("Can Besponsa be given at home?")
    answer = site.find("#id_answer")
    answer.send_keys(" Your care team will watch you closely.")
    site.click("input[name=_continue]")
    assert site.sees("was changed successfully")
    site.click_text("Review and sign off revision 3")
    assert site.sees("so another medical reviewer must sign it off: two people check every answer.")
    assert not browser.find_elements(By.CSS_SELECTOR, "input[name=sign_off]")

    site.as_reader()
    site.open(answer_url)
    assert site.sees("Page not found")

    # A second reviewer signs it off: only now do readers see it.
    site.log_in("sam", "reviewer-pw-2")
    site.open("/admin/monographs/article/?review=mine")
    site.click_text("Can Besponsa be given at home?")
    site.click_text("Review and sign off revision 3")
    site.find("#id_change_note").send_keys("First version")
    site.click("input[name=sign_off]")
    assert site.sees("the answer is live")

    site.as_reader()
    site.open(answer_url)
    today = timezone.localdate()
    text = site.text()
    assert f"Medically reviewed by Sam Second, PharmD. Last updated on {today:%B %-d, %Y}." in text
    assert "No. Besponsa is given in hospital as a one-hour intravenous infusion. Your care team" in text
    assert "What is the boxed warning for Besponsa?" in text

    # The second reviewer withdraws it, saying why: readers get 410 Gone, the history keeps the reason.
    site.log_in("sam", "reviewer-pw-2")
    site.open("/admin/monographs/article/?q=at+home")
    site.click_text("Can Besponsa be given at home?")
    site.click_text("Withdraw from the site…")
    site.find("#id_reason").send_keys("Home infusion guidance is under review.")
    site.click("input[type=submit].default")
    assert site.sees("1 answer withdrawn.")
    site.as_reader()
    site.open(answer_url)
    assert site.sees("Answer withdrawn")
    assert "Can Besponsa be given at home?" not in site.text()
    site.log_in("sam", "reviewer-pw-2")
    site.open("/admin/monographs/article/?q=at+home&state__exact=withdrawn")
    site.click_text("Can Besponsa be given at home?")
    site.click_text("History")
    assert site.sees("Withdrawn: revision 3")
    assert site.sees("Home infusion guidance is under review.")
    assert site.sees("Changes requested: revision 1")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_sign_off_page_fits_the_screen(browser, staff, width):
    from monographs import editorial
    from monographs.models import Article

    article = Article.objects.get(slug="how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all")
    draft = editorial.start_draft(article)
    draft.answer = draft.answer.replace("Besponsa", "Besponsa (inotuzumab ozogamicin)", 3) + "\n\n" + "x" * 120
    draft.save()
    editorial.record_revision(article)
    editorial.submit_for_review(article, User.objects.get(username="eddie"))
    browser.set_window_size(width, 900)
    site = Site(browser, staff)
    site.log_in("rita", "reviewer-pw-1")
    site.open(f"/admin/monographs/article/{article.pk}/sign-off/")
    assert site.sees("Changes from the live version")
    assert browser.find_elements(By.CSS_SELECTOR, ".diff ins")
    overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {width} px"


LEAVING = """
const event = new Event("beforeunload", {cancelable: true});
window.dispatchEvent(event);
return event.defaultPrevented;
"""


def test_the_browser_asks_before_leaving_an_answer_with_unsaved_changes(browser, staff):
    """The page asks the browser to say "Leave site? Changes you made may not be saved." (headless shows no dialog,
    so the test asks the page directly, as the browser does before it leaves)."""
    browser.set_window_size(1280, 1200)
    site = Site(browser, staff)
    site.log_in("eddie", "editor-pw-1")
    site.open("/admin/monographs/article/add/")
    site.find("#id_question")
    assert browser.execute_script(LEAVING) is False  # nothing typed yet: leave freely
    site.find("#id_question").send_keys("Can Besponsa be given at home?")
    assert browser.execute_script(LEAVING) is True

    # Saving through the form itself never asks.
    site.find("#id_answer").send_keys("No: in hospital, as a one-hour infusion.")
    browser.execute_script("document.getElementById('article_form').dispatchEvent(new Event('submit'))")
    assert browser.execute_script(LEAVING) is False
