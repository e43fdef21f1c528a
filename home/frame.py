"""What every page shows around its content: the organisation, its menu, the
language switcher and hreflang alternates.

Computed once per request (``Frame.for_request``) in four queries: the
organisation's settings and texts, the pages with view restrictions, the home,
privacy and current pages in every language, and the menu. Nothing is kept between requests:
the page cache in front (home/cache.py) keeps whole pages.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language
from wagtail.models import Page, PageViewRestriction, Site

from .models import OrganisationSettings, OrganisationText, in_language

PAGE_FIELDS = (
    "id",
    "path",
    "depth",
    "url_path",
    "locale_id",
    "translation_key",
    "title",
    "slug",
    "locale__language_code",
)


def _pages():
    return Page.objects.live().select_related("locale").only(*PAGE_FIELDS)


def _public(pages, restricted):
    """What ``QuerySet.public()`` keeps, with the restricted paths read once per
    request instead of once per queryset."""
    return [p for p in pages if not any(p.path.startswith(path) for path in restricted)]


def _on_route(url, subpath):
    """``url`` of a page followed by one of its routes (None stays None: a page that
    is in no site has no URL)."""
    return url + subpath if url else url


@dataclass
class SiteFrame:
    """The page-independent part of the frame, for one site and language."""

    org_settings: object = None
    org_text: object = None
    name: str = ""
    home_url: str = ""  # the home page in this language
    home_urls: dict = field(default_factory=dict)  # {language: url of the home page}
    menu: list = field(default_factory=list)  # [{"title", "url", "path"}]
    privacy_url: str = ""
    page_translations: dict = field(default_factory=dict)  # of the page it was built for


def _build_site_frame(request, site, language, restricted, page=None):
    """The site's frame; with ``page``, also the translations of ``page`` (one query
    for the home, privacy and current pages in every language)."""
    frame = SiteFrame()
    texts = list(
        OrganisationText.objects.filter(settings__site_id=site.id).select_related(
            "settings", "settings__logo", "locale"
        )
    )
    if texts:
        frame.org_settings = texts[0].settings
        frame.org_text = in_language({t.locale.language_code: t for t in texts}, language)
    else:
        frame.org_settings = (
            OrganisationSettings.objects.filter(site=site).select_related("logo").first()
        )
    frame.name = frame.org_text.name if frame.org_text else (site.site_name or "")

    # The home page and the privacy page in every language, in one query.
    privacy_id = frame.org_settings.privacy_page_id if frame.org_settings else None
    keys = Page.objects.filter(pk__in=[site.root_page_id, privacy_id]).values("translation_key")
    wanted = Q(translation_key__in=keys)
    if page is not None:
        wanted |= Q(translation_key=page.translation_key)
    pages = _public(_pages().filter(wanted), restricted)
    by_key = {}
    for each in pages:
        by_key.setdefault(each.translation_key, {})[each.locale.language_code] = each
    root_key = next((p.translation_key for p in pages if p.pk == site.root_page_id), None)
    privacy_key = next((p.translation_key for p in pages if p.pk == privacy_id), None)
    homes = by_key.get(root_key, {})
    privacy = by_key.get(privacy_key, {})
    if page is not None:
        frame.page_translations = by_key.get(page.translation_key, {})
    for code, page in homes.items():
        frame.home_urls[code] = page.get_url(request)
    home = in_language(homes, language)
    if home is not None:
        frame.home_url = home.get_url(request)
        frame.menu = [
            {"title": child.title, "url": child.get_url(request), "path": child.path}
            for child in _public(_pages().in_menu().child_of(home).order_by("path"), restricted)
        ]
    privacy_page = in_language(privacy, language)
    if privacy_page is not None:
        frame.privacy_url = privacy_page.get_url(request)
    return frame


class Frame:
    """Everything of the frame for one request; use ``Frame.for_request(request)``."""

    def __init__(self, request, page=None):
        self.request = request
        self.page = page if getattr(page, "pk", None) else None
        self.language = get_language()
        self.site = Site.find_for_request(request) if request is not None else None
        if self.site is None:
            self.site = Site.objects.filter(is_default_site=True).first()
        self._site_frame = None
        self._translations = {}
        self._restricted = None

    @property
    def restricted(self):
        """Paths of the pages with a view restriction (their subtrees are not public)."""
        if self._restricted is None:
            self._restricted = tuple(
                PageViewRestriction.objects.values_list("page__path", flat=True)
            )
        return self._restricted

    @classmethod
    def for_request(cls, request, page=None):
        frame = getattr(request, "civic_frame", None)
        if frame is None or frame.language != get_language():
            frame = cls(request, page)
            if request is not None:
                request.civic_frame = frame
        return frame

    @property
    def site_frame(self):
        if self._site_frame is None:
            if self.site is None:
                self._site_frame = SiteFrame(name=settings.WAGTAIL_SITE_NAME)
            else:
                self._site_frame = _build_site_frame(
                    self.request, self.site, self.language, self.restricted, self.page
                )
        return self._site_frame

    def translations(self, page):
        """{language: live, public translation of ``page``} (itself included)."""
        if page is None or not getattr(page, "pk", None):
            return {}
        key = page.translation_key
        if self.page is not None and self.site is not None and key == self.page.translation_key:
            return self.site_frame.page_translations  # found with the site's frame
        if key not in self._translations:
            pages = _public(_pages().filter(translation_key=key), self.restricted)
            self._translations[key] = {p.locale.language_code: p for p in pages}
        return self._translations[key]

    def language_of(self, page):
        """The language of ``page``, from its translations (no query of its own)."""
        for code, translation in self.translations(page).items():
            if translation.pk == page.pk:
                return code
        return page.locale.language_code

    def organisation(self):
        sf = self.site_frame
        org_settings = sf.org_settings
        return {
            "settings": org_settings,
            "text": sf.org_text,
            "name": sf.name,
            "privacy_url": sf.privacy_url,
            "social_links": org_settings.social_links() if org_settings else [],
        }

    def menu(self, current=None):
        current_path = getattr(current, "path", "") or ""
        return [
            {**item, "active": bool(current_path) and current_path.startswith(item["path"])}
            for item in self.site_frame.menu
        ]

    def language_links(self, page=None, subpath=""):
        """``subpath``: a route under the page that exists in every language (a
        campaign's ``candidates/12/``), kept on the translation's URL."""
        translations = self.translations(page)
        offered = self.site_frame.home_urls  # the languages the site offers
        links = []
        for code, name in settings.LANGUAGES:
            if offered and code not in offered:
                continue
            if code in translations:
                url = _on_route(translations[code].get_url(self.request), subpath)
            else:
                url = self.site_frame.home_urls.get(code) or f"/{code}/"
            links.append(
                {
                    "code": code,
                    "name": name,
                    "url": url,
                    "current": code == self.language,
                }
            )
        return links

    def hreflang_links(self, page, subpath=""):
        offered = self.site_frame.home_urls  # a live page under a draft home: not offered
        translations = {
            code: translation
            for code, translation in self.translations(page).items()
            if not offered or code in offered
        }
        links = [
            {
                "hreflang": code,
                "url": _on_route(translations[code].get_full_url(self.request), subpath),
            }
            for code, _name in settings.LANGUAGES
            if code in translations
        ]
        if links:
            default = translations.get(settings.LANGUAGE_CODE) or page
            links.append(
                {
                    "hreflang": "x-default",
                    "url": _on_route(default.get_full_url(self.request), subpath),
                }
            )
        return links
