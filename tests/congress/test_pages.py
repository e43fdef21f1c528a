from datetime import timedelta

from congress.models import CongressIndexPage, CongressPage
from home.models import HomePage, StandardPage
from tests.congress.conftest import kosovo


def test_page_tree_rules(org, congress_index):
    index, _ = congress_index
    assert CongressIndexPage.allowed_parent_page_models() == [HomePage]
    assert CongressIndexPage.allowed_subpage_models() == [CongressPage]
    assert CongressPage.allowed_parent_page_models() == [CongressIndexPage]
    assert CongressPage.allowed_subpage_models() == []
    assert CongressPage.can_create_at(index)
    assert not CongressPage.can_create_at(org.home_sq)
    assert not StandardPage.can_create_at(index)
    # One index per home page: the one made by the fixture is the only one allowed.
    assert not CongressIndexPage.can_create_at(org.home_sq)
    assert not CongressIndexPage.can_create_at(index)


def test_end_must_follow_start(make_congress):
    page, _ = make_congress()
    page.end_at = page.start_at - timedelta(minutes=1)
    errors = {}
    try:
        page.full_clean()
    except Exception as error:  # ValidationError
        errors = error.message_dict
    assert "end_at" in errors


def test_index_lists_upcoming_first_then_past_per_language(client, org, clock, make_congress):
    clock.set(kosovo(2025, 3, 1, 12, 0))
    old, old_en = make_congress(start=kosovo(2019, 5, 23, 10, 0))
    older, _ = make_congress(start=kosovo(2018, 5, 10, 10, 0), en=False)
    later, later_en = make_congress(start=kosovo(2025, 9, 1, 10, 0))
    sooner, sooner_en = make_congress(start=kosovo(2025, 4, 1, 10, 0))

    html = client.get("/sq/kongreset/", HTTP_HOST=org.hostname).content.decode()
    upcoming, past = html.split('id="past-heading"')
    assert upcoming.index(sooner.title) < upcoming.index(later.title)
    assert old.title not in upcoming
    assert past.index(old.title) < past.index(older.title)  # newest past first

    html_en = client.get("/en/congresses/", HTTP_HOST=org.hostname).content.decode()
    assert sooner_en.title in html_en and old_en.title in html_en
    assert older.title not in html_en  # never translated: not in the English list
    assert sooner.title not in html_en
