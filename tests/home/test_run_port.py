"""`make run PORT=…`: load_demo puts the demo Sites on that port (DEMO_PORT), so every
absolute link the sites write (canonical, hreflang, sitemap, feeds, calendar files,
emails) carries it; a Site already there is moved to the new port, not added."""

import io
import re

import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from congress.models import CongressPage
from home.demo import demo_port, ensure_site
from membership.models import JoinPage
from movement.models import NewsIndexPage

HOSTS = {"voltkosova.localhost", "kosovowewant.localhost", "myvotecounts.localhost"}


def load(port, monkeypatch):
    monkeypatch.setenv("DEMO_PORT", str(port))
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_env(db, monkeypatch, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-for-tests")
    return monkeypatch


def absolute_links(html):
    return re.findall(r"https?://[a-z.]+\.localhost(?::\d+)?/", html)


def test_demo_port_is_read_and_checked(monkeypatch):
    monkeypatch.delenv("DEMO_PORT", raising=False)
    assert demo_port() == 8000
    monkeypatch.setenv("DEMO_PORT", "8123")
    assert demo_port() == 8123
    for bad in ("abc", "0", "70000", "-1"):
        monkeypatch.setenv("DEMO_PORT", bad)
        with pytest.raises(ValueError, match="DEMO_PORT"):
            demo_port()


def test_loading_the_demo_on_another_port_moves_every_absolute_link(demo_env, client):
    out = load(8123, demo_env)
    assert "http://voltkosova.localhost:8123/sq/" in out
    assert "Admin: http://127.0.0.1:8123/admin/" in out
    sites = list(Site.objects.values_list("hostname", "port"))
    assert sorted(sites) == sorted((host, 8123) for host in HOSTS)

    host = "voltkosova.localhost:8123"
    home = client.get("/sq/", HTTP_HOST=host).content.decode()
    assert '<link rel="canonical" href="http://voltkosova.localhost:8123/sq/">' in home
    assert 'hreflang="en" href="http://voltkosova.localhost:8123/en/"' in home
    assert 'content="http://voltkosova.localhost:8123/sq/"' in home  # og:url
    assert set(absolute_links(home)) == {"http://voltkosova.localhost:8123/"}

    sitemap = client.get("/sitemap.xml", HTTP_HOST=host).content.decode()
    assert "http://voltkosova.localhost:8123/sq/" in sitemap
    assert set(absolute_links(sitemap)) == {"http://voltkosova.localhost:8123/"}

    news = NewsIndexPage.objects.live().filter(locale__language_code="sq").first()
    news_host = f"{news.get_site().hostname}:8123"
    feed = client.get(news.url + "feed/rss/", HTTP_HOST=news_host).content.decode()
    assert f"http://{news_host}/" in feed and ":8000" not in feed

    congress = CongressPage.objects.live().filter(locale__language_code="sq").first()
    congress_host = f"{congress.get_site().hostname}:8123"
    ics = client.get(congress.ics_url(), HTTP_HOST=congress_host).content.decode()
    assert f"http://{congress_host}/" in ics.replace("\r\n ", "") and ":8000" not in ics

    # Confirmation emails link to the page without a request: the Site's port.
    join = JoinPage.objects.live().first()
    assert join.get_full_url().startswith(f"http://{join.get_site().hostname}:8123/")


def test_a_demo_site_loaded_on_another_port_is_moved_not_added(db):
    root = Page.get_first_root_node()
    before = Site.objects.create(hostname="voltkosova.localhost", port=8000, root_page=root)
    moved = ensure_site("voltkosova.localhost", 8123, root, "Volt Kosova")
    assert moved.pk == before.pk and moved.port == 8123
    assert Site.objects.filter(hostname="voltkosova.localhost").count() == 1
