"""Production settings (``config.settings.base``) plus one URL, ``/__deploy/echo/``,
that says what the site makes of a request: its scheme and the client's address as
the rate limits and the login lockout read it. Used by tests/deploy/test_proxy.py."""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "tests.deploy.proxy_urls"
