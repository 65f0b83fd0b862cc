"""The public site's templates (templates/jinja2/): a Jinja2 environment and the helpers they use.

The public pages render with Jinja2 rather than Django's template language
because a cold answer page spent a third of its time in the template engine;
Jinja2 compiles each template to Python once. The admin keeps Django's
templates. Autoescaping is on (Django's Jinja2 backend turns it on), and
Django's safe strings (an answer's sanitised HTML, a form field) pass as they
are, since both engines honour __html__.
"""

import json
from functools import cache, lru_cache

from django.template import defaultfilters
from django.templatetags.static import static
from jinja2 import Environment
from markupsafe import Markup

from .slugs import fixed_url, url_for_slug

# Inside <script>, these could end the element or start a comment; JSON allows them escaped.
_SCRIPT_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def json_ld(data) -> Markup:
    """Return `data` as JSON that is safe inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    for character, escaped in _SCRIPT_SAFE:  # str.replace: translate() with a dict goes character by character
        text = text.replace(character, escaped)
    return Markup(text)


@lru_cache(maxsize=4096)
def date(value, format: str) -> str:
    """Django's date filter, remembered: it costs more than the rest of a byline.

    One language and one time zone, so a date always reads the same.
    """
    return defaultfilters.date(value, format)


@cache
def static_url(path: str) -> str:
    """Return a static file's (hashed) address; the manifest does not change while the process runs."""
    return static(path)


def url(viewname: str, slug: str | None = None) -> str:
    """Return the address of a named page, or of its page for `slug`; each pattern is reversed once per process."""
    return fixed_url(viewname) if slug is None else url_for_slug(viewname, slug)


def environment(**options) -> Environment:
    """Django's Jinja2 backend calls this (settings.TEMPLATES) to make the environment."""
    # Each template keeps its last newline, as Django's do, so included pieces join as written.
    env = Environment(keep_trailing_newline=True, **options)
    env.globals.update(static=static_url, url=url)
    env.filters.update(
        date=date,  # Django's date formats: date("F j, Y")
        linebreaks=defaultfilters.linebreaks_filter,  # escapes, then paragraphs
        linebreaksbr=defaultfilters.linebreaksbr,  # escapes, then <br> between lines
        pluralize=defaultfilters.pluralize,
        json_ld=json_ld,
    )
    return env
