"""Turn an answer's Markdown into the HTML readers get, once, on save."""

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
import pyromark
from django.utils.html import strip_tags

# What an answer may contain: prose, lists, links, tables. No scripts, styles,
# images or forms, whatever an editor or an import file puts in the Markdown.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto"}

# Characters that Markdown would read as markup inside a line of plain text.
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]])")
# Line starts that Markdown would read as a heading, quote, list or rule.
_BLOCK_START = re.compile(r"^(\s*)([#>+-])")
_ORDERED_ITEM = re.compile(r"^(\s*\d+)([.)])")


# CommonMark with tables and strikethrough (pulldown-cmark, through pyromark: fast,
# and it frees what it allocates). Raw HTML passes the parser and then meets the
# sanitiser, the one guard, so <sup> or <abbr> still work.
_OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH


# Safety information set apart: a quote whose first paragraph is only a bold label such as
# "**Boxed warning**" becomes an aside headed by that label. Matched in the sanitised HTML, so
# the label is already escaped text and nothing else can make an aside.
_WARNING = re.compile(
    r"<blockquote>\s*<p><strong>((?:[A-Za-z][A-Za-z ]{0,40} )?(?:warning|safety information|precautions?))"
    r"</strong></p>(.*?)</blockquote>",
    re.IGNORECASE | re.DOTALL,
)


def render_markdown(source: str) -> str:
    """Return sanitised HTML for Markdown source, with its warning blocks set apart."""
    html = pyromark.html(source, options=_OPTIONS)
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    ).strip()
    count = iter(range(1, 1000))

    def aside(match):
        n = next(count)
        return (
            f'<aside class="warning" aria-labelledby="warning-{n}">'
            f'<h3 id="warning-{n}">{match.group(1)}</h3>{match.group(2).strip()}</aside>'
        )

    return _WARNING.sub(aside, html)


# A warning block as render_markdown writes it: its label, and what it says.
_ASIDE = re.compile(
    r'<aside class="warning" aria-labelledby="warning-\d+"><h3 id="warning-\d+">(.*?)</h3>(.*?)</aside>', re.DOTALL
)


@dataclass(frozen=True)
class WarningBlock:
    label: str  # "Boxed warning", as the writer put it (escaped HTML)
    html: str  # what it says (sanitised HTML)

    @property
    def first_sentence(self) -> str:
        text = plain_text(self.html).split("\n\n")[0]
        return re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]


def take_warnings(html: str) -> tuple[list[WarningBlock], str]:
    """Return the warning blocks of rendered answer HTML, and the HTML with each one's words left where they were.

    The page shows the blocks first, set apart (safety first); the words stay in the text as the writer
    placed them, as plain paragraphs, so the answer still reads in its own order.
    """
    warnings = [WarningBlock(label, body.strip()) for label, body in _ASIDE.findall(html)]
    return warnings, _ASIDE.sub(lambda match: match.group(2).strip(), html)


_TAGS = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
_VOID = {"br", "hr", "img", "wbr"}


def split_after_first_paragraph(html: str) -> tuple[str, str]:
    """Split rendered HTML after its first top-level paragraph (all of it before if it has none)."""
    depth = 0
    for match in _TAGS.finditer(html):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _VOID or self_closing:
            continue
        depth += -1 if closing else 1
        if closing and depth == 0 and name == "p":
            return html[: match.end()], html[match.end() :].strip()
    return html, ""


# Where a block of rendered HTML ends: its text and the next block's must not run together.
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|aside|pre|tr|th|td|dd|dt|div)>|<br\s*/?>", re.IGNORECASE)


def plain_text(html: str) -> str:
    """Return rendered HTML as plain text: its blocks one a paragraph, the words within each as shown."""
    blocks = strip_tags(_BLOCK_END.sub("\n", html)).split("\n")
    return "\n\n".join(text for block in blocks if (text := " ".join(unescape(block).split())))


class _Markup(HTMLParser):
    """Collect what the sanitiser will take out of rendered HTML: tags, attributes and link schemes."""

    def __init__(self):
        super().__init__()
        self.removed = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.removed.append(f"<{tag}>")
            return
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
                self.removed.append(f"the {name} attribute of <{tag}>")
            elif name == "href" and value and urlsplit(value.strip()).scheme.lower() not in URL_SCHEMES | {""}:
                self.removed.append(f"the link {value}")

    handle_startendtag = handle_starttag


def removed_markup(source: str) -> list[str]:
    """Return what render_markdown leaves out of `source` (a <script>, an onclick…), each once, in order."""
    parser = _Markup()
    parser.feed(pyromark.html(source, options=_OPTIONS))
    return list(dict.fromkeys(parser.removed))


def escape_markdown(text: str) -> str:
    """Escape plain text so Markdown renders it as the same words, not markup."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _INLINE_SPECIALS.sub(r"\\\1", text)
    text = _BLOCK_START.sub(r"\1\\\2", text)
    return _ORDERED_ITEM.sub(r"\1\\\2", text)
