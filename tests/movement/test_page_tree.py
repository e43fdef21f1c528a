"""Where each page type may be created, with Wagtail's page-test helpers."""

import pytest
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from home.models import HomePage, StandardPage
from movement.models import (
    CampaignIndexPage,
    CampaignPage,
    MovementPage,
    NewsIndexPage,
    NewsPage,
)

pytestmark = pytest.mark.django_db


class Helpers(WagtailPageTestCase):
    """Only the assert helpers: pytest runs the tests."""

    def runTest(self):  # pragma: no cover - needed to instantiate a TestCase
        pass


asserts = Helpers()


def test_allowed_subpage_types():
    asserts.assertAllowedSubpageTypes(MovementPage, {})
    asserts.assertAllowedSubpageTypes(CampaignIndexPage, {CampaignPage})
    asserts.assertAllowedSubpageTypes(CampaignPage, {})
    asserts.assertAllowedSubpageTypes(NewsIndexPage, {NewsPage})
    asserts.assertAllowedSubpageTypes(NewsPage, {})


def test_allowed_parent_types():
    asserts.assertAllowedParentPageTypes(MovementPage, {HomePage})
    asserts.assertAllowedParentPageTypes(CampaignIndexPage, {HomePage})
    asserts.assertAllowedParentPageTypes(CampaignPage, {CampaignIndexPage})
    asserts.assertAllowedParentPageTypes(NewsIndexPage, {HomePage})
    asserts.assertAllowedParentPageTypes(NewsPage, {NewsIndexPage})


def test_can_and_cannot_create_at():
    asserts.assertCanCreateAt(HomePage, MovementPage)
    asserts.assertCanCreateAt(CampaignIndexPage, CampaignPage)
    asserts.assertCanNotCreateAt(HomePage, CampaignPage)
    asserts.assertCanNotCreateAt(StandardPage, MovementPage)
    asserts.assertCanNotCreateAt(Page, NewsPage)


def test_singletons_once_per_home(org, make_org, news_index):
    home = org.home_sq
    assert not NewsIndexPage.can_create_at(home)
    assert MovementPage.can_create_at(home)
    org.add_page(MovementPage(title="Rreth nesh", slug="rreth-nesh"))
    assert not MovementPage.can_create_at(home)
    # Another organisation's home may still have its own.
    other = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    assert NewsIndexPage.can_create_at(other.home_sq)
    assert MovementPage.can_create_at(other.home_sq)


def test_campaign_pages_are_renderable(campaign):
    page, page_en = campaign
    asserts.assertPageIsRenderable(page)
    asserts.assertPageIsRenderable(page_en)
