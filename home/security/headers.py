"""Security headers that Django's SecurityMiddleware does not set.

- ``SecurityHeadersMiddleware``: ``Permissions-Policy`` (no camera, microphone,
  geolocation, payment… for any page) on every response.
- ``ContentSecurityPolicyMiddleware``: django-csp's middleware with one policy per
  area of the site: the strict public policy (``CONTENT_SECURITY_POLICY``: no inline
  or eval'd script), the policy Wagtail's admin can live with under ``/admin/``
  (``ADMIN_CONTENT_SECURITY_POLICY``: inline scripts and styles, its own origin only)
  and a policy that runs nothing for uploaded files under ``/media/``
  (``MEDIA_CONTENT_SECURITY_POLICY``). It sits *outside* the page cache, so a page
  served from the cache gets its header here, freshly, like any other response.
  A Wagtail preview (of a page or a snippet, ``request.is_preview``) keeps the policy
  of the public page it shows, except ``frame-ancestors 'self'``: the admin shows it
  in a frame of the admin's own origin. Its ``X-Frame-Options: SAMEORIGIN`` comes
  from Wagtail's preview views; every public answer keeps ``DENY`` and
  ``frame-ancestors 'none'``.

A response whose rendering used ``request.csp_nonce`` carries a per-request nonce
in its HTML; the page cache never stores it (``home.cache``: django-csp's lazy
``request.csp_nonce`` is true once a nonce was made). Public templates use no
inline script, so in practice no page is affected.
"""

from csp.constants import SELF
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.urls import NoReverseMatch, get_urlconf, reverse

_admin_prefixes = {}


def admin_prefix():
    """Where Wagtail's admin lives (``/admin/``), once per URL configuration."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    if urlconf not in _admin_prefixes:
        try:
            _admin_prefixes[urlconf] = reverse("wagtailadmin_home")
        except NoReverseMatch:  # a URLconf without the admin
            _admin_prefixes[urlconf] = "/admin/"
    return _admin_prefixes[urlconf]


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


def _directives(setting_name):
    policy = getattr(settings, setting_name, None) or {}
    return policy.get("DIRECTIVES") or None


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only:
            return parts
        if parts.config is None:  # else a view chose its own policy with csp_override
            path = request.path_info
            if path.startswith(admin_prefix()):
                parts.config = _directives("ADMIN_CONTENT_SECURITY_POLICY")
            elif path.startswith(settings.MEDIA_URL):
                parts.config = _directives("MEDIA_CONTENT_SECURITY_POLICY")
        if getattr(request, "is_preview", False):
            # Wagtail renders a preview by running the middleware on a request for the
            # object's public URL (``make_preview_request``), so the public policy
            # applies; the admin shows that answer in a frame of its own origin.
            parts.replace = {**(parts.replace or {}), "frame-ancestors": [SELF]}
        return parts
