"""Markdown is rendered once and sanitised; plain text stays plain text."""

import pytest

from monographs.rendering import escape_markdown, render_markdown


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
