"""Accessibility and valid HTML on every page type: axe-core in Chromium, and the Nu HTML Checker."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from .conftest import require
from .support import BESPONSA_URL

PROJECT = Path(__file__).resolve().parent.parent
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
VNU = PROJECT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

PAGES = {
    "home": "/",
    "index": "/medical-answers/",
    "letter": "/drugs/letter/i/",
    "conditions": "/conditions/",
    "answer": BESPONSA_URL,
    "report": BESPONSA_URL + "report/",
    "drug": "/drugs/besponsa/",
    "drugs": "/drugs/",
    "condition": "/conditions/acute-lymphoblastic-leukemia/",
    "reviewer": "/reviewers/judith-stewart/",
    "reviewers": "/reviewers/",
    "support group": "/support-groups/besponsa-support-group/",
    "search": "/search/?q=besponsa",
    "empty search": "/search/?q=nothing+matches+this",
    "site page": "/editorial-policy/",
    "about": "/about/",
    "404": "/medical-answers/no-such-answer/",
}

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}})
  .then(result => done(result.violations.map(
    v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(" ")).join(", ")}`
  )))
  .catch(error => done([`axe failed: ${error}`]));
"""


@pytest.mark.browser
@pytest.mark.parametrize("url", PAGES.values(), ids=PAGES.keys())
@pytest.mark.parametrize("width", [390, 1280])
def test_no_axe_violations(browser, demo_site, url, width):
    require(AXE.exists(), "axe-core is not installed (npm ci)")
    browser.set_window_size(width, 900)
    browser.set_script_timeout(60)
    browser.get(demo_site + url)
    browser.execute_script(AXE.read_text())
    assert browser.execute_async_script(RUN_AXE, WCAG_TAGS) == []


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 390, 640, 1280])
def test_pages_reflow_without_sideways_scrolling(browser, demo_site, width):
    """360 and 390 px are phones; 640 px is a 1280 px window at 200 % zoom."""
    browser.set_window_size(width, 900)
    for url in PAGES.values():
        browser.get(demo_site + url)
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), url


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_a_long_last_breadcrumb_wraps_between_its_words_not_before_it(browser, demo_site, width):
    browser.set_window_size(width, 900)
    browser.get(demo_site + BESPONSA_URL)
    same_line = browser.execute_script(
        """const crumbs = document.querySelectorAll('.breadcrumbs li');
        const before = crumbs[crumbs.length - 2].getClientRects(), last = crumbs[crumbs.length - 1].getClientRects();
        return Math.abs(before[before.length - 1].top - last[0].top) < 2;"""
    )
    assert same_line, "the last crumb starts a line of its own"


@pytest.mark.django_db
def test_every_page_type_is_valid_html(client, tmp_path):
    java = require(shutil.which("java"), "Java is not installed (apt-get install default-jre-headless)")
    require(VNU.exists(), "The Nu HTML Checker is not installed (npm ci)")
    call_command("load_demo", verbosity=0)
    files = []
    for name, url in PAGES.items():
        path = tmp_path / f"{name.replace(' ', '-')}.html"
        path.write_bytes(client.get(url).content)
        files.append(str(path))
    checked = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--stdout", *files], capture_output=True, text=True, timeout=300
    )
    messages = json.loads(checked.stdout)["messages"]
    errors = [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages if m["type"] == "error"]
    assert errors == []
