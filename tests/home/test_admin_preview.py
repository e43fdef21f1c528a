"""The admin's preview of every page type may be framed by the admin itself (its
side panel), while the public page stays unframeable.

Wagtail renders a preview by running the middleware on a request for the page's
public URL, so the preview gets the public Content-Security-Policy; the policy's
``frame-ancestors`` becomes ``'self'`` for it (``home.security.headers``) and
Wagtail's preview views send ``X-Frame-Options: SAMEORIGIN``.
"""

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from wagtail.test.utils import WagtailPageTestCase

from tests.home.admin_forms import form_data, make_site, parent_for, project_page_models


def policy(response):
    """The Content-Security-Policy header as {directive: [values]}."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class PreviewFrameTests(WagtailPageTestCase):
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
        with self.subTest(page_type=model._meta.label), transaction.atomic():
            yield
            transaction.set_rollback(True)

    def assert_framed_by_the_admin_only(self, preview_url, title, public_policy):
        for query in ("?in_preview_panel=true", ""):  # the side panel, a new tab
            response = self.client.get(preview_url + query)
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, f"<title>{escape(title)}")
            self.assertEqual(response["X-Frame-Options"], "SAMEORIGIN")
            framed = policy(response)
            self.assertEqual(framed.pop("frame-ancestors"), ["'self'"])
            # Otherwise the public page's policy: no inline script in a preview either.
            self.assertEqual(
                framed, {k: v for k, v in public_policy.items() if k != "frame-ancestors"}
            )

    def test_every_page_type_previews_in_the_admins_frame_only(self):
        for model in project_page_models():
            with self.page_type(model):
                self.preview(model)

    def preview(self, model):
        parent = parent_for(model, self.home)
        app, name = model._meta.app_label, model._meta.model_name
        public = self.client.get(self.home.url)
        self.assertEqual(public.status_code, 200)
        self.assertEqual(public["X-Frame-Options"], "DENY")
        public_policy = policy(public)
        self.assertEqual(public_policy["frame-ancestors"], ["'none'"])

        # Preview of a new page, before it is saved.
        url = reverse("wagtailadmin_pages:preview_on_add", args=[app, name, parent.pk])
        data = form_data(
            model, f"Parapamje {name}", f"parapamje-{name}", seo_title=f"Parapamje {name}"
        )
        self.assertEqual(self.client.post(url, data).json()["is_valid"], True)
        self.assert_framed_by_the_admin_only(url, f"Parapamje {name}", public_policy)

        # Preview of unsaved changes to a published page; the page itself is not framed.
        self.assertCanCreate(parent, model, form_data(model, f"Faqja {name}", f"faqja-{name}"))
        page = model.objects.child_of(parent).get(slug=f"faqja-{name}")
        url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
        data = form_data(model, page.title, page.slug, page=page, seo_title=f"Ndryshim {name}")
        self.assertEqual(self.client.post(url, data).json()["is_valid"], True)
        self.assert_framed_by_the_admin_only(url, f"Ndryshim {name}", public_policy)

        # A visitor; a new home page is the root of no site yet, so has no URL.
        response = Client().get(page.url or self.home.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(policy(response)["frame-ancestors"], ["'none'"])
