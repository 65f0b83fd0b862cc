from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """Return `path` as an absolute URL on the host serving this request."""
    return context["request"].build_absolute_uri(path)
