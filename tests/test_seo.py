"""What crawlers and feed readers get: head tags, JSON-LD, sitemap, robots.txt, feeds."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command

from monographs.models import Article
from monographs.templating import json_ld

from .support import BESPONSA_URL, visible_text

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def structured_data(html):
    [payload] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return {item["@type"]: item for item in json.loads(payload)}


def test_answer_json_ld_matches_the_visible_page(client, demo):
    html = client.get(BESPONSA_URL).content.decode()
    data = structured_data(html)
    page = data["MedicalWebPage"]
    text = visible_text(html)
    byline = re.search(r"Medically reviewed by (.+?), (.+?)\. Last updated on (.+?)\.", text)
    assert (page["reviewedBy"]["name"], page["reviewedBy"]["honorificSuffix"]) == byline.group(1, 2)
    [shown_date] = re.findall(r'<p class="byline">.*?<time datetime="([\d-]+)">', html, re.S)
    assert page["lastReviewed"] == page["dateModified"] == shown_date == "2024-03-12"
    assert page["datePublished"] == "2024-03-12"  # its first sign-off
    publisher = {"@type": "Organization", "name": "drugref", "url": "http://testserver/"}
    assert page["author"] == page["publisher"] == publisher
    assert page["mainEntity"]["@type"] == "Question"
    assert page["mainEntity"]["name"] == re.search(r"<h1[^>]*>(.*?)</h1>", html).group(1)
    assert page["mainEntity"]["acceptedAnswer"]["text"].startswith("Besponsa (inotuzumab ozogamicin) works")
    assert {(a["@type"], a["name"]) for a in page["about"]} == {
        ("Drug", "Besponsa"),
        ("MedicalCondition", "Acute Lymphoblastic Leukemia"),
    }
    crumbs = [item["name"] for item in data["BreadcrumbList"]["itemListElement"]]
    assert crumbs == ["Home", "Medical answers", "Besponsa", page["name"]]
    assert data["BreadcrumbList"]["itemListElement"][0]["item"] == "http://testserver/"


def test_breadcrumbs_show_the_trail(client, demo):
    html = client.get(BESPONSA_URL).content.decode()
    nav = re.search(r'<nav class="breadcrumbs" aria-label="Breadcrumb">(.*?)</nav>', html, re.S).group(1)
    assert visible_text(f"<body>{nav}") == (
        "Home Medical answers Besponsa How does Besponsa work to treat Acute Lymphoblastic Leukemia (ALL)?"
    )
    assert '<a href="/drugs/besponsa/">Besponsa</a>' in nav


def test_head_tags_come_from_the_answer(client, demo):
    html = client.get(BESPONSA_URL).content.decode()
    article = Article.objects.get(slug=BESPONSA_URL.split("/")[2])
    assert f"<title>{article.question} | drugref</title>" in html
    assert f'<meta name="description" content="{article.summary}">' in html
    assert f'<link rel="canonical" href="http://testserver{BESPONSA_URL}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert f'<meta property="og:title" content="{article.question}">' in html
    assert '<meta name="twitter:card" content="summary">' in html


def test_json_ld_cannot_break_out_of_its_script(client, make_article):
    article = make_article(question="Is </script><script>alert(1)</script> safe?", answer="</script> & <!--")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    data = structured_data(html)
    assert data["MedicalWebPage"]["name"] == "Is </script><script>alert(1)</script> safe?"


def test_json_ld_filter_escapes_markup_characters():
    assert str(json_ld({"a": "</script>&\u2028"})) == '{"a": "\\u003c/script\\u003e\\u0026\\u2028"}'


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()


def test_sitemap_index_lists_sections_and_answers_with_lastmod(client, demo):
    index = ET.fromstring(client.get("/sitemap.xml").content)
    sections = [loc.text for loc in index.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert "http://testserver/sitemap-answers.xml" in sections
    answers = ET.fromstring(client.get("/sitemap-answers.xml").content)
    urls = {u.find("sm:loc", SITEMAP_NS).text: u.find("sm:lastmod", SITEMAP_NS).text for u in answers}
    assert urls[f"http://testserver{BESPONSA_URL}"] == "2024-03-12"
    assert len(urls) == Article.objects.live().count()


def test_every_public_kind_of_page_is_in_the_sitemap(client, demo):
    index = ET.fromstring(client.get("/sitemap.xml").content)
    sections = {loc.text.rsplit("/", 1)[1] for loc in index.findall("sm:sitemap/sm:loc", SITEMAP_NS)}
    assert {
        f"sitemap-{name}.xml" for name in ("answers", "drugs", "conditions", "reviewers", "support-groups")
    } <= sections
    groups = ET.fromstring(client.get("/sitemap-support-groups.xml").content)
    urls = {loc.text for loc in groups.findall("sm:url/sm:loc", SITEMAP_NS)}
    assert "http://testserver/support-groups/besponsa-support-group/" in urls


@pytest.mark.parametrize(
    "url", ["/feeds/answers.rss", "/feeds/answers.atom", "/drugs/besponsa/answers.rss", "/drugs/besponsa/answers.atom"]
)
def test_feeds_list_the_latest_live_answers(client, demo, url):
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "How does Besponsa work to treat Acute Lymphoblastic Leukemia (ALL)?" in body
    ET.fromstring(response.content)  # well-formed XML


@pytest.mark.parametrize("url", ["/feeds/answers.rss", "/feeds/answers.atom", "/drugs/evil/answers.rss"])
def test_feed_text_reaches_readers_as_text_not_markup(client, make_article, url):
    from monographs.models import Drug

    summary = '<img src=x onerror=alert(1)> "Fish" & <b>chips</b>'
    drug = Drug.objects.create(brand_name="<script>alert(2)</script>", slug="evil")
    make_article(summary=summary).drugs.add(drug)
    feed = ET.fromstring(client.get(url).content)
    texts = [element.text or "" for element in feed.iter() if element.tag.split("}")[-1] in DESCRIBED]
    # What a reader renders as HTML is the escaped text: it shows the characters, and runs nothing.
    assert "&lt;img src=x onerror=alert(1)&gt; &quot;Fish&quot; &amp; &lt;b&gt;chips&lt;/b&gt;" in texts
    assert not any("<img" in text or "<script" in text for text in texts)


DESCRIBED = {"description", "summary", "subtitle"}


def test_nothing_that_is_not_live_leaks_anywhere(client, demo, make_article):
    from monographs import editorial

    besponsa = Article.objects.get(slug=BESPONSA_URL.split("/")[2])
    hidden = [
        make_article(question="Hidden draft zebrafish?", slug="hidden-draft", state=Article.State.DRAFT),
        make_article(question="Hidden review zebrafish?", slug="hidden-review", state=Article.State.IN_REVIEW),
        make_article(question="Hidden withdrawn zebrafish?", slug="hidden-withdrawn", state=Article.State.WITHDRAWN),
    ]
    for article in hidden:
        article.drugs.set(besponsa.drugs.all())
    pending = editorial.start_draft(besponsa)
    pending.question = "Hidden pending zebrafish?"
    pending.answer = "Unreviewed pending zebrafish words."
    pending.save()

    urls = [
        "/",
        "/medical-answers/",
        "/drugs/letter/b/",
        BESPONSA_URL,
        "/drugs/besponsa/",
        "/conditions/acute-lymphoblastic-leukemia/",
        "/reviewers/judith-stewart/",
        "/search/?q=zebrafish",
        "/search/?q=hidden",
        "/search/?q=besponsa",
        "/sitemap-answers.xml",
        "/feeds/answers.rss",
        "/feeds/answers.atom",
        "/drugs/besponsa/answers.rss",
        "/drugs/besponsa/answers.atom",
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert "Hidden" not in body and "hidden-" not in body and "Unreviewed" not in body, url


def test_answer_sitemap_pages_follow_id_ranges_without_counting(client, make_article, settings, monkeypatch):
    from monographs.sitemaps import AnswerSitemap

    monkeypatch.setattr(AnswerSitemap, "limit", 2)
    answers = [make_article() for _ in range(5)]
    answers[1].state = Article.State.WITHDRAWN
    answers[1].save()
    listed = []
    # Page N holds ids in ((N - 1) * 2, N * 2]; ids need not start at 1.
    for page in sorted({(answer.pk - 1) // 2 + 1 for answer in answers}):
        response = client.get(f"/sitemap-answers.xml?p={page}")
        assert response.status_code == 200
        listed += [loc.text for loc in ET.fromstring(response.content).findall("sm:url/sm:loc", SITEMAP_NS)]
    live = [f"http://testserver{a.get_absolute_url()}" for a in answers if a.pk != answers[1].pk]
    assert sorted(listed) == sorted(live)
    assert client.get(f"/sitemap-answers.xml?p={(answers[-1].pk - 1) // 2 + 2}").status_code == 404


def test_the_reviewer_page_spells_out_credentials_and_carries_person_data(client, demo):
    from monographs.models import Reviewer

    Reviewer.objects.filter(slug="judith-stewart").update(bio="Judith is a pharmacist.")
    html = client.get("/reviewers/judith-stewart/").content.decode()
    assert '<abbr title="Bachelor of Pharmacy">BPharm</abbr> (Bachelor of Pharmacy)' in html
    assert "<p>Judith is a pharmacist.</p>" in html
    person = structured_data(html)["Person"]
    assert person["name"] == "Judith Stewart" and person["honorificSuffix"] == "BPharm"
    assert person["hasCredential"] == [{"@type": "EducationalOccupationalCredential", "name": "Bachelor of Pharmacy"}]
    assert person["description"] == "Judith is a pharmacist." and person["url"].endswith("/reviewers/judith-stewart/")


def test_a_reviewer_without_a_bio_has_no_empty_paragraph(client, demo):
    html = client.get("/reviewers/judith-stewart/").content.decode()
    assert "<p></p>" not in html


def test_a_reviewer_is_the_same_person_in_every_json_ld(client, demo):
    """One spelling of each credential: as the byline writes it, and spelled out, on the answer and reviewer pages."""
    answer = structured_data(client.get(BESPONSA_URL).content.decode())["MedicalWebPage"]["reviewedBy"]
    reviewer_html = client.get(answer["url"].removeprefix("http://testserver")).content.decode()
    reviewer = structured_data(reviewer_html)["Person"]
    assert answer["honorificSuffix"] == reviewer["honorificSuffix"] == "BPharm"
    assert answer["hasCredential"] == reviewer["hasCredential"]
    assert [c["name"] for c in answer["hasCredential"]] == ["Bachelor of Pharmacy"]


def test_json_ld_text_keeps_the_answers_blocks_apart(client, demo):
    """The boxed warning's heading and its first sentence are two blocks, not one run-together word."""
    page = structured_data(client.get(BESPONSA_URL).content.decode())["MedicalWebPage"]
    text = page["mainEntity"]["acceptedAnswer"]["text"]
    assert "Boxed warning\n\nThe prescribing information" in text
    assert "warningThe" not in text
    assert all(block == block.strip() and block for block in text.split("\n\n"))
