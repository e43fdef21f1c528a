"""Fixtures of the security tests: production-like settings, users of each kind."""

import pytest
from django.contrib.auth import get_user_model

HOST = "org-a.example"
PRODUCTION = {
    "DEBUG": False,
    "ALLOWED_HOSTS": [HOST, "org-b.example"],
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 60 * 60 * 24 * 365,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "LANGUAGE_COOKIE_SECURE": True,
}


@pytest.fixture
def production(settings):
    """Production values of the settings that dev.py and test.py loosen."""
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    return settings


@pytest.fixture
def password():
    return "a-long-test-password-1"


@pytest.fixture
def superuser(db, password):
    return get_user_model().objects.create_superuser(
        "root", "root@example.org", password, first_name="Root"
    )


@pytest.fixture
def make_user(db, password):
    def factory(username, *groups, superuser=False):
        User = get_user_model()
        maker = User.objects.create_superuser if superuser else User.objects.create_user
        user = maker(username, f"{username}@example.org", password)
        for group in groups:
            user.groups.add(group)
        return user

    return factory
