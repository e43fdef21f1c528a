"""The site's URLs with ``/__bench/trivial/`` in front (benchmark only)."""

from django.http import HttpResponse
from django.urls import path

from config.urls import handler404, handler500
from config.urls import urlpatterns as site_urlpatterns

_FILLER = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n"
_HEAD = (
    '<!DOCTYPE html>\n<html lang="en">\n'
    '<head><meta charset="utf-8"><title>Bench</title></head>\n<body>\n'
)
_TAIL = "</body>\n</html>\n"
TRIVIAL_SIZE = 2048
TRIVIAL_HTML = _HEAD + _FILLER * ((TRIVIAL_SIZE - len(_HEAD) - len(_TAIL)) // len(_FILLER))
TRIVIAL_HTML = (
    TRIVIAL_HTML + " " * (TRIVIAL_SIZE - len(TRIVIAL_HTML) - len(_TAIL)) + _TAIL
).encode()


def trivial(request):
    """2 KB of HTML, no template, no database: what Django itself costs here."""
    return HttpResponse(TRIVIAL_HTML, content_type="text/html; charset=utf-8")


urlpatterns = [path("__bench/trivial/", trivial, name="bench_trivial"), *site_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
