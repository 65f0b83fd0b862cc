"""Readers' pages: the Besponsa page word for word, working links, fixed queries."""

import re
from datetime import date

import pytest
from django.core.cache import cache

from monographs.models import Article, Page, ReadNext, RelatedQuestion, SupportGroup

from .support import BESPONSA_URL, SEARCH_TRANSACTION, assert_in_order, collapse, seed_blocks, visible_text

pytestmark = pytest.mark.django_db


def test_besponsa_page_has_every_word_of_the_model_page_in_order(client, demo):
    response = client.get(BESPONSA_URL)
    assert response.status_code == 200
    assert_in_order(visible_text(response.content.decode()), seed_blocks())


def test_besponsa_page_structure(client, demo):
    response = client.get(BESPONSA_URL)
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert '<html lang="en">' in html
    assert '<main id="main-content"' in html
    assert '<a class="skip-link" href="#main-content">Skip to main content</a>' in html
    # The page works without JavaScript: the only scripts are the search box's suggestions and the print date
    # (the site's own files, deferred), besides structured data.
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts[2:] == ['<script type="application/ld+json">']
    assert re.fullmatch(r'<script src="/static/monographs/search-suggest\.\w+\.js" defer>', scripts[0])
    assert re.fullmatch(r'<script src="/static/monographs/print-date\.\w+\.js" defer>', scripts[1])
    for landmark in ("<header", "<nav", "<article", "<footer"):
        assert landmark in html
    assert (
        '<p class="byline">Medically reviewed by <a href="/reviewers/judith-stewart/">Judith Stewart, BPharm</a>. '
        'Last updated on <time datetime="2024-03-12">March 12, 2024</time>.</p>'
    ) in html


def test_besponsa_sections_link_to_real_pages(client, demo):
    html = client.get(BESPONSA_URL).content.decode()
    sections = dict(re.findall(r'<h2 id="([a-z-]+)">[^<]*</h2>\s*<ul class="links">(.*?)</ul>', html, re.S))
    assert set(sections) == {
        "related-questions",
        "read-next",
        "related-medical-questions",
        "drug-information",
        "related-support-groups",
    }
    assert '<a href="/drugs/besponsa/">Besponsa</a>' in sections["drug-information"]
    assert "/support-groups/acute-lymphoblastic-leukemia-support-group/" in sections["related-support-groups"]
    assert "What is the boxed warning for Besponsa?" in sections["related-questions"]
    assert "What is the CD22 antigen" in sections["read-next"]
    assert "What is the B-cell type of Acute Lymphoblastic Leukemia (ALL)?" in sections["related-medical-questions"]


def test_no_link_on_the_site_leads_nowhere(client, demo):
    seen, queue = set(), ["/"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.streaming:  # read it, so the test client closes the file
            b"".join(response.streaming_content)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        if response["Content-Type"].startswith("text/html"):
            for href in re.findall(r'href="(/[^"]*)"', response.content.decode()):
                if not href.startswith("/admin/"):
                    queue.append(href.split("#")[0])
    assert {BESPONSA_URL, "/drugs/besponsa/", "/conditions/acute-lymphoblastic-leukemia/"} <= seen
    assert "/reviewers/judith-stewart/" in seen
    assert any(url.startswith("/static/monographs/site.") for url in seen)


@pytest.mark.parametrize("state", [Article.State.DRAFT, Article.State.IN_REVIEW, Article.State.WITHDRAWN])
def test_an_answer_that_is_not_live_is_missing_and_in_no_list_or_link(client, demo, make_article, state):
    hidden = make_article(question="Hidden question?", slug="hidden", state=state)
    besponsa = Article.objects.get(slug=BESPONSA_URL.split("/")[2])
    RelatedQuestion.objects.create(source=besponsa, target=hidden, position=99)
    ReadNext.objects.create(source=besponsa, target=hidden, position=99)
    hidden.drugs.set(besponsa.drugs.all())
    hidden.conditions.set(besponsa.conditions.all())
    hidden.support_groups.set(SupportGroup.objects.all())
    reviewer = hidden.reviewer or besponsa.reviewer

    # A draft never was at its address (404); a withdrawn answer was, and is gone for good (410).
    gone = client.get(hidden.get_absolute_url())
    assert gone.status_code == (410 if state == Article.State.WITHDRAWN else 404)
    assert "Hidden question?" not in gone.content.decode()
    pages = [
        "/",
        BESPONSA_URL,
        "/drugs/besponsa/",
        "/conditions/acute-lymphoblastic-leukemia/",
        "/support-groups/besponsa-support-group/",
        reviewer.get_absolute_url(),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "Hidden question?" not in html, url
        assert "/medical-answers/hidden/" not in html, url


def _link_everything(article, others, drug, condition):
    for position, other in enumerate(others):
        RelatedQuestion.objects.create(source=article, target=other, position=position)
        ReadNext.objects.create(source=article, target=other, position=position)
        other.drugs.add(drug)
        other.conditions.add(condition)
    article.drugs.add(drug)
    article.conditions.add(condition)
    group = SupportGroup.objects.create(name=f"Group {len(others)}", slug=f"group-{len(others)}")
    article.support_groups.add(group)


# Every page that may show answers first asks when the next scheduled change is (editorial.next_scheduled_change).
SCHEDULE = 1


@pytest.mark.parametrize("links", [1, 20])
def test_answer_page_queries_do_not_grow_with_its_links(
    client, make_article, drug, condition, django_assert_max_num_queries, links
):
    article = make_article(question="Main question?")
    _link_everything(article, [make_article() for _ in range(links)], drug, condition)
    with django_assert_max_num_queries(3 + SCHEDULE):
        response = client.get(article.get_absolute_url())
    assert response.content.decode().count("/medical-answers/question-number-") >= links * 2


def test_answer_page_query_count_is_the_same_for_1_and_20_links(
    client, make_article, drug, condition, django_assert_num_queries
):
    counts = []
    for links in (1, 20):
        article = make_article()
        _link_everything(article, [make_article() for _ in range(links)], drug, condition)
        with django_assert_num_queries(3 + SCHEDULE) as captured:
            client.get(article.get_absolute_url())
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


PUBLIC_PAGES = [
    ("/", 2 + SCHEDULE),
    ("/medical-answers/", 3 + SCHEDULE),
    (BESPONSA_URL, 3 + SCHEDULE),
    ("/drugs/", 2 + SCHEDULE),
    ("/drugs/letter/i/", 2 + SCHEDULE),
    ("/drugs/besponsa/", 4 + SCHEDULE),
    ("/conditions/", 2 + SCHEDULE),
    ("/conditions/acute-lymphoblastic-leukemia/", 4 + SCHEDULE),
    ("/reviewers/", 2 + SCHEDULE),  # the reviewers, the publisher's contact
    ("/reviewers/judith-stewart/", 2 + SCHEDULE),
    ("/support-groups/besponsa-support-group/", 4 + SCHEDULE),
    ("/about/", 2 + SCHEDULE),  # the page, the publisher
    ("/medical-disclaimer/", 1 + SCHEDULE),
    # The exact-question check, the names the words name, the results, the drug it names with its answer count.
    ("/search/?q=besponsa", 4 + SCHEDULE + SEARCH_TRANSACTION),
    ("/feeds/answers.rss", 1 + SCHEDULE),
    ("/drugs/besponsa/answers.atom", 2 + SCHEDULE),
    ("/sitemap-answers.xml", 2 + SCHEDULE),
    ("/robots.txt", 0),
]


@pytest.mark.parametrize(("url", "queries"), PUBLIC_PAGES)
def test_every_public_page_makes_a_fixed_number_of_queries(
    client, demo, make_article, django_assert_num_queries, url, queries
):
    cache.clear()  # every public page is cached
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    besponsa = Article.objects.get(slug=BESPONSA_URL.split("/")[2])
    for n in range(30):
        more = make_article(question=f"What else about Besponsa, part {n}?", reviewer=besponsa.reviewer)
        more.drugs.set(besponsa.drugs.all())
        more.conditions.set(besponsa.conditions.all())
        more.support_groups.set(besponsa.support_groups.all())
        RelatedQuestion.objects.create(source=besponsa, target=more, position=10 + n)
    cache.clear()
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_empty_sections_are_left_out(client, make_article):
    article = make_article()
    html = client.get(article.get_absolute_url()).content.decode()
    for heading in ("Related questions", "Read next", "Related medical questions", "Drug information"):
        assert heading not in html


def test_home_lists_live_answers_newest_review_first(client, make_article):
    make_article(question="Older?", reviewed_on=date(2023, 1, 1))
    make_article(question="Newer?", reviewed_on=date(2024, 1, 1))
    text = visible_text(client.get("/").content.decode())
    assert text.index("Newer?") < text.index("Older?")


def test_user_text_is_escaped(client, make_article):
    article = make_article(question="Is <b>this</b> & that safe?")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Is &lt;b&gt;this&lt;/b&gt; &amp; that safe?" in html


def test_public_pages_may_be_cached_briefly_by_browsers(client, make_article):
    response = client.get(make_article().get_absolute_url())
    assert "public" in response["Cache-Control"]
    assert "max-age=60" in response["Cache-Control"]


def test_unknown_pages_get_a_friendly_404(client, db):
    response = client.get("/medical-answers/no-such-answer/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def test_answer_page_and_its_css_weigh_under_30_kb(client, demo):
    html = client.get(BESPONSA_URL).content
    [css_url] = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html)
    css = client.get(css_url.decode())
    css_bytes = b"".join(css.streaming_content)
    assert len(html) + len(css_bytes) < 30_000, len(html) + len(css_bytes)
    assert re.search(rb"/static/monographs/site\.[0-9a-f]{12}\.css", css_url)
    assert "max-age=315360000" in css["Cache-Control"] and "immutable" in css["Cache-Control"]


def test_print_stylesheet_hides_navigation(client, demo):
    css_url = re.search(r'<link rel="stylesheet" href="([^"]+)"', client.get("/").content.decode()).group(1)
    css = b"".join(client.get(css_url).streaming_content).decode()
    print_rules = css[css.index("@media print") :]
    for hidden in (".site-header nav", ".breadcrumbs", ".links-section", ".site-footer", ".skip-link"):
        assert hidden in print_rules


@pytest.mark.parametrize("letter", ["ab", "abcdefghijklmnopqrstuvwxyz", "1", "é"])
@pytest.mark.parametrize("index", ["medical-answers", "drugs", "conditions"])
def test_a_letter_page_is_one_letter(client, db, letter, index):
    assert client.get(f"/{index}/letter/{letter}/").status_code == 404


@pytest.mark.parametrize("url", ["/about/", "/editorial-policy/", "/medical-disclaimer/"])
def test_the_trust_pages_read_as_paragraphs(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "\\" not in visible_text(main)
    assert main.count("<p>") >= 2


@pytest.mark.parametrize("slug", ["about", "editorial-policy", "medical-disclaimer"])
def test_a_trust_page_has_one_address(client, db, slug):
    response = client.get(f"/pages/{slug}/?from=footer")
    assert (response.status_code, response["Location"]) == (301, f"/{slug}/")
    page = client.get(f"/{slug}/").content.decode()
    assert f'<link rel="canonical" href="http://testserver/{slug}/">' in page
    assert Page.objects.get(slug=slug).get_absolute_url() == f"/{slug}/"


def test_other_site_pages_live_under_pages(client, db):
    Page.objects.create(slug="contact", title="Contact us", body="Write to us.")
    assert client.get("/pages/contact/").status_code == 200
    assert client.get("/contact/").status_code == 404


def test_pages_created_with_literal_backslashes_are_repaired(db):
    """What the first version of the site-pages migration wrote, and staff may not have fixed yet."""
    from importlib import import_module

    from django.apps import apps

    from monographs.models import Page

    Page.objects.filter(slug="about").update(body="First paragraph.\\n\\nSecond paragraph.", body_html="")
    Page.objects.filter(slug="medical-disclaimer").update(body="Already fixed.\n\nBy staff.")
    import_module("monographs.migrations.0011_site_pages_paragraphs").break_paragraphs(apps, None)

    about = Page.objects.get(slug="about")
    assert about.body == "First paragraph.\n\nSecond paragraph."
    assert about.body_html.count("<p>") == 2
    assert Page.objects.get(slug="medical-disclaimer").body == "Already fixed.\n\nBy staff."


def test_every_page_names_its_icon_and_the_old_default_address_leads_to_it(client, demo):
    html = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)[1]
    assert icon.startswith("/static/monographs/favicon.") and icon.endswith(".svg")
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, icon)


def test_one_search_box_per_page_each_saying_what_to_type(client, demo):
    for url in ["/", BESPONSA_URL, "/drugs/", "/search/?q=besponsa"]:
        html = client.get(url).content.decode()
        boxes = re.findall(r'<input type="search"[^>]*>', html)
        assert len(boxes) == 1, url
        assert 'placeholder="' in boxes[0], url
        assert html.count('role="search"') == 1, url


def test_the_answer_page_has_a_panel_of_its_facts(client, demo):
    html = client.get(BESPONSA_URL).content.decode()
    start = html.index('<aside class="facts"')
    panel = collapse(re.sub(r"<[^>]+>", " ", html[start : html.index("</aside>", start)]))
    assert panel == (
        "At a glance Boxed warning The prescribing information for Besponsa includes a boxed warning for severe "
        "liver damage (hepatotoxicity). Drug Besponsa Generic name: inotuzumab ozogamicin "
        "Class: Antibody-drug conjugate (ADC) "
        "Condition Acute Lymphoblastic Leukemia Medically reviewed by Judith Stewart, BPharm "
        "Last updated March 12, 2024 Next review Overdue: was due on March 12, 2025 Sources 1 source"
    )


def test_a_support_group_page_says_it_is_independent_and_links_out_plainly(client, demo):
    from monographs.models import SupportGroup

    group = SupportGroup.objects.create(
        name="Leukemia support",
        slug="leukemia-support",
        url="https://support.example.org/",
        description="Meets monthly.",
    )
    html = client.get(group.get_absolute_url()).content.decode()
    assert f'Website: <a href="{group.url}">{group.url}</a>' in html
    assert "run independently of drugref" in html
    SupportGroup.objects.filter(pk=group.pk).update(description="")
    from django.core.cache import cache

    cache.clear()
    assert "<p></p>" not in client.get(group.get_absolute_url()).content.decode()
