"""The demo sites for the browser tests of accessibility, offline reading and page weight:
load them once per test and find one page of every page type in every language."""

import io
from urllib.parse import urlsplit

from django.core.management import call_command
from wagtail.models import Page, Site

# Every public page type, in the order a visitor meets them.
PAGE_TYPES = [
    "HomePage",
    "StandardPage",
    "MovementPage",
    "CampaignIndexPage",
    "CampaignPage",
    "CongressIndexPage",
    "CongressPage",
    "NewsIndexPage",
    "NewsPage",
    "JoinPage",
    "VolunteerPage",
]
# Page types whose demo pages differ in more than their text (a congress before,
# during or after it takes place; a campaign index with campaigns or still empty):
# every page of these types is checked.
EVERY_PAGE_OF = {"CongressPage", "CampaignIndexPage"}
LANGUAGES = ["sq", "en"]
DEMO_HOSTS = ["voltkosova.localhost", "kosovowewant.localhost", "myvotecounts.localhost"]


def load_demo(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    # A browser fills a form in well under the spam trap's minimum time.
    settings.MEMBERSHIP_MIN_FORM_SECONDS = 0
    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (1000, 600)
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "browser-demo")
    call_command("load_demo", stdout=io.StringIO())


def port_of(live_server):
    return urlsplit(live_server.url).port


def page_url(live_server, page):
    site_id, _root_url, path = page.get_url_parts()
    hostname = Site.objects.get(pk=site_id).hostname
    return f"http://{hostname}:{port_of(live_server)}{path}"


def host_url(live_server, host, path="/"):
    return f"http://{host}:{port_of(live_server)}{path}"


def demo_pages(live_server):
    """[(label, url)]: the first live page of each type in each language (every page of
    the types in EVERY_PAGE_OF), then the search page with results and a 404, in each
    language."""
    found = []
    pages = Page.objects.live().filter(depth__gte=2).specific().order_by("path")
    for type_name in PAGE_TYPES:
        for language in LANGUAGES:
            of_type = [
                page
                for page in pages
                if type(page).__name__ == type_name and page.locale.language_code == language
            ]
            assert of_type, f"the demo has no {type_name} in {language}"
            chosen = of_type if type_name in EVERY_PAGE_OF else of_type[:1]
            found += [(f"{type_name} ({language})", page_url(live_server, page)) for page in chosen]
    for language, query in (("sq", "Kosova"), ("en", "Volt")):
        found.append(
            (
                f"search ({language})",
                host_url(live_server, DEMO_HOSTS[0], f"/{language}/search/?q={query}"),
            )
        )
        found.append(
            (
                f"404 ({language})",
                host_url(live_server, DEMO_HOSTS[1], f"/{language}/no-such-page/"),
            )
        )
    return found


def first_url(live_server, type_name, language, site=None):
    """The URL of the first live page of that type and language (on ``site``, in any of
    its languages, if given)."""
    pages = Page.objects.live()
    if site is not None:
        roots = site.root_page.get_translations(inclusive=True)
        pages = pages.filter(path__regex="^(" + "|".join(root.path for root in roots) + ")")
    for page in pages.specific().order_by("path"):
        if type(page).__name__ == type_name and page.locale.language_code == language:
            return page_url(live_server, page)
    raise AssertionError(f"the demo has no {type_name} in {language}")


def reopen_signing():
    """The demo's statement is closed (its 2019 signing period is over); the checks
    of the sign form need one that takes signatures: reopen it in the test database."""
    from movement.models import CampaignPage

    CampaignPage.objects.update(signing_opens=None, signing_closes=None)
