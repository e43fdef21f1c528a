"""Settings safe for production on their own.

Every value that differs between machines comes from an environment variable.
DEBUG is off unless ``DJANGO_DEBUG`` turns it on, and without DEBUG a missing
``SECRET_KEY`` stops start-up with a clear message. ``dev.py`` and ``test.py``
loosen these for local work.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent  # the site/ folder
BASE_DIR = PROJECT_DIR.parent  # the repository
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured(
        "The SECRET_KEY environment variable is required when DEBUG is off. "
        "Set it to a long random string, for example the output of: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Application definition

INSTALLED_APPS = [
    "home",
    "movement",
    "congress",
    "membership",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    # The database task backend (TASKS_BACKEND=django_tasks_db.DatabaseBackend) and
    # its worker, manage.py db_worker; its table exists whichever backend is used.
    "django_tasks_db",
    # The health endpoint /health/ (home/health.py) and its report's template.
    "health_check",
    # Security (see the "# Security" block below and docs/security.md)
    "home.security",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # A request body larger than any upload allowed gets 413 before it is read.
    "config.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy on every response (home/security/headers.py).
    "home.security.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy per area (public, admin, media); outside the page cache
    # so that cached pages get their header fresh.
    "home.security.headers.ContentSecurityPolicyMiddleware",
    # Serves anonymous page views from the cache before sessions, auth or the
    # database are touched, as GZip and ConditionalGet below made them; see
    # home/cache.py.
    "home.cache.PageCacheMiddleware",
    # Compresses pages (static files come compressed from whitenoise). Django's
    # gzip adds random bytes to each response against BREACH-style attacks.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LanguagePrefixMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor authentication: who is verified; until then a user who needs a
    # second factor reaches only its screens and is anonymous everywhere else.
    "django_otp.middleware.OTPMiddleware",
    "home.security.twofactor.TwoFactorMiddleware",
    # Translations only of pages and snippets the user may edit (wagtail-localize
    # checks the model permission alone), site-wide reports only for superusers;
    # see home/security/scope.py.
    "home.security.scope.AdminScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Login lockout page (django-axes).
    "axes.middleware.AxesMiddleware",
    # Database down or read-only -> 503 "try again later"; disk full -> 507.
    "home.security.faults.DatabaseFaultMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: DATABASE_URL, or a SQLite file in var/.
# SQLite runs in WAL mode with a busy timeout and IMMEDIATE transactions, so that
# concurrent requests wait for each other instead of failing with "database is locked".
SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA busy_timeout=20000;"
        "PRAGMA foreign_keys=ON;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Caches. "default" (Wagtail's site list, rate limits) is shared by every worker:
# Redis when REDIS_URL is set, else files in var/cache. "pages" holds the page
# cache (home/cache.py): the same Redis, else each worker's own memory.
# A Redis that is down or slow is a miss after half a second, logged, never an error
# (django-redis's IGNORE_EXCEPTIONS). CACHE_BACKEND=dummy keeps nothing at all
# (to measure truly cold renders).
REDIS_URL = os.environ.get("REDIS_URL", "")
if os.environ.get("CACHE_BACKEND", "") == "dummy":
    _dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    CACHES = {"default": _dummy, "pages": _dummy}
elif REDIS_URL:
    _redis = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "civic"),
        "TIMEOUT": 600,
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
        },
    }
    CACHES = {"default": _redis, "pages": _redis}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
            "TIMEOUT": 600,
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "civic-pages",
            "TIMEOUT": 600,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
    }
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# How long an anonymous page stays in the server-side cache (seconds); 0 turns the
# page cache off. A change to what a site's pages show empties that site's part of
# it at once (home/invalidation.py).
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# Where the per-site generations are kept when the cache is local memory.
PAGE_CACHE_GENERATION_DIR = VAR_DIR / "page-cache"
# How long browsers and shared caches may reuse a page without asking again.
PAGE_CACHE_CONTROL_MAX_AGE = int(os.environ.get("PAGE_CACHE_CONTROL_MAX_AGE", "60"))

# Tasks (confirmation emails, XLSX exports and other work after a request): run at
# once by default; TASKS_BACKEND can name a backend that defers them to a worker, e.g.
# django_tasks_db.DatabaseBackend with `manage.py db_worker` (what `make run` does;
# see README).
# Queues: "default" (emails, quick), "exports" (People exports, up to minutes) and
# "mailings" (messages to supporters, paced: hours for a large audience), each with a
# worker of its own, so that no email waits behind an export or a message.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        ),
        "QUEUES": ["default", "exports", "mailings"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: every language the installation can offer, Albanian first. Each site
# offers those of them its home page is published in (home/languages.py): Kosovo We
# Want offers Albanian, Serbian and English, the others Albanian and English. Adding
# a language is one line here plus its catalogues (docs/architecture.md, "Languages").
LANGUAGE_CODE = "sq"
LANGUAGES = [
    ("sq", "Shqip"),
    ("sr-latn", "Srpski"),
    ("en", "English"),
]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# The project's own catalogues (site/locale, then each app's: Django ranks every
# LOCALE_PATHS entry above the apps' own, so they are listed here too), and the
# Albanian catalogues of Wagtail's and wagtail-localize's screens in translations/,
# laid out as in those projects so that each file can be offered to them as it is.
# Earlier entries win where two catalogues translate the same text: the project's
# words, then Wagtail's.
LOCALE_PATHS = [
    PROJECT_DIR / "locale",
    *(BASE_DIR / app / "locale" for app in ("movement", "congress", "membership", "home/security")),
    *sorted(path for path in (BASE_DIR / "translations").glob("**/locale") if path.is_dir()),
]
LANGUAGE_COOKIE_NAME = "language"

TIME_ZONE = "Europe/Belgrade"  # Kosovo keeps Central European time
USE_I18N = True
USE_TZ = True

# Static files: whitenoise serves compressed, hashed files with long cache headers.
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# People exports built in the background (XLSX): their files are kept in the "private"
# storage, here outside MEDIA_ROOT (nothing serves this folder; only the admin's
# download view reads it), and deleted after MEMBERSHIP_EXPORT_KEEP.
MEMBERSHIP_EXPORT_ROOT = Path(os.environ.get("MEMBERSHIP_EXPORT_ROOT", VAR_DIR / "exports"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Files for staff only, read by the app itself (never a public URL).
    # On disk the files and folders are the site user's only (not the web server's).
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": MEMBERSHIP_EXPORT_ROOT,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Media on object storage (S3 or an S3-compatible service), when AWS_STORAGE_BUCKET_NAME
# is set (docs/deployment.md, "Media on object storage"): django-storages reads the
# AWS_* settings below. One bucket, private by default; its policy lets anyone read the
# images (original_images/, images/) at MEDIA_URL. Documents (documents/) are only
# served through Wagtail's /documents/ view, which streams them from the bucket after
# checking the privacy of their collection; the "private" storage (exports) lies
# under private/. Short timeouts: an unreachable service answers uploads with a 503
# (home.security.faults) within seconds instead of holding a worker.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
if AWS_STORAGE_BUCKET_NAME:
    from botocore.config import Config as _BotoConfig

    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL", "").strip().rstrip("/") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME", "").strip() or None
    # Keys from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), else
    # boto3's own chain (an instance role, ~/.aws).
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    # The public address of the media (a CDN, or the bucket's own host), without scheme.
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN", "").strip().strip("/") or None
    AWS_S3_URL_PROTOCOL = os.environ.get("AWS_S3_URL_PROTOCOL", "https:")
    # Path-style addresses (endpoint/bucket/key) for S3-compatible services such as
    # SeaweedFS or MinIO; AWS itself picks its own.
    AWS_S3_ADDRESSING_STYLE = os.environ.get(
        "AWS_S3_ADDRESSING_STYLE", "path" if AWS_S3_ENDPOINT_URL else "auto"
    )
    AWS_S3_SIGNATURE_VERSION = "s3v4"
    AWS_S3_CLIENT_CONFIG = _BotoConfig(
        s3={"addressing_style": AWS_S3_ADDRESSING_STYLE},
        signature_version=AWS_S3_SIGNATURE_VERSION,
        connect_timeout=float(os.environ.get("AWS_S3_CONNECT_TIMEOUT", "3")),
        read_timeout=float(os.environ.get("AWS_S3_READ_TIMEOUT", "20")),
        retries={"mode": "standard", "total_max_attempts": 2},
    )
    # No ACL on objects (the bucket policy decides), no signed URLs for images, and
    # never an existing object overwritten by an upload of the same name.
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = False
    AWS_S3_FILE_OVERWRITE = False
    AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "max-age=86400"}
    if AWS_S3_CUSTOM_DOMAIN:
        MEDIA_URL = f"{AWS_S3_URL_PROTOCOL}//{AWS_S3_CUSTOM_DOMAIN}/"
    elif AWS_S3_ENDPOINT_URL:
        MEDIA_URL = f"{AWS_S3_ENDPOINT_URL}/{AWS_STORAGE_BUCKET_NAME}/"
    else:
        _region = f".{AWS_S3_REGION_NAME}" if AWS_S3_REGION_NAME else ""
        MEDIA_URL = f"https://{AWS_STORAGE_BUCKET_NAME}.s3{_region}.amazonaws.com/"
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "location": "private",
            "custom_domain": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "object_parameters": {},
        },
    }
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365

# Email: console unless EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
    )
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Security: production defaults; dev.py relaxes what plain HTTP needs.
# HTTPS ends at the reverse proxy (deploy/nginx/civic.conf), which says so in
# X-Forwarded-Proto. gunicorn believes that header only from the addresses in
# FORWARDED_ALLOW_IPS (site/gunicorn.conf.py) and then sets the request's scheme,
# which Django reads (request.is_secure()); Django itself must not read the header,
# or anyone who reaches gunicorn directly could claim HTTPS. Another WSGI server
# behind a proxy that always sets the header can use SECURE_PROXY_SSL_HEADER=1.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER") else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# The health endpoint answers plain HTTP too: the proxy and systemd probe it on the
# loopback address (docs/deployment.md).
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Messages live in a cookie so that a visitor's request never needs a session row.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# After signing in on Wagtail's login page for restricted pages (/sq/_util/login/)
# without a "next" page: the home page, in the language of the login page.
LOGIN_REDIRECT_URL = reverse_lazy("wagtail_serve", args=[""])

# Wagtail
WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "Civic site")
# The site's address in links sent by email (password resets, notifications): a
# request's own host is not used, so production must say it (dev.py and test.py do).
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "").strip().rstrip("/")
if not WAGTAILADMIN_BASE_URL and DEBUG:
    WAGTAILADMIN_BASE_URL = "http://localhost:8000"
if not WAGTAILADMIN_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        "The WAGTAILADMIN_BASE_URL environment variable must be the site's address, "
        "starting with https:// (or http://), for example https://voltkosova.org: "
        "password-reset and notification emails link to it. "
        + (f"It is {WAGTAILADMIN_BASE_URL!r}." if WAGTAILADMIN_BASE_URL else "It is not set.")
    )
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif"]
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The admin's languages: those with catalogues for Wagtail's and wagtail-localize's
# screens (translations/ for Albanian; both ship English). Serbian staff use one of these.
WAGTAILADMIN_PERMITTED_LANGUAGES = [("sq", "Shqip"), ("en", "English")]
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# Machine translation is an editor's choice, and off unless the organisation runs its
# own LibreTranslate server (docs/deployment.md, "Machine translation"): with
# LIBRETRANSLATE_URL set, wagtail-localize's editor offers "Translate with
# LibreTranslate", which sends that page's texts to that server only. Nothing is ever
# sent to a third party by default.
LIBRETRANSLATE_URL = os.environ.get("LIBRETRANSLATE_URL", "").strip().rstrip("/")
WAGTAILLOCALIZE_MACHINE_TRANSLATOR = (
    {
        "CLASS": "wagtail_localize.machine_translators.libretranslate.LibreTranslator",
        "OPTIONS": {
            "LIBRETRANSLATE_URL": LIBRETRANSLATE_URL,
            "API_KEY": os.environ.get("LIBRETRANSLATE_API_KEY", ""),
            "TIMEOUT": 20,
        },
    }
    if LIBRETRANSLATE_URL
    else None
)
WAGTAIL_LOCALIZE_DEFAULT_TRANSLATION_MODE = "synced"
# A new translation of a page or an outcome is a draft, never live with the source's
# text: a translator (or an editor) publishes it when it is done.
WAGTAILLOCALIZE_SYNC_LIVE_STATUS_ON_TRANSLATE = False

# Logs: every logger to standard error (systemd's journal keeps it; a management
# command's own output on standard output stays clean), from LOG_LEVEL up.
# LOG_FORMAT=json (deploy/civic.env.example) makes each line a JSON object, with the
# method, path and status of requests that failed; gunicorn follows the same
# variable (site/gunicorn.conf.py). The default, text, is for a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_fields": {"()": "home.monitoring.RequestFields"},
        "skip_health_reports": {"()": "home.monitoring.SkipHealthReports"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "home.monitoring.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_fields"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.request": {
            "handlers": ["console"],
            "level": "ERROR",
            "propagate": False,
            "filters": ["skip_health_reports"],
        },
    },
}

# Error reports (optional): Sentry, when SENTRY_DSN is set; without request bodies,
# cookies, query strings, local variables or user details (home/monitoring.py).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    from home.monitoring import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE", ""),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
    )

# Health endpoint (/health/, home/health.py): the oldest task due on a queue may
# wait this many seconds for a worker before the check of that queue fails.
HEALTH_TASK_QUEUE_MAX_AGE = int(os.environ.get("HEALTH_TASK_QUEUE_MAX_AGE", "300"))

SITE_DESCRIPTION = _("A site for civic movements and civil-society platforms in Kosovo")

# Membership
# Public sign-up forms: at most MEMBERSHIP_RATE_LIMIT[0] submissions per client
# address and email address together in MEMBERSHIP_RATE_LIMIT[1] seconds, and at
# most MEMBERSHIP_ADDRESS_RATE_LIMIT[0] per client address alone in [1] seconds:
# many people share one address (mobile carriers, a canvasser's phone). Counted in
# Redis, else in the database: home/security/ratelimit.py. Behind N reverse
# proxies set MEMBERSHIP_TRUSTED_PROXIES=N to read X-Forwarded-For.
MEMBERSHIP_RATE_LIMIT = (
    int(os.environ.get("MEMBERSHIP_RATE_LIMIT_COUNT", "10")),
    int(os.environ.get("MEMBERSHIP_RATE_LIMIT_SECONDS", "3600")),
)
MEMBERSHIP_ADDRESS_RATE_LIMIT = (
    int(os.environ.get("MEMBERSHIP_ADDRESS_RATE_LIMIT_COUNT", "200")),
    int(os.environ.get("MEMBERSHIP_ADDRESS_RATE_LIMIT_SECONDS", "3600")),
)
MEMBERSHIP_TRUSTED_PROXIES = int(os.environ.get("MEMBERSHIP_TRUSTED_PROXIES", "0"))
# Spam trap: a form sent sooner than this after it was shown is ignored; a form
# older than MEMBERSHIP_FORM_MAX_AGE seconds must be loaded again.
MEMBERSHIP_MIN_FORM_SECONDS = int(os.environ.get("MEMBERSHIP_MIN_FORM_SECONDS", "3"))
MEMBERSHIP_FORM_MAX_AGE = 60 * 60 * 24
# Confirmation links: each site sets its own validity; this is the upper bound.
MEMBERSHIP_LINK_MAX_AGE = 60 * 60 * 24 * 60
# Confirmation emails: a failed one is retried after 2, 4, 8… minutes, at most
# MEMBERSHIP_EMAIL_RETRY_CAP seconds apart, for as long as its link would be valid;
# at most MEMBERSHIP_EMAILS_PER_ADDRESS[0] go to one address per [1] seconds.
MEMBERSHIP_EMAIL_RETRY_CAP = int(os.environ.get("MEMBERSHIP_EMAIL_RETRY_CAP", "3600"))
MEMBERSHIP_EMAILS_PER_ADDRESS = (3, 3600)
# Messages to supporters: the sender of a message holds it for this many seconds and
# renews that as it goes; a sender that stopped renewing (killed) is taken over once
# it ran out, by `manage.py membership_send_mailings` (membership/mailing_send.py).
MEMBERSHIP_MAILING_LEASE = int(os.environ.get("MEMBERSHIP_MAILING_LEASE", "120"))
# People exports built in the background (XLSX): their files are kept in the "private"
# storage (STORAGES, MEMBERSHIP_EXPORT_ROOT above) and deleted after MEMBERSHIP_EXPORT_KEEP.
MEMBERSHIP_EXPORT_KEEP = timedelta(hours=24)
# A CSV export of more sign-ups than this is prepared in the background too: a sync
# gunicorn worker that takes longer than GUNICORN_TIMEOUT (30 s) over one request is
# stopped, and streaming runs at about 20,000 rows a second (docs/performance.md).
MEMBERSHIP_EXPORT_STREAM_ROWS = int(os.environ.get("MEMBERSHIP_EXPORT_STREAM_ROWS", "200000"))

# Security
# Everything below is explained in docs/security.md. Headers: HSTS, nosniff,
# Referrer-Policy, secure cookies and X-Frame-Options are set above; here the
# Content-Security-Policy (django-csp 4), Permissions-Policy, login brute-force
# protection (django-axes), two-factor authentication (django-otp) and uploads.
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60 * 12)))
CSRF_COOKIE_HTTPONLY = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), browsing-topics=()"
)
# Players of the video and social services that editors embed (Wagtail oEmbed).
CSP_EMBED_FRAME_SOURCES = env_list(
    "CSP_EMBED_FRAME_SOURCES",
    "https://www.youtube.com,https://www.youtube-nocookie.com,https://player.vimeo.com,"
    "https://www.facebook.com,https://web.facebook.com",
)
# Media on another origin (object storage) must be allowed to load.
_MEDIA_SOURCES = (
    ["/".join(MEDIA_URL.split("/")[:3])] if MEDIA_URL.startswith(("http://", "https://")) else []
)
_UPGRADE = SECURE_SSL_REDIRECT
# Public pages: no inline or eval'd script at all. Public templates have no inline
# <script> (JSON-LD is data, not run); if one ever needs one, it takes
# {{ request.csp_nonce }} and the page is then kept out of the page cache.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_MEDIA_SOURCES],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF, *_MEDIA_SOURCES],
        "frame-src": [*CSP_EMBED_FRAME_SOURCES],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": _UPGRADE,
    }
}
# Wagtail's admin runs inline scripts and styles (widgets, panels) and shows page
# previews in a frame of its own origin; scripts still come from this origin only.
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *_MEDIA_SOURCES],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "media-src": [SELF, *_MEDIA_SOURCES],
        "frame-src": [SELF, *CSP_EMBED_FRAME_SOURCES],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
        "upgrade-insecure-requests": _UPGRADE,
    }
}
# Uploaded files never run anything, even when opened directly.
MEDIA_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {"default-src": [NONE], "img-src": [SELF], "sandbox": True}
}
# Django REST framework (Wagtail's admin API, wagtail-localize's editor): sessions
# only, which enforce CSRF; no HTTP Basic passwords that would bypass the lockout.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
}
# No Gravatar requests from the admin (they would disclose editors' addresses).
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Reverse proxies in front of gunicorn whose X-Forwarded-For is trusted: how many
# (TRUSTED_PROXY_COUNT) and the addresses the nearest one connects from
# (FORWARDED_ALLOW_IPS, addresses or networks, as gunicorn reads it; "*" for any).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", str(MEMBERSHIP_TRUSTED_PROXIES)))
TRUSTED_PROXY_ADDRESSES = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
for _address in TRUSTED_PROXY_ADDRESSES:
    try:
        if _address != "*":
            ipaddress.ip_network(_address, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"FORWARDED_ALLOW_IPS holds {_address!r}, which is no address or network: "
            "give the reverse proxy's addresses, comma-separated (e.g. 127.0.0.1,10.0.0.5)."
        ) from _error

# Login brute force (django-axes): AXES_FAILURE_LIMIT failures within
# AXES_COOLOFF_TIME for the same user name and address, for the same address (any
# user names) or for the same user name (any address) lock that pair, address or
# account for AXES_COOLOFF_TIME; the per-account count does not apply where the user
# signed in before (home/security/lockout.py). Failures during a lockout do not
# prolong it. Unlock: manage.py axes_reset_username NAME (or axes_reset_ip ADDRESS,
# axes_reset for everything).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = "home.security.lockout.lockout_parameters"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "home.security.views.lockout"
AXES_CLIENT_IP_CALLABLE = "home.security.net.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ADMIN = False

# Two-factor authentication (django-otp): who must use it ("superuser", "staff",
# "all", or a site role: "editor", "translator", "event_staff", "membership_officer").
# Anyone else may turn it on from their account page.
ADMIN_2FA_REQUIRED_FOR = env_list("ADMIN_2FA_REQUIRED_FOR", "superuser,membership_officer")
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Uploads: size and type limits (images and documents above); documents are always
# served through Wagtail's view (permissions, Content-Disposition, CSP); only PDF is
# shown in the browser, everything else is downloaded.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf"]
WAGTAILDOCS_BLOCK_EMBEDDED_CONTENT = True
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 50_000_000
# The whole request body, files included (DATA_UPLOAD_MAX_MEMORY_SIZE counts only the
# fields that are not files): the largest upload allowed plus room for the other
# fields. A larger Content-Length gets 413 before any of the body is read
# (config.middleware.RequestBodyLimitMiddleware); Django reads no more than the
# Content-Length, so a chunked body without one is read as empty.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, 2.5 MB
REQUEST_BODY_MAX_SIZE = (
    max(WAGTAILDOCS_MAX_UPLOAD_SIZE, WAGTAILIMAGES_MAX_UPLOAD_SIZE) + DATA_UPLOAD_MAX_MEMORY_SIZE
)
# Seconds a client is asked to wait (Retry-After) when the database is unavailable.
SECURITY_RETRY_AFTER_SECONDS = 60
