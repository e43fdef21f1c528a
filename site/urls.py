from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config import views as site_views
from home import views as home_views
from home.health import HealthView
from membership import unsubscribe

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", home_views.sitemap, name="sitemap"),
    path("robots.txt", home_views.robots_txt, name="robots_txt"),
    # Each organisation's colours and typeface (home/brand.py).
    path("brand/<slug:version>.css", home_views.brand_stylesheet, name="brand_stylesheet"),
    # The service worker, at the root so that its scope is the whole site.
    path("sw.js", site_views.service_worker, name="service_worker"),
    # Database, caches, storage and task queues, for the proxy and monitoring:
    # 200 when all pass, 500 with the failing check named (home/health.py).
    path("health/", HealthView.as_view(), name="health"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif settings.MEDIA_URL.startswith("/"):
    from home.security.media import serve_media

    # Media on local disk; production with object storage serves it from there.
    # Documents are not served from here: only through Wagtail's /documents/ view,
    # which checks collection privacy and sends them as attachments (docs/security.md).
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_media)]

urlpatterns += i18n_patterns(
    path("search/", home_views.search, name="search"),
    path("offline/", site_views.offline, name="offline"),
    # Movement: open-data files of campaign pages (…/data.json, …/data/demands.csv)
    path("", include("movement.urls")),
    # The link in every message to supporters: GET asks, POST unsubscribes (RFC 8058).
    path("unsubscribe/<str:token>/", unsubscribe.unsubscribe_view, name="membership_unsubscribe"),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)

# Fields over DATA_UPLOAD_MAX_MEMORY_SIZE get the translated 413 page, as bodies over
# REQUEST_BODY_MAX_SIZE do (config.middleware).
handler400 = "config.middleware.bad_request"
handler404 = "home.views.page_not_found"
# A fault of the database or the disk outside a view still gets its 503/507 page.
handler500 = "home.security.faults.server_error"
