"""Local development: plain HTTP, readable errors, no secrets needed."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
# Links in emails of the demo (`make run` sets the port it serves on).
os.environ.setdefault("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")

from .base import *  # noqa: E402, F403

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,.localhost,127.0.0.1,[::1]")  # noqa: F405
if DEBUG:  # noqa: F405
    WHITENOISE_AUTOREFRESH = True
    WHITENOISE_USE_FINDERS = True

# The demo admin of `make run` signs in with a password alone (two-factor
# authentication stays available from the account page) unless the environment
# asks for it (ADMIN_2FA_REQUIRED_FOR=superuser, to try the production rule).
ADMIN_2FA_REQUIRED_FOR = env_list("ADMIN_2FA_REQUIRED_FOR", "")  # noqa: F405
