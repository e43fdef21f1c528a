from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from home.models import HomePage, StandardPage


class PageTreeTests(WagtailPageTestCase):
    def test_home_page_only_under_the_root(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertCanCreateAt(Page, HomePage)
        self.assertCanNotCreateAt(StandardPage, HomePage)
        self.assertCanNotCreateAt(HomePage, HomePage)

    def test_standard_page_under_home_or_standard(self):
        self.assertAllowedParentPageTypes(StandardPage, {HomePage, StandardPage})
        self.assertAllowedSubpageTypes(StandardPage, {StandardPage})
        self.assertCanCreateAt(HomePage, StandardPage)
        self.assertCanNotCreateAt(Page, StandardPage)

    def test_every_other_page_type_names_its_parents(self):
        # HomePage lists no subpage types (home depends on no other app); every page
        # type that may sit under it must restrict its own parents instead.
        from wagtail.models import get_page_models

        for model in get_page_models():
            if model in (Page, HomePage):
                continue
            self.assertNotEqual(
                model.parent_page_types, None, f"{model.__name__} must set parent_page_types"
            )
