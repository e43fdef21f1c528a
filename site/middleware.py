"""Project-level middleware."""

from django.middleware.locale import LocaleMiddleware

NO_LANGUAGE_PREFIX = ("/admin/", "/documents/", "/static/", "/media/")


class LanguagePrefixMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, minus its redirect of unknown paths to a
    language-prefixed copy for areas that never carry a language: Wagtail's page
    route matches every prefixed path, so /admin/nothing would otherwise become a
    redirect to /sq/admin/nothing instead of a plain 404."""

    def process_response(self, request, response):
        if request.path_info.startswith(NO_LANGUAGE_PREFIX):
            return response
        return super().process_response(request, response)
