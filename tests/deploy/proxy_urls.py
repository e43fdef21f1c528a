"""The site's URLs with ``/__deploy/echo/`` in front (deployment tests only)."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from config.urls import handler400, handler404, handler500
from config.urls import urlpatterns as site_urlpatterns
from home.security.net import client_ip
from membership.services import client_address


@csrf_exempt
@never_cache
def echo(request):
    """What the site sees: whether the request is secure, the client's address (the
    login lockout's and the sign-up rate limit's), and how much body arrived."""
    received = 0
    while chunk := request.read(65536):
        received += len(chunk)
    return JsonResponse(
        {
            "secure": request.is_secure(),
            "scheme": request.scheme,
            "client_ip": client_ip(request),
            "rate_limit_address": client_address(request),
            "remote_addr": request.META.get("REMOTE_ADDR"),
            "x_forwarded_for": request.META.get("HTTP_X_FORWARDED_FOR"),
            "host": request.get_host(),
            "body_bytes": received,
        }
    )


urlpatterns = [path("__deploy/echo/", echo), *site_urlpatterns]

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
