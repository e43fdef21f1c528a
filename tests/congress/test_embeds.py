"""The livestream: a player when the provider answers, a clear link whenever it does not."""

import pytest
from wagtail.embeds.finders.base import EmbedFinder

from tests.congress.conftest import FACEBOOK, kosovo

FUTURE = kosovo(2030, 5, 23, 10, 0)

PLAYER = '<iframe src="https://player.example/stream" title="Player"></iframe>'


class NetworkDownFinder(EmbedFinder):
    def accept(self, url):
        return True

    def find_embed(self, url, max_width=None, max_height=None):
        raise ConnectionError("Network is unreachable")


class WorkingFinder(EmbedFinder):
    def accept(self, url):
        return True

    def find_embed(self, url, max_width=None, max_height=None):
        return {"title": "Stream", "type": "video", "html": PLAYER, "width": 640, "height": 360}


def test_offline_provider_falls_back_to_link(client, org, make_congress):
    page, page_en = make_congress(start=FUTURE)
    html = client.get(page.url, HTTP_HOST=org.hostname).content.decode()
    assert f'href="{FACEBOOK}"' in html
    assert "Shikojeni transmetimin e drejtpërdrejtë në Facebook" in html
    assert "<iframe" not in html
    html_en = client.get(page_en.url, HTTP_HOST=org.hostname).content.decode()
    assert "Watch the livestream on Facebook" in html_en


@pytest.mark.parametrize(
    "url,provider",
    [
        ("https://www.youtube.com/watch?v=abc", "YouTube"),
        ("https://youtu.be/abc", "YouTube"),
        ("https://stream.example.org/live", "stream.example.org"),
    ],
)
def test_link_names_the_provider(client, org, make_congress, url, provider):
    _, page_en = make_congress(start=FUTURE, streams=(url,))
    html = client.get(page_en.url, HTTP_HOST=org.hostname).content.decode()
    assert f"Watch the livestream on {provider}" in html


def test_network_error_never_breaks_the_page(client, org, settings, make_congress):
    settings.WAGTAILEMBEDS_FINDERS = [{"class": "tests.congress.test_embeds.NetworkDownFinder"}]
    page, _ = make_congress(start=FUTURE)
    response = client.get(page.url, HTTP_HOST=org.hostname)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{FACEBOOK}"' in html and "<iframe" not in html


def test_player_is_embedded_when_the_provider_allows(client, org, settings, make_congress):
    settings.WAGTAILEMBEDS_FINDERS = [{"class": "tests.congress.test_embeds.WorkingFinder"}]
    page, _ = make_congress(start=FUTURE)
    html = client.get(page.url, HTTP_HOST=org.hostname).content.decode()
    assert PLAYER in html
    assert f'href="{FACEBOOK}"' in html  # the link stays, for anyone the player fails
