"""Settings come from the environment; production settings refuse unsafe defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_python(code, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DJANGO_DEBUG",
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "WAGTAILADMIN_BASE_URL",
        }
    }
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_secret_key_with_debug_off_fails_clearly():
    result = run_python("import config.settings.base")
    assert result.returncode != 0
    assert "The SECRET_KEY environment variable is required when DEBUG is off" in result.stderr


@pytest.mark.parametrize("value", [None, "", "voltkosova.org"])
def test_production_refuses_to_start_without_the_sites_address(tmp_path, value):
    """Password-reset and notification emails link to WAGTAILADMIN_BASE_URL; without
    it they would point at localhost."""
    env = {"SECRET_KEY": "x" * 50, "VAR_DIR": str(tmp_path)}
    if value is not None:
        env["WAGTAILADMIN_BASE_URL"] = value
    result = run_python("import config.settings.base", **env)
    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: The WAGTAILADMIN_BASE_URL environment variable must be the site"
        in (result.stderr)
    )


def test_production_links_use_the_sites_address(tmp_path):
    code = "from config.settings import base as s; print(s.WAGTAILADMIN_BASE_URL)"
    result = run_python(
        code,
        SECRET_KEY="x" * 50,
        VAR_DIR=str(tmp_path),
        WAGTAILADMIN_BASE_URL="https://voltkosova.org/",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://voltkosova.org"


def test_the_demo_of_make_run_needs_no_address(tmp_path):
    """dev.py with DEBUG off (as `make run` serves it) links to the local server."""
    code = "from config.settings import dev as s; print(s.DEBUG, s.WAGTAILADMIN_BASE_URL)"
    result = run_python(code, DJANGO_DEBUG="0", VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False http://127.0.0.1:8000"


def test_the_demo_requires_two_factor_of_nobody_unless_asked(tmp_path):
    code = "from config.settings import dev as s; print(s.ADMIN_2FA_REQUIRED_FOR)"
    result = run_python(code, DJANGO_DEBUG="0", VAR_DIR=str(tmp_path), ADMIN_2FA_REQUIRED_FOR="")
    assert result.stdout.strip() == "[]", result.stderr
    result = run_python(
        code, DJANGO_DEBUG="0", VAR_DIR=str(tmp_path), ADMIN_2FA_REQUIRED_FOR="superuser"
    )
    assert result.stdout.strip() == "['superuser']", result.stderr


def test_environment_configures_database_cache_and_email(tmp_path):
    code = (
        "from config.settings import base as s;"
        "print(s.DATABASES['default']['ENGINE']);"
        "print(s.CACHES['default']['BACKEND']);"
        "print(s.EMAIL_BACKEND); print(s.ALLOWED_HOSTS); print(s.MEDIA_ROOT)"
    )
    result = run_python(
        code,
        SECRET_KEY="x" * 50,
        WAGTAILADMIN_BASE_URL="https://a.example",
        DATABASE_URL="postgres://u@127.0.0.1:5432/db",
        REDIS_URL="redis://127.0.0.1:6379/9",
        EMAIL_HOST="smtp.example.org",
        ALLOWED_HOSTS="a.example,b.example",
        MEDIA_ROOT=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "django.db.backends.postgresql",
        "django_redis.cache.RedisCache",
        "django.core.mail.backends.smtp.EmailBackend",
        "['a.example', 'b.example']",
        str(tmp_path),
    ]


def test_defaults_need_no_services(tmp_path):
    code = (
        "from config.settings import base as s;"
        "print(s.DATABASES['default']['ENGINE']);"
        "print(s.DATABASES['default']['OPTIONS']['transaction_mode']);"
        "print('journal_mode=WAL' in s.DATABASES['default']['OPTIONS']['init_command']);"
        "print(s.CACHES['default']['BACKEND']); print(s.CACHES['pages']['BACKEND']);"
        "print(s.EMAIL_BACKEND)"
    )
    result = run_python(
        code, SECRET_KEY="x" * 50, WAGTAILADMIN_BASE_URL="https://a.example", VAR_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "django.db.backends.sqlite3",
        "IMMEDIATE",
        "True",
        "django.core.cache.backends.filebased.FileBasedCache",
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_sqlite_runs_in_wal_mode_with_busy_timeout(db, settings):
    from django.db import connection

    if connection.vendor != "sqlite":
        import pytest

        pytest.skip("SQLite-only check; this run uses another database")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20000


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": "a-production-secret-" + "k" * 50,
        "ALLOWED_HOSTS": "voltkosova.org",
        "WAGTAILADMIN_BASE_URL": "https://voltkosova.org",
        "VAR_DIR": str(tmp_path),
    }
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "WAGTAILADMIN_BASE_URL"}
    }
    base.update(env)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_warns_about_a_site_not_on_the_https_port(db, settings):
    from django.core import checks
    from wagtail.models import Page, Site

    from home.checks import sites_on_https_port

    settings.SECURE_SSL_REDIRECT = True
    root = Page.objects.get(depth=1)
    Site.objects.create(hostname="secure.example.org", port=443, root_page=root)
    Site.objects.create(hostname="plain.example.org", port=80, root_page=root)
    warnings = sites_on_https_port(databases=["default"])
    assert [w.id for w in warnings if "plain.example.org" in w.msg] == ["home.W001"]
    assert not [w for w in warnings if "secure.example.org" in w.msg]
    # Registered with the deployment checks; without --database it reads nothing.
    deployment_checks = checks.registry.registry.get_checks(include_deployment_checks=True)
    assert sites_on_https_port in deployment_checks
    assert sites_on_https_port(databases=None) == []
    settings.SECURE_SSL_REDIRECT = False  # plain HTTP on purpose (make run)
    assert sites_on_https_port(databases=["default"]) == []


def test_proxy_addresses_that_are_no_addresses_stop_start_up():
    code = "import config.settings.base as s; print(s.TRUSTED_PROXY_ADDRESSES)"
    common = {"SECRET_KEY": "x" * 50, "WAGTAILADMIN_BASE_URL": "https://a.example"}
    good = run_python(code, FORWARDED_ALLOW_IPS="10.0.0.5, 10.1.0.0/16,::1", **common)
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == "['10.0.0.5', '10.1.0.0/16', '::1']"
    bad = run_python(code, FORWARDED_ALLOW_IPS="10.0.0.5,proxy.local", **common)
    assert bad.returncode != 0
    assert "FORWARDED_ALLOW_IPS holds 'proxy.local'" in bad.stderr


def test_machine_translation_is_off_unless_a_libretranslate_server_is_named():
    code = (
        "import json, django; django.setup(); from django.conf import settings;"
        "print(json.dumps(settings.WAGTAILLOCALIZE_MACHINE_TRANSLATOR))"
    )
    off = run_python(code, DJANGO_SETTINGS_MODULE="config.settings.dev", VAR_DIR="/tmp/var-mt")
    assert off.returncode == 0, off.stderr
    assert off.stdout.strip() == "null"
    on = run_python(
        code,
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        VAR_DIR="/tmp/var-mt",
        LIBRETRANSLATE_URL="http://127.0.0.1:5000/",
        LIBRETRANSLATE_API_KEY="k",
    )
    assert on.returncode == 0, on.stderr
    options = json.loads(on.stdout)
    assert options["CLASS"].endswith("libretranslate.LibreTranslator")
    assert options["OPTIONS"]["LIBRETRANSLATE_URL"] == "http://127.0.0.1:5000"
    assert options["OPTIONS"]["API_KEY"] == "k"
