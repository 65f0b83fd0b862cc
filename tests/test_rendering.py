"""Markdown is rendered once and sanitised; plain text stays plain text."""

import re

import pytest

from monographs.rendering import escape_markdown, render_markdown

from .support import collapse


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        '<a href="https://example.org" onclick="alert(1)">x</a>',
        "<iframe src=https://example.org></iframe>",
        "<style>body{display:none}</style>",
    ],
)
def test_hostile_markup_is_removed(hostile):
    html = render_markdown(hostile)
    for needle in ("<script", "onerror", "javascript:", "onclick", "<iframe", "<style", "<img"):
        assert needle not in html


def test_markdown_becomes_html():
    assert render_markdown("A **bold** [link](https://example.org)\n\n- one\n- two") == (
        '<p>A <strong>bold</strong> <a href="https://example.org" rel="noopener noreferrer">link</a></p>\n'
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )


@pytest.mark.parametrize(
    "text",
    [
        "1. year and older",
        "# not a heading",
        "- not a list",
        "> not a quote",
        "a_b*c* [x](y) `code` \\ back",
        "<b>tags</b> & entities &copy;",
        "and/or (ADC) heart’s",
    ],
)
def test_escaped_plain_text_renders_as_the_same_words(text):
    from html import unescape

    assert unescape(render_markdown(escape_markdown(text))) == f"<p>{text}</p>"


def test_a_warning_block_is_set_apart_as_an_aside_with_a_heading():
    html = render_markdown("Intro.\n\n> **Boxed warning**\n>\n> Severe liver damage.\n\n> **Warning**\n>\n> Second.")
    assert html == (
        "<p>Intro.</p>\n"
        '<aside class="warning" aria-labelledby="warning-1"><h3 id="warning-1">Boxed warning</h3>'
        "<p>Severe liver damage.</p></aside>\n"
        '<aside class="warning" aria-labelledby="warning-2"><h3 id="warning-2">Warning</h3><p>Second.</p></aside>'
    )


@pytest.mark.parametrize(
    "markdown",
    [
        "> Just a quote.",
        "> **Note**\n>\n> Not safety information.",
        "> **Boxed warning** and more words\n>\n> text",
    ],
)
def test_other_quotes_stay_quotes(markdown):
    assert "<aside" not in render_markdown(markdown) and "<blockquote>" in render_markdown(markdown)


def test_a_warning_block_is_sanitised_like_everything_else():
    html = render_markdown(
        '> **<img src=x onerror="alert(1)">Boxed warning**\n>\n> <script>alert(2)</script>Text [x](javascript:alert(3))'
    )
    assert '<h3 id="warning-1">Boxed warning</h3>' in html
    assert "<img" not in html and "<script" not in html and 'href="javascript' not in html and "onerror" not in html


@pytest.mark.django_db
def test_the_demo_answer_sets_its_boxed_warning_apart_with_every_word_of_the_model_page_in_order(client):
    from django.core.management import call_command

    from .support import BESPONSA_URL, assert_in_order, seed_blocks, visible_text

    call_command("load_demo", verbosity=0)
    html = client.get(BESPONSA_URL).content.decode()
    warning = re.search(r'<aside class="warning" aria-labelledby="warning-1">(.*?)</aside>', html, re.S)
    assert '<h2 id="warning-1">Boxed warning</h2>' in warning.group(1)
    assert "includes a boxed warning for severe liver damage (hepatotoxicity)." in warning.group(1)
    # Safety first: the block comes before the answer text, whose words stay where the writer put them.
    assert warning.start() < html.index('<h2 id="official-answer">')
    assert html.count('<aside class="warning"') == 1
    assert_in_order(visible_text(html), seed_blocks())


def test_the_page_takes_warning_blocks_out_first_and_leaves_their_words_in_the_text():
    from monographs.rendering import take_warnings

    html = render_markdown(
        "First.\n\n> **Boxed warning**\n>\n> Liver damage. See your doctor.\n\nLast.\n\n"
        "> **Important safety information**\n>\n> Bleeding."
    )
    warnings, text = take_warnings(html)
    assert [(w.label, w.html, w.first_sentence) for w in warnings] == [
        ("Boxed warning", "<p>Liver damage. See your doctor.</p>", "Liver damage."),
        ("Important safety information", "<p>Bleeding.</p>", "Bleeding."),
    ]
    assert "<aside" not in text and "<h3" not in text
    assert collapse(text) == "<p>First.</p> <p>Liver damage. See your doctor.</p> <p>Last.</p> <p>Bleeding.</p>"
    assert take_warnings("<p>No warning.</p>") == ([], "<p>No warning.</p>")


@pytest.mark.parametrize(
    ("markdown", "lead"),
    [
        ("One.\n\nTwo.", "<p>One.</p>"),
        ("## Heading\n\nOne, with a<br>break.\n\nTwo.", "<h2>Heading</h2>\n<p>One, with a<br>break.</p>"),
        (
            "- a list\n- of *things*\n\nOne.\n\nTwo.",
            "<ul>\n<li>a list</li>\n<li>of <em>things</em></li>\n</ul>\n<p>One.</p>",
        ),
        ("> quoted\n>\n> words\n\nOne.", "<blockquote>\n<p>quoted</p>\n<p>words</p>\n</blockquote>\n<p>One.</p>"),
        ("Only one.", "<p>Only one.</p>"),
    ],
)
def test_an_answer_splits_after_its_first_top_level_paragraph(markdown, lead):
    from monographs.rendering import split_after_first_paragraph

    html = render_markdown(markdown)
    first, rest = split_after_first_paragraph(html)
    assert first == lead
    assert collapse(first + " " + rest) == collapse(html)
