"""Helpers shared by the tests: reading pages as a person sees them."""

import re
from html.parser import HTMLParser
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent.parent / "monographs" / "content" / "demo"
SEED = CONTENT_DIR / "besponsa.txt"
BESPONSA_URL = "/medical-answers/how-does-besponsa-work-to-treat-acute-lymphoblastic-leukemia-all/"


class _TextExtractor(HTMLParser):
    """Collect the text a reader sees: everything in <body> but scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip, self._in_body = [], 0, False

    # Block elements separate words; inline ones (a, time, strong) do not.
    BLOCKS = {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    }

    def handle_starttag(self, tag, attrs):
        self._in_body |= tag == "body"
        self._skip += tag in ("script", "style", "template")
        if tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style", "template")
        if tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if self._in_body and not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """Return a page's visible text, tags stripped and whitespace collapsed."""
    extractor = _TextExtractor()
    extractor.feed(html)
    return collapse("".join(extractor.parts))


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def seed_blocks() -> list[str]:
    """Return the seed page's paragraphs and headings, each on one line."""
    text = SEED.read_text(encoding="utf-8-sig")
    return [collapse(block) for block in re.split(r"\n\s*\n", text) if block.strip()]


def assert_in_order(text: str, parts: list[str]):
    """Assert that each part occurs in `text`, each after the one before."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found != -1, f"not found (in order) on the page: {part!r}"
        position = found + len(part)
