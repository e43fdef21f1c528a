"""The service worker (served at the site root so that it may control every page) and
the offline page it shows. See static/js/sw.js and docs/accessibility.md."""

from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

SERVICE_WORKER = "js/sw.js"


def _read_service_worker():
    path = finders.find(SERVICE_WORKER)
    if not path:
        raise Http404("No service worker")
    with open(path, "rb") as handle:
        return handle.read()


_cached_service_worker = lru_cache(maxsize=1)(_read_service_worker)


@require_GET
@cache_control(no_cache=True, max_age=0)
def service_worker(request):
    """static/js/sw.js at /sw.js. Browsers ask again at each visit (no-cache, with an
    ETag), so a new version reaches visitors at once."""
    body = _read_service_worker() if settings.DEBUG else _cached_service_worker()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(public=True, max_age=3600)
def offline(request):
    """Shown by the service worker, in the visitor's language, for a page that is not
    kept on the device while the network is down."""
    return render(request, "offline.html")
