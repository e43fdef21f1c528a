"""Shared fixtures: locales, a bilingual organisation site, a clean cache, a browser."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the Django ORM calls
# that browser tests make around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
from django.core.cache import caches
from wagtail.models import Locale, Page, Site

from home.models import HomePage, OrganisationSettings, OrganisationText, StandardPage


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Tests that commit (live server, threads, transaction=True) flush the database
    afterwards; with serialized rollback the data of Wagtail's migrations (root page,
    root collection, locales) comes back, so the tests after them still find it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
            {"live_server", "transactional_db"} & set(getattr(item, "fixturenames", ()))
        )
        if transactional:
            kwargs = dict(marker.kwargs) if marker else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Keep the serialized test data reachable from every connection object.

    Playwright's sync API runs an event loop in the test thread, and Django's
    connection handler then hands out a new connection object, one without the
    serialized data that serialized rollback restores. Keeping that data on the
    connection class makes it reachable from whichever object is in use.
    """
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents
    return django_db_setup


@pytest.fixture(autouse=True)
def _no_language_leaks():
    """A test that activates a language does not pass it on to the next test."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clean_cache(settings, tmp_path):
    # Every test gets its own page-cache generation file and an empty cache.
    settings.PAGE_CACHE_GENERATION_DIR = tmp_path / "page-cache"
    for each in caches.all():
        each.clear()
    yield
    for each in caches.all():
        each.clear()


@pytest.fixture
def nothing_cached(settings):
    """Nothing kept in any cache (Django's dummy cache): a truly cold render."""
    dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    settings.CACHES = {"default": dummy, "pages": dummy}


@pytest.fixture
def sq_locale(db):
    return Locale.objects.get_or_create(language_code="sq")[0]


@pytest.fixture
def en_locale(db):
    return Locale.objects.get_or_create(language_code="en")[0]


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def translate(page, locale, **fields):
    """A linked translation of ``page`` in ``locale`` with ``fields`` changed, published."""
    translation = page.copy_for_translation(locale)
    for name, value in fields.items():
        setattr(translation, name, value)
    translation.save()
    return publish(translation)


class OrgSite:
    """One organisation: its Site, Albanian home page and English translation."""

    def __init__(self, site, home_sq, home_en, settings):
        self.site = site
        self.home_sq = home_sq
        self.home_en = home_en
        self.settings = settings
        self.hostname = site.hostname

    def add_page(self, page, parent=None, en_fields=None):
        """Add and publish ``page`` (Albanian) and, unless en_fields is None, its
        English translation; returns (sq_page, en_page or None)."""
        parent = parent or self.home_sq
        parent.add_child(instance=page)
        publish(page)
        en_page = None
        if en_fields is not None:
            en_page = translate(page, Locale.objects.get(language_code="en"), **en_fields)
        return page, en_page


@pytest.fixture
def make_org(db, sq_locale, en_locale):
    """Factory: ``make_org("a.example")`` builds a bilingual organisation site."""
    root = Page.get_first_root_node()
    made = []

    def factory(
        hostname="org-a.example", name="Organizata A", name_en="Organisation A", default=False
    ):
        slug = hostname.split(".")[0]
        home = HomePage(
            title=name, slug=slug, hero_heading=f"Mirë se vini te {name}", locale=sq_locale
        )
        root.add_child(instance=home)
        publish(home)
        home_en = translate(
            home, en_locale, title=name_en, slug=f"{slug}-en", hero_heading=f"Welcome to {name_en}"
        )
        site = Site.objects.create(
            hostname=hostname, port=80, root_page=home, site_name=name_en, is_default_site=default
        )
        org = OrganisationSettings.objects.create(
            site=site, phone="+38338000000", email=f"info@{hostname}"
        )
        OrganisationText.objects.create(
            settings=org,
            locale=sq_locale,
            name=name,
            tagline="Slogani shqip",
            postal_address="Prishtinë",
        )
        OrganisationText.objects.create(
            settings=org,
            locale=en_locale,
            name=name_en,
            tagline="English tagline",
            postal_address="Prishtina",
        )
        result = OrgSite(site, home, home_en, org)
        made.append(result)
        return result

    # Wagtail's first migration adds a placeholder default site; tests make their own.
    Site.objects.all().delete()
    return factory


@pytest.fixture
def org(make_org):
    return make_org("org-a.example", default=True)


@pytest.fixture
def standard_page(org):
    page, page_en = org.add_page(
        StandardPage(title="Rreth nesh", slug="rreth-nesh", intro="Hyrje", show_in_menus=True),
        en_fields={"title": "About us", "slug": "about-us", "intro": "Introduction"},
    )
    return page, page_en


# Browser fixtures (Playwright driving Debian's Chromium), defined here once so that
# every folder shares one Playwright instance; they skip, saying why, without Chromium.
CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def _playwright():
    if not CHROMIUM:
        pytest.skip("No Chromium on this machine: apt-get install chromium (or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements.txt
        pytest.skip("Playwright is not installed: pip install -r requirements.txt")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def tab(browser):
    """A fresh browser tab (own cookies) at a phone-like width, no JavaScript limits."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sq-AL")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
