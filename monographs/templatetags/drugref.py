import json

from django import template
from django.utils.safestring import mark_safe

from ..slugs import fixed_url

register = template.Library()

# Inside <script>, these could end the element or start a comment; JSON allows them escaped.
_SCRIPT_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """Return `path` as an absolute URL on the host serving this request."""
    return context["request"].build_absolute_uri(path)


@register.simple_tag
def site_url(viewname):
    """Return the address of a page without arguments (navigation, footer), reversed once per process."""
    return fixed_url(viewname)


@register.filter
def json_ld(data):
    """Return `data` as JSON that is safe inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    for character, escaped in _SCRIPT_SAFE:  # str.replace: translate() with a dict goes character by character
        text = text.replace(character, escaped)
    return mark_safe(text)
