"""Which languages each organisation's site offers.

``settings.LANGUAGES`` lists every language the installation can offer. A site offers
those its home page is published in: an organisation takes up a language by
translating its home page into it (wagtail-localize: "Translate" on the home page)
and publishing that translation; until then the language is not offered anywhere on
the site. One definition serves the language switcher, hreflang and the sitemap, the
forms' language choices, the messages to supporters, and ``LanguagePrefixMiddleware``,
which answers 404 under the prefix of a language the site does not offer (Wagtail
would otherwise serve the source page there, in the wrong language).
"""

from django.conf import settings
from wagtail.models import Page


def site_language_codes(site):
    """The codes of the languages ``site`` offers, in the order of ``LANGUAGES`` (the
    first is its source language); the installation's default language for a site
    with no published home page. One query."""
    if site is None:
        return [settings.LANGUAGE_CODE]
    published = set(
        Page.objects.live()
        .filter(
            translation_key__in=Page.objects.filter(pk=site.root_page_id).values("translation_key")
        )
        .values_list("locale__language_code", flat=True)
    )
    return [code for code, _name in settings.LANGUAGES if code in published] or [
        settings.LANGUAGE_CODE
    ]


def site_languages(site):
    """``[(code, name)]`` of the languages ``site`` offers (see ``site_language_codes``)."""
    names = dict(settings.LANGUAGES)
    return [(code, names[code]) for code in site_language_codes(site)]
