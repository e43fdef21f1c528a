"""News: dated pages, a paginated listing per language, RSS and Atom feeds."""

import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError

from movement.models import NEWS_PER_PAGE

from .conftest import add_news

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_listing_is_newest_first_and_paginated_per_language(client, org, news_index):
    index, index_en = news_index
    add_news(org, news_index, NEWS_PER_PAGE + 2)
    response = client.get(index.url)
    html = response.content.decode()
    titles = [item.title for item in response.context["news"]]
    assert titles[0] == f"Lajm {NEWS_PER_PAGE + 1}" and len(titles) == NEWS_PER_PAGE
    assert "News item" not in html
    assert 'rel="next"' in html
    second = client.get(index.url, {"page": 2})
    assert [item.title for item in second.context["news"]] == ["Lajm 1", "Lajm 0"]
    english = client.get(index_en.url)
    assert english.context["news"][0].title == f"News item {NEWS_PER_PAGE + 1}"
    assert "Lajm" not in "".join(item.title for item in english.context["news"])


def test_feeds_are_valid_xml_per_language(client, org, news_index):
    index, index_en = news_index
    add_news(org, news_index, 3)
    rss = client.get(index.url + "feed/rss/")
    assert rss.status_code == 200 and rss["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(rss.content).find("channel")
    assert channel.find("language").text == "sq"
    items = channel.findall("item")
    assert [i.find("title").text for i in items] == ["Lajm 2", "Lajm 1", "Lajm 0"]
    assert items[0].find("link").text.endswith("/sq/lajme/lajm-20240103/")

    atom = client.get(index_en.url + "feed/atom/")
    assert atom["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(atom.content)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    entries = root.findall(f"{ATOM}entry")
    assert entries[0].find(f"{ATOM}title").text == "News item 2"


def test_pages_link_their_feeds(client, org, news_index):
    index, index_en = news_index
    ((page, page_en),) = add_news(org, news_index, 1)
    for url, feed_base in ((index.url, index.url), (page_en.url, index_en.url)):
        html = client.get(url).content.decode()
        assert 'type="application/rss+xml" title' in html
        assert f'href="{feed_base}feed/rss/"' in html
        assert f'href="{feed_base}feed/atom/"' in html


def test_news_links_a_campaign_in_the_same_language(client, org, news_index, campaign):
    campaign_sq, campaign_en = campaign
    ((page, page_en),) = add_news(org, news_index, 1)
    page.related_page = campaign_sq
    page.full_clean()
    page.save_revision().publish()
    page_en.related_page = campaign_sq
    page_en.save_revision().publish()
    assert f'href="{campaign_sq.url}"' in client.get(page.url).content.decode()
    assert f'href="{campaign_en.url}"' in client.get(page_en.url).content.decode()


def test_news_may_only_link_campaigns_or_congresses(org, news_index, standard_page):
    ((page, _),) = add_news(org, news_index, 1)
    page.related_page = standard_page[0]
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "related_page" in error.value.message_dict
