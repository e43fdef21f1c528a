"""Template tags for the frame of every page: organisation, menu, languages."""

from django import template
from django.conf import settings
from django.utils.translation import get_language
from wagtail.models import Page, Site

from home.models import OrganisationSettings

register = template.Library()


def _site(context):
    request = context.get("request")
    if request is None:
        return None
    if not hasattr(request, "_civic_site"):
        request._civic_site = Site.find_for_request(request)
    return request._civic_site


def _localized_root(context):
    """The current site's home page in the active language (or the site's own)."""
    request = context.get("request")
    if request is not None and hasattr(request, "_civic_root"):
        return request._civic_root
    site = _site(context)
    root = None
    if site is not None:
        root = site.root_page
        language = get_language()
        if root.locale.language_code != language:
            root = (
                Page.objects.filter(
                    translation_key=root.translation_key, locale__language_code=language
                )
                .live()
                .first()
                or root
            )
    if request is not None:
        request._civic_root = root
    return root


@register.simple_tag(takes_context=True)
def organisation(context):
    """The organisation of the current site: its settings and texts in this language."""
    request = context.get("request")
    if request is not None and hasattr(request, "_civic_org"):
        return request._civic_org
    site = _site(context)
    result = None
    if site is not None:
        org_settings = (
            OrganisationSettings.objects.filter(site=site)
            .select_related("logo", "privacy_page")
            .prefetch_related("texts__locale")
            .first()
        )
        if org_settings is not None:
            text = org_settings.text_for(get_language())
            privacy_url = ""
            if org_settings.privacy_page_id:
                privacy_url = org_settings.privacy_page.localized.get_url(request)
            result = {
                "settings": org_settings,
                "text": text,
                "name": text.name if text else site.site_name,
                "privacy_url": privacy_url,
                "social_links": org_settings.social_links(),
            }
    if result is None:
        name = site.site_name if site and site.site_name else settings.WAGTAIL_SITE_NAME
        result = {
            "settings": None,
            "text": None,
            "name": name,
            "privacy_url": "",
            "social_links": [],
        }
    if request is not None:
        request._civic_org = result
    return result


@register.simple_tag(takes_context=True)
def home_page(context):
    return _localized_root(context)


@register.simple_tag(takes_context=True)
def menu_items(context):
    """Pages marked "show in menus" directly under this site's home, in this language."""
    root = _localized_root(context)
    if root is None:
        return []
    request = context.get("request")
    current = context.get("page")
    items = []
    for child in (
        root.get_children()
        .live()
        .public()
        .in_menu()
        .only("id", "title", "url_path", "path", "depth", "locale_id", "draft_title", "slug")
    ):
        url = child.get_url(request)
        active = bool(current and current.path.startswith(child.path))
        items.append({"title": child.title, "url": url, "active": active})
    return items


def _translations(page):
    if page is None or not getattr(page, "pk", None):
        return {}
    pages = (
        Page.objects.filter(translation_key=page.translation_key)
        .live()
        .public()
        .select_related("locale")
        .only("id", "title", "url_path", "path", "depth", "locale", "translation_key", "slug")
    )
    return {p.locale.language_code: p for p in pages}


@register.simple_tag(takes_context=True)
def language_links(context):
    """One link per configured language: the same page's live translation, or that
    language's home page of this site when there is none. Never a dead link."""
    request = context.get("request")
    page = context.get("page")
    current = get_language()
    translations = _translations(page)
    root = _localized_root(context)
    home_translations = _translations(root) if root else {}
    links = []
    for code, name in settings.LANGUAGES:
        target = translations.get(code) or home_translations.get(code)
        url = target.get_url(request) if target else f"/{code}/"
        links.append(
            {
                "code": code,
                "name": name,
                "url": url,
                "current": code == current,
                "is_translation": code in translations,
            }
        )
    return links


@register.simple_tag(takes_context=True)
def hreflang_links(context):
    """Full URLs of every live translation of the page, itself included, plus x-default."""
    request = context.get("request")
    page = context.get("page")
    translations = _translations(page)
    links = []
    for code, _name in settings.LANGUAGES:
        if code in translations:
            links.append({"hreflang": code, "url": translations[code].get_full_url(request)})
    if links:
        default = translations.get(settings.LANGUAGE_CODE) or page
        links.append({"hreflang": "x-default", "url": default.get_full_url(request)})
    return links


@register.filter
def page_type(page):
    """The page's model name, for a CSS class: ``home_page``-style ``homepage``."""
    return page._meta.model_name if hasattr(page, "_meta") else ""
