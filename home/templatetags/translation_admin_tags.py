"""Admin template tags: what a page shares with its translations, and what uses an
object about to be deleted."""

from django import template
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.models import TranslatableMixin

from home.translations_tree import source_of, translations_in_site

register = template.Library()


@register.simple_tag
def shared_privacy(page):
    """None when ``page`` has no other language version in its site; else its source
    page (None for an original) and the languages of its other versions."""
    translations = translations_in_site(page)
    if not translations:
        return None
    return {
        "source": source_of(page),
        "languages": ", ".join(
            translation.locale.get_display_name() for translation in translations
        ),
    }


@register.simple_tag(takes_context=True)
def uses_of(context, usage):
    """The objects of a delete view's ``usage`` (Wagtail's reference index, grouped by
    object) as the user may see them: the title and a link for what they may edit, as
    Wagtail's usage view does, and only the type of anything else (another
    organisation's page, say)."""
    finder = AdminURLFinder(context["request"].user)
    uses = []
    for instance, _references in usage or ():
        url = finder.get_edit_url(instance)
        uses.append(
            {
                "label": str(instance) if url else _("(you may not open it)"),
                "url": url,
                "type": capfirst(instance._meta.verbose_name),
                "language": instance.locale.get_display_name()
                if url and isinstance(instance, TranslatableMixin)
                else "",
            }
        )
    return uses
