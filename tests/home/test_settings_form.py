"""The organisation settings form: its per-language rows are exactly those of the
submitted form, so the same form sent twice (a second click before the first answer
gave the new rows their ids) neither duplicates them nor fails on the one-text-per-
language rule (home.panels.CompleteInlinePanel)."""

import pytest
from wagtail.models import Locale
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from home.models import OrganisationSettings, OrganisationText

from .admin_forms import make_site

pytestmark = pytest.mark.django_db


def settings_form(names):
    rows = [
        {
            "locale": Locale.objects.get(language_code=code).pk,
            "name": name,
            "short_name": "",
            "tagline": "",
            "postal_address": "",
        }
        for code, name in names.items()
    ]
    return nested_form_data({"email": "info@org-forms.example", "texts": inline_formset(rows)})


def test_the_same_settings_form_sent_twice_keeps_one_text_per_language(client, admin_user):
    home = make_site()
    settings = OrganisationSettings.objects.get(site__root_page=home)
    OrganisationText.objects.filter(settings=settings).delete()
    client.force_login(admin_user)
    url = f"/admin/settings/home/organisationsettings/{settings.site_id}/"
    form = settings_form({"sq": "Organizata e re", "en": "The new organisation"})

    for _ in range(2):
        response = client.post(url, form)
        assert response.status_code == 302, response.context["form"].errors

    texts = OrganisationText.objects.filter(settings=settings).order_by("locale__language_code")
    assert [(text.locale.language_code, text.name) for text in texts] == [
        ("en", "The new organisation"),
        ("sq", "Organizata e re"),
    ]
