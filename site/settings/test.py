"""Tests: fast hashing, plain static files, immediate tasks, in-memory mail."""

import os

_TEST_ENV = {
    "SECRET_KEY": "test-only-key",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "WAGTAILADMIN_BASE_URL": "http://localhost:8000",
}
_saved = {name: os.environ.get(name) for name in _TEST_ENV}
for _name, _value in _TEST_ENV.items():
    os.environ.setdefault(_name, _value)

from .base import *  # noqa: E402, F403

# Leave the environment as it was, so that subprocesses started by tests (checks
# with production variables) see only what they are given.
for _name, _value in _saved.items():
    if _value is None:
        os.environ.pop(_name, None)

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_PRIVATE_STORAGE = STORAGES["private"]  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
_IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"
TASKS = {"default": {**TASKS["default"], "BACKEND": _IMMEDIATE}}  # noqa: F405
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
MEMBERSHIP_EXPORT_ROOT = VAR_DIR / "test-exports"  # noqa: F405
STORAGES["private"] = {  # People exports, as in base.py, in the test folder
    **_PRIVATE_STORAGE,
    "OPTIONS": {**_PRIVATE_STORAGE["OPTIONS"], "location": MEMBERSHIP_EXPORT_ROOT},
}
WAGTAILEMBEDS_FINDERS = [{"class": "tests.embeds.OfflineEmbedFinder"}]
if not REDIS_URL and "dummy" not in CACHES["default"]["BACKEND"]:  # noqa: F405
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "p"},
    }
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Security: the login lockout and required two-factor authentication are off for the
# suite (it signs in with client.login/force_login); tests/security turns them on.
AXES_ENABLED = False
ADMIN_2FA_REQUIRED_FOR = []

# Membership: on SQLite the test database is a file, like production's (WAL mode,
# IMMEDIATE transactions), so concurrent requests in tests wait for each other as
# they do for real. An in-memory test database is one shared cache, where a second
# writer fails at once with "database table is locked" instead of waiting.
# One file per test process; it and its WAL files are removed when the process ends.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import atexit
    import contextlib
    import tempfile

    _TEST_DB = os.path.join(tempfile.gettempdir(), f"civic-test-{os.getpid()}.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": _TEST_DB}  # noqa: F405

    @atexit.register
    def _remove_test_database():
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.remove(_TEST_DB + suffix)
