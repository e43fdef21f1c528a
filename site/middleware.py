"""Project-level middleware."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from wagtail.models import Site

from home.languages import site_language_codes

NO_LANGUAGE_PREFIX = ("/admin/", "/documents/", "/static/", "/media/")
#: Routes under a language prefix that answer in every language, offered or not.
EVERY_LANGUAGE_ROUTES = ("unsubscribe/",)


class LanguagePrefixMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, minus its redirect of unknown paths to a
    language-prefixed copy for areas that never carry a language: Wagtail's page
    route matches every prefixed path, so /admin/nothing would otherwise become a
    redirect to /sq/admin/nothing instead of a plain 404.

    Each site offers its own languages (home/languages.py):

    - a path under the prefix of a language the site does not offer is a 404, in the
      site's first language (Wagtail would serve the site's source pages there),
      except routes that answer in every language (``EVERY_LANGUAGE_ROUTES``: the
      unsubscribe link of a message sent before the site stopped offering one);
    - a path without a language ("/") whose visitor prefers a language the site does
      not offer (browser, cookie) is sent to the site's first language instead.

    The installation's default language is taken as offered by every site, so a
    visitor who prefers it costs no query."""

    def process_request(self, request):
        super().process_request(request)
        if request.path_info.startswith(NO_LANGUAGE_PREFIX):
            return
        in_path = translation.get_language_from_path(request.path_info)
        language = in_path or request.LANGUAGE_CODE
        if in_path is None and language == settings.LANGUAGE_CODE:
            return
        site = Site.find_for_request(request)
        if site is None:
            return
        offered = site_language_codes(site)
        if language in offered:
            return
        if in_path is not None and request.path_info[len(in_path) + 2 :].startswith(
            EVERY_LANGUAGE_ROUTES
        ):
            return  # (URLs resolve under the active language's prefix: it stays)
        translation.activate(offered[0])
        request.LANGUAGE_CODE = offered[0]
        if in_path is not None:
            raise Http404

    def process_response(self, request, response):
        if request.path_info.startswith(NO_LANGUAGE_PREFIX):
            return response
        return super().process_response(request, response)


def request_too_large(request):
    """The translated 413 page (in the language of the URL, else the visitor's), made
    without the database or the session."""
    language = translation.get_language_from_request(request, check_path=True)
    with translation.override(language):
        html = loader.render_to_string(
            "security/request_too_large.html",
            {
                "LANGUAGE_CODE": language,
                "images_mb": settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE // 2**20,
                "documents_mb": settings.WAGTAILDOCS_MAX_UPLOAD_SIZE // 2**20,
            },
        )
    response = HttpResponse(html, status=413)
    add_never_cache_headers(response)
    return response


class RequestBodyLimitMiddleware:
    """413 for a request that announces a body larger than REQUEST_BODY_MAX_SIZE
    (the largest upload allowed plus the other fields), before any of it is read.

    That covers file parts too (DATA_UPLOAD_MAX_MEMORY_SIZE counts only the other
    fields). A body without a Content-Length (chunked) needs no counting here: Django
    reads no more of a body than its Content-Length, so it reads nothing of it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads nothing of a body whose length it cannot read
        if length > settings.REQUEST_BODY_MAX_SIZE:
            return request_too_large(request)
        return self.get_response(request)


def bad_request(request, exception):
    """handler400: fields over DATA_UPLOAD_MAX_MEMORY_SIZE (or too many of them) get
    the same 413 page; anything else Django's own 400 answer."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return request_too_large(request)
    return defaults.bad_request(request, exception)
