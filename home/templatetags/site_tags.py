"""Template tags for the frame of every page: organisation, menu, languages.

The work is done once per request by ``home.frame.Frame``.
"""

from django import template

from home.frame import Frame

register = template.Library()


def _frame(context):
    return Frame.for_request(context.get("request"), context.get("page"))


@register.simple_tag(takes_context=True)
def organisation(context):
    """The organisation of the current site: its settings and texts in this language."""
    return _frame(context).organisation()


@register.simple_tag(takes_context=True)
def home_url(context):
    """The URL of this site's home page in the current language."""
    return _frame(context).site_frame.home_url


@register.simple_tag(takes_context=True)
def menu_items(context):
    """Pages marked "show in menus" directly under this site's home, in this language."""
    return _frame(context).menu(context.get("page"))


@register.simple_tag(takes_context=True)
def language_links(context):
    """One link per configured language: the same page's live translation, or that
    language's home page of this site when there is none. Never a dead link.

    A route of a routable page that exists in every language sets ``page_subpath``
    in its context ("candidates/12/"): the links then lead to that route."""
    return _frame(context).language_links(context.get("page"), context.get("page_subpath", ""))


@register.simple_tag(takes_context=True)
def hreflang_links(context):
    """Full URLs of every live translation of the page, itself included, plus x-default."""
    return _frame(context).hreflang_links(context.get("page"), context.get("page_subpath", ""))


@register.filter
def page_type(page):
    """The page's model name, for a CSS class (``homepage``, ``standardpage``)."""
    return page._meta.model_name if hasattr(page, "_meta") else ""


@register.simple_tag(takes_context=True)
def page_language(context):
    """The language code of the current page's locale."""
    return _frame(context).language_of(context["page"])
