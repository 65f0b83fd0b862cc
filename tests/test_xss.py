"""Hostile text in every text field, through every way in, shown in a real browser: no script runs.

Each payload of a broad corpus goes into every text field of an answer and of
its drug, condition, reviewer and support group, through a JSON Lines import;
into answers through Markdown and saved-page imports; and into an answer and a
drug through the admin's forms. Headless Chromium then opens every public page
type that shows them, the admin pages that show them, and each feed item's HTML
the way a feed reader shows it. The browser ignores the Content-Security-Policy
here (it is a second line of defence): escaping alone must hold.

A page fails if a payload's script ran (each calls xss()), if any element has
an inline event handler, a javascript:/data:/vbscript: address, or is an
element no page of ours contains (script outside JSON-LD, iframe, object,
embed, base, meta refresh).
"""

import json
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from monographs.models import Article, Drug
from monographs.text import NOT_ON_ONE_LINE

from .support import form_values

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<script>xss()</script>",
    "<img src=x onerror=xss()>",
    "<svg onload=xss()>",
    "<svg><script>xss()</script></svg>",
    '"><script>xss()</script>',
    "'><img src=x onerror=xss()>",
    '" autofocus onfocus="xss()" x="',
    "' autofocus onfocus='xss()' x='",
    "</script><script>xss()</script>",
    "</title><script>xss()</script>",
    "</textarea><script>xss()</script>",
    "</style><script>xss()</script>",
    '<iframe src="javascript:xss()"></iframe>',
    '<a href="javascript:xss()">click</a>',
    '<a href="&#106;avascript:xss()">click</a>',
    "[click](javascript:xss())",
    "[click](JaVaScRiPt:xss())",
    "[click](data:text/html;base64,PHNjcmlwdD54c3MoKTwvc2NyaXB0Pg==)",
    "[click](vbscript:xss())",
    '![x](x" onerror="xss())',
    '<object data="javascript:xss()"></object>',
    '<embed src="javascript:xss()">',
    "<math><mtext><table><mglyph><style><img src=x onerror=xss()>",
    "<details open ontoggle=xss()>",
    "<body onload=xss()>",
    '<form action="javascript:xss()"><button>go</button></form>',
    "<input autofocus onfocus=xss()>",
    '<meta http-equiv="refresh" content="0;url=javascript:xss()">',
    '<base href="javascript:xss()//">',
    "<<script>xss()//<</script>",
    "<scr<script>ipt>xss()</script>",
    "\u2028\u2029</script><script>xss()</script>",
    "{{ request }}{% debug %}${xss()}",
    "<!--<script>xss()</script>-->",
]

# Defined before any page script: a payload that runs marks the page.
MARK_EXECUTION = "window.xss = () => document.documentElement.setAttribute('data-xss-ran', '1');"

INSPECT = """
const bad = [];
if (document.documentElement.hasAttribute('data-xss-ran')) bad.push('a payload ran');
for (const el of document.querySelectorAll('*')) {
  for (const attr of el.attributes) {
    if (attr.name.startsWith('on')) bad.push(`${el.tagName} has ${attr.name}`);
    if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].includes(attr.name)
        && /^\\s*(javascript|data|vbscript):/i.test(attr.value)) bad.push(`${el.tagName} ${attr.name}=${attr.value}`);
  }
}
for (const el of document.querySelectorAll('iframe, object, embed, base, meta[http-equiv]')) bad.push(el.outerHTML);
for (const el of document.scripts) {
  if (el.type !== 'application/ld+json' && !el.src) bad.push('inline script: ' + el.textContent.slice(0, 80));
}
return bad;
"""


def one_line(payload):
    """The payload as a one-line name may hold it: line breaks and invisible controls are refused there."""
    return NOT_ON_ONE_LINE.sub(" ", payload)


def jsonl_records():
    records = []
    for n, whole in enumerate(PAYLOADS):
        payload = one_line(whole)  # in names; the text fields get it whole
        drug, condition, group = f"Drug {n} {payload}", f"Condition {n} {payload}", f"Group {n} {payload}"
        reviewer = {"name": f"Reviewer {n} {payload}", "credentials": f"PharmD {payload}"}
        records += [
            {"kind": "drug", "brand_name": drug, "generic_name": f"generic {n} {payload}", "drug_class": whole,
             "summary": whole, "conditions": [condition]},
            {"kind": "condition", "name": condition, "abbreviation": payload[:20], "summary": whole},
            {"kind": "reviewer", **reviewer, "bio": whole},
            {"kind": "support_group", "name": group, "url": "https://example.org/", "description": whole,
             "conditions": [condition], "drugs": [drug]},
            {"kind": "article", "slug": f"jsonl-{n}", "question": f"Question {n} {payload}"[:255],
             "summary": whole[:300], "answer": f"Answer {n}.\n\n{whole}\n\nEnd of answer {n}.",
             "state": "published", "reviewer": reviewer, "reviewed_on": "2024-03-12",
             "drugs": [drug], "conditions": [condition], "support_groups": [group]},
        ]  # fmt: skip
    return records


def markdown_file(n, payload):
    front = {
        "question": f"Markdown {n} {one_line(payload)}"[:255],
        "summary": payload[:300],
        "state": "published",
        "reviewer": {"name": "Ann Lee", "credentials": "PharmD"},
        "reviewed_on": "2024-03-12",
    }
    # JSON is YAML: the front matter holds the payload exactly, whatever its quotes.
    return "---\n" + "\n".join(f"{k}: {json.dumps(v)}" for k, v in front.items()) + f"\n---\n{payload}\n"


def saved_page(n, payload):
    return (
        f"Page {n} {one_line(payload)}\n\nMedically reviewed by Ann Lee, PharmD. Last updated on March 12, 2024.\n\n"
        f"Official answer\n\n\nFirst paragraph {n}.\n\n{payload}\n\nRelated medical questions\n"
    )


@pytest.fixture
def hostile_site(tmp_path, live_server, settings):
    call_command("load_demo", verbosity=0)
    (tmp_path / "all.jsonl").write_text("\n".join(json.dumps(r) for r in jsonl_records()) + "\n")
    for n, payload in enumerate(PAYLOADS):
        (tmp_path / f"answer-{n}.md").write_text(markdown_file(n, payload))
    call_command("import_articles", str(tmp_path / "all.jsonl"), verbosity=0)
    call_command("import_articles", *sorted(map(str, tmp_path.glob("*.md"))), verbosity=0)
    pages = tmp_path / "pages"
    pages.mkdir()
    for n, payload in enumerate(PAYLOADS[:6]):
        (pages / f"page-{n}.txt").write_text(saved_page(n, payload))
    call_command("import_articles", str(pages), "--format", "text", verbosity=0)
    return live_server.url


def inspect(browser, url):
    browser.get(url)
    return [f"{url}: {problem}" for problem in browser.execute_script(INSPECT)]


@pytest.fixture
def hostile_browser(browser):
    browser.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": MARK_EXECUTION})
    return browser


def test_public_pages(hostile_browser, hostile_site):
    urls = ["/", "/medical-answers/", "/drugs/letter/q/", "/drugs/", "/conditions/", "/search/?q=question"]
    for article in Article.objects.live().exclude(
        slug__in=["how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all"]
    ):
        urls.append(article.get_absolute_url())
    for drug in Drug.objects.filter(brand_name__startswith="Drug "):
        urls.append(drug.get_absolute_url())
        urls += [s.get_absolute_url() for s in (*drug.conditions.all(), *drug.support_groups.all())]
    for article in Article.objects.live().filter(slug__startswith="jsonl-"):
        urls += [s.reviewer.get_absolute_url() for s in article.sign_offs.select_related("reviewer")[:1]]
    assert len(urls) > 5 * len(PAYLOADS)
    problems = [problem for url in urls for problem in inspect(hostile_browser, hostile_site + url)]
    assert problems == []


def feed_items_html(client, url):
    """The HTML of each item (RSS description, Atom summary); titles are plain text in both formats."""
    root = ET.fromstring(client.get(url).content)
    return [el.text or "" for el in root.iter() if el.tag in ("description", "{http://www.w3.org/2005/Atom}summary")]


def test_feed_items_as_a_feed_reader_shows_them(hostile_browser, hostile_site, client):
    feeds = ["/feeds/answers.rss", "/feeds/answers.atom"]
    for drug in Drug.objects.filter(brand_name__startswith="Drug "):
        feeds += [f"/drugs/{drug.slug}/answers.rss", f"/drugs/{drug.slug}/answers.atom"]
    snippets = {html for feed in feeds for html in feed_items_html(client, feed)}
    assert any("xss()" in html for html in snippets)  # the payloads are there, as text
    hostile_browser.get(hostile_site + "/robots.txt")
    problems = []
    for html in sorted(snippets):
        # A feed reader puts the item's HTML in its own page, with no policy of ours.
        hostile_browser.execute_script(
            "document.open(); document.write('<!DOCTYPE html><body>' + arguments[0]); document.close();", html
        )
        problems += [f"{html[:60]!r}: {p}" for p in hostile_browser.execute_script(INSPECT)]
    assert problems == []


def test_admin_forms_and_the_pages_that_show_them(hostile_browser, hostile_site, client):
    editor = User.objects.create_superuser("editor", password="pw")
    client.force_login(editor)
    for n, payload in enumerate(PAYLOADS):
        page = client.get("/admin/monographs/article/add/").content.decode()
        data = form_values(page, "article_form") | {
            "question": [f"Admin {n} {one_line(payload)}"[:255]],
            "slug": [f"admin-{n}"],
            "answer": [f"Typed {n}.\r\n\r\n{payload}\r\n"],
            "summary": [payload[:300]],
            "revision_note": [payload[:200]],
        }
        assert client.post("/admin/monographs/article/add/", data).status_code == 302, n
        page = client.get("/admin/monographs/drug/add/").content.decode()
        data = form_values(page, "drug_form") | {
            "brand_name": [f"Admin drug {n} {one_line(payload)}"[:200]],
            "slug": [f"admin-drug-{n}"],
            "generic_name": [one_line(payload)[:200]],
            "summary": [payload],
        }
        assert client.post("/admin/monographs/drug/add/", data).status_code == 302, n
    hostile_browser.get(hostile_site + "/robots.txt")
    hostile_browser.add_cookie({"name": "sessionid", "value": client.cookies["sessionid"].value})
    urls = ["/admin/monographs/article/?q=admin", "/admin/monographs/drug/", "/admin/monographs/reviewer/"]
    for article in Article.objects.filter(slug__startswith="admin-"):
        base = f"/admin/monographs/article/{article.pk}/"
        urls += [base + "change/", base + "revisions/", base + "preview/"]
    for article in Article.objects.filter(slug__startswith="jsonl-")[:8]:
        urls.append(f"/admin/monographs/article/{article.pk}/sign-off/")
    for drug in Drug.objects.filter(slug__startswith="admin-drug-"):
        urls.append(f"/admin/monographs/drug/{drug.pk}/change/")
    problems = [problem for url in urls for problem in inspect(hostile_browser, hostile_site + url)]
    assert problems == []


@pytest.mark.django_db
def test_rss_titles_carry_no_markup_and_atom_titles_are_text(client, make_article, drug):
    hostile = "Is <img src=x onerror=xss()> safe at doses < 5 mg & above?"
    make_article(question=hostile, slug="hostile-title").drugs.add(drug)
    rss = ET.fromstring(client.get("/feeds/answers.rss").content)
    titles = [el.text for el in rss.iter("title")]
    assert "Is  safe at doses ‹ 5 mg & above?" in titles and not any("<" in (t or "") for t in titles)
    atom = ET.fromstring(client.get(f"/drugs/{drug.slug}/answers.atom").content)
    entry_titles = [el for el in atom.iter("{http://www.w3.org/2005/Atom}title")]
    assert hostile in [el.text for el in entry_titles]  # escaped once in the XML, read back as typed
    assert all(el.get("type", "text") == "text" for el in entry_titles)
