"""Every page type of the project can be created, renamed and published through the
admin's page editor by a superuser, with the data the editor's form posts."""

from contextlib import contextmanager

from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from modelcluster.fields import ParentalKey
from wagtail.blocks import BlockField
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from tests.home.admin_forms import (
    CONTENT,
    PROJECT_APPS,
    form_data,
    make_site,
    parent_for,
    project_page_models,
)

CHOICE_LISTS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


class PageFormTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.superuser = get_user_model().objects.create_superuser(
            "root", "root@example.org", "a-long-test-password-1"
        )

    def setUp(self):
        self.client.force_login(self.superuser)

    @contextmanager
    def page_type(self, model):
        """A sub-test of one page type, its changes rolled back afterwards."""
        with self.subTest(page_type=model._meta.label), transaction.atomic():
            yield
            transaction.set_rollback(True)

    def test_every_page_type_has_form_data(self):
        # A new page type fails here (and below) until admin_forms.CONTENT covers it.
        labels = {model._meta.label for model in project_page_models()}
        self.assertEqual(labels, set(CONTENT))

    def test_every_page_type_asks_for_a_title_and_each_field_once(self):
        for model in project_page_models():
            with self.page_type(model):
                parent = parent_for(model, self.home)
                url = reverse(
                    "wagtailadmin_pages:add",
                    args=[model._meta.app_label, model._meta.model_name, parent.pk],
                )
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                form = response.context["form"]
                self.assertIn("title", form.fields)
                # Each field is shown once (a field shown twice posts only one value).
                html = response.content.decode()
                for name, field in form.fields.items():
                    if isinstance(field, BlockField) or isinstance(field.widget, CHOICE_LISTS):
                        continue  # drawn by JavaScript / one input per choice
                    self.assertEqual(html.count(f'name="{name}"'), 1, name)

    def test_every_field_of_every_page_type_is_in_its_edit_form(self):
        page_fields = {field.name for field in Page._meta.get_fields()}
        for model in project_page_models():
            with self.subTest(page_type=model._meta.label):
                form_class = model.get_edit_handler().get_form_class()
                self.assertLessEqual({"title", "slug"}, set(form_class.base_fields))
                own = {
                    field.name
                    for field in model._meta.get_fields()
                    if field.concrete
                    and field.editable
                    and not field.primary_key
                    and field.name not in page_fields
                }
                self.assertLessEqual(own, set(form_class.base_fields))
                children = {
                    relation.get_accessor_name()
                    for relation in model._meta.related_objects
                    if isinstance(relation.remote_field, ParentalKey)
                    and relation.related_model._meta.app_label in PROJECT_APPS
                }
                self.assertLessEqual(children, set(form_class.formsets))

    def test_every_page_type_is_created_renamed_and_published(self):
        for model in project_page_models():
            with self.page_type(model):
                self.create_rename_and_publish(model)

    def create_rename_and_publish(self, model):
        parent = parent_for(model, self.home)
        name = model._meta.model_name
        self.assertCanCreate(parent, model, form_data(model, f"Faqja {name}", f"faqja-{name}"))
        page = model.objects.child_of(parent).get(slug=f"faqja-{name}")
        self.assertTrue(page.live)

        edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
        response = self.client.get(edit_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("title", response.context["form"].fields)

        # "Save draft" keeps the live title until the page is published.
        response = self.client.post(
            edit_url, form_data(model, f"Emri i ri {name}", page.slug, page=page)
        )
        self.assertRedirects(response, edit_url)
        page.refresh_from_db()
        self.assertEqual(page.title, f"Faqja {name}")
        self.assertEqual(page.draft_title, f"Emri i ri {name}")

        data = form_data(model, f"Emri i ri {name}", page.slug, action="publish", page=page)
        response = self.client.post(edit_url, data)
        self.assertRedirects(response, reverse("wagtailadmin_explore", args=[parent.pk]))
        page.refresh_from_db()
        self.assertEqual(page.title, f"Emri i ri {name}")
        self.assertFalse(page.has_unpublished_changes)

    def test_demands_keep_their_rows_when_the_campaign_is_renamed(self):
        from movement.models import CampaignPage

        parent = parent_for(CampaignPage, self.home)
        self.assertCanCreate(parent, CampaignPage, form_data(CampaignPage, "Fushata", "fushata"))
        page = CampaignPage.objects.get(slug="fushata")
        before = list(page.demands.values_list("pk", "translation_key", "title"))
        self.assertEqual([title for _pk, _key, title in before], ["Kërkesa 1", "Kërkesa 2"])

        data = form_data(CampaignPage, "Fushata e re", "fushata", action="publish", page=page)
        self.client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
        page.refresh_from_db()
        self.assertEqual(page.title, "Fushata e re")
        self.assertEqual(list(page.demands.values_list("pk", "translation_key", "title")), before)
