"""An organisation's identity: brand colours (refused when they fail WCAG AA), the
typeface, the per-site brand stylesheet, the header's main actions and the phone
number stored in E.164 and dialled from the footer."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from home.brand import (
    brand_css,
    brand_version,
    contrast_ratio,
    display_phone,
    normalise_phone,
    validate_brand_colour,
)
from home.models import OrganisationSettings

from .admin_forms import make_site


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+383 (0) 38 600 108", "+38338600108"),
        ("+383 38 600 108", "+38338600108"),
        ("00383 38 600 108", "+38338600108"),
        ("+383-44-123-456", "+38344123456"),
        ("+49 (0)30 1234 5678", "+493012345678"),
        ("+383\u00a038\u00a0600\u00a0108", "+38338600108"),  # pasted, no-break spaces
        ("\t+383 38 600 108\n", "+38338600108"),
        ("", ""),
    ],
)
def test_phone_numbers_are_stored_in_e164(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "038 600 108",
        "+383 38 600 108 ext. 2",
        "+0383 38 600",
        "+1 23",
        "+383 38 600 108/109",  # two numbers run together
    ],
)
def test_a_phone_number_that_is_not_international_is_refused(typed):
    with pytest.raises(ValidationError) as error:
        normalise_phone(typed)
    assert "+383 38 600 108" in error.value.messages[0]


def test_phone_numbers_are_shown_in_a_readable_form():
    assert display_phone("+38338600108") == "+383 38 600 108"
    assert display_phone("+38344123456") == "+383 44 123 456"
    # Country codes and groupings differ: other numbers are + and their digits.
    assert display_phone("+493012345678") == "+493012345678"
    assert display_phone("+12025550123") == "+12025550123"
    # A value stored without the form's checks is read from its digits...
    assert display_phone("+383 38  000 000") == "+383 38 000 000"
    assert display_phone("+383 (0) 38 600 108") == "+383 38 600 108"
    # ...or shown as it is when it is not an international number.
    assert display_phone("038 600 108") == "038 600 108"
    assert display_phone("") == "" and display_phone(None) == ""


def test_the_phone_migration_keeps_what_it_cannot_read():
    import importlib

    migration = importlib.import_module("home.migrations.0004_organisation_brand_and_phone")
    e164 = migration.frozen_e164
    assert e164("+383 (0) 38 600 108") == "+38338600108"
    assert e164("00383 44 123 456") == "+38344123456"
    assert e164("038 600 108") == "+38338600108"  # national, with its leading 0
    assert e164("(0)44 123 456") == "+38344123456"
    assert e164("+49 30 1234 5678") == "+493012345678"
    for unreadable in ("38 600 108", "0800 123", "+383 38 600 108/109", "call us"):
        assert e164(unreadable) is None  # left unchanged by the migration


def test_the_theme_colour_is_only_a_checked_colour():
    assert OrganisationSettings(primary_colour="#502379").theme_colour == "#502379"
    assert OrganisationSettings(primary_colour="#fff;}x").theme_colour == ""
    assert OrganisationSettings().theme_colour == ""


def test_contrast_ratio_follows_wcag():
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#767676", "#ffffff"), 2) == 4.54


def test_a_colour_that_fails_wcag_aa_is_refused_with_its_ratio():
    validate_brand_colour("#502379")  # 11.3:1
    with translation.override("en"), pytest.raises(ValidationError) as error:
        validate_brand_colour("#f2b632")
    message = error.value.messages[0]
    assert "1.82:1" in message and "4.5:1" in message
    with translation.override("sq"), pytest.raises(ValidationError) as error:
        validate_brand_colour("#f2b632")
    assert "Kjo ngjyrë ka kontrast 1.82:1" in error.value.messages[0]
    with pytest.raises(ValidationError):
        validate_brand_colour("purple")


def test_the_stylesheet_sets_the_brand_properties_and_fonts():
    org = OrganisationSettings(primary_colour="#502379", accent_colour="#a3186e", typeface="inter")
    css = brand_css(org)
    assert "--brand:#502379" in css and "--accent:#a3186e" in css
    assert '--font:"Inter"' in css
    assert "/static/fonts/inter-regular.woff2" in css and "font-display:swap" in css
    assert brand_css(OrganisationSettings()) == "\n"  # nothing chosen: site.css as it is
    assert brand_version(org) != brand_version(OrganisationSettings())


def settings_form(**fields):
    from wagtail.models import Locale

    rows = [
        {
            "locale": Locale.objects.get(language_code="sq").pk,
            "name": "Organizata",
            "short_name": "",
            "tagline": "",
            "postal_address": "",
        }
    ]
    return nested_form_data(
        {"email": "info@org-forms.example", **fields, "texts": inline_formset(rows)}
    )


@pytest.mark.django_db
def test_the_settings_form_refuses_low_contrast_and_stores_the_phone_in_e164(client, admin_user):
    home = make_site()
    org = OrganisationSettings.objects.get(site__root_page=home)
    client.force_login(admin_user)
    url = f"/admin/settings/home/organisationsettings/{org.site_id}/"
    page = client.get(url).content.decode()
    assert "Identiteti vizual" in page  # the Brand tab
    for name in ("primary_colour", "accent_colour", "typeface", "share_image", "header_actions"):
        assert f'name="{name}"' in page

    response = client.post(
        url, settings_form(primary_colour="#fdc220", phone="+383 (0) 38 600 108")
    )
    assert response.status_code == 200
    assert "kontrast 1.62:1" in str(response.context["form"].errors["primary_colour"])

    response = client.post(url, settings_form(phone="038 600 108"))
    assert response.status_code == 200
    assert "formë ndërkombëtare" in str(response.context["form"].errors["phone"])

    response = client.post(
        url,
        settings_form(
            primary_colour="#502379",
            accent_colour="#A3186E",
            typeface="lato",
            header_actions="join",
            phone="+383 (0) 38 600 108",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    org.refresh_from_db()
    assert (org.phone, org.primary_colour, org.accent_colour) == (
        "+38338600108",
        "#502379",
        "#a3186e",
    )


@pytest.mark.django_db
def test_pages_link_the_sites_brand_stylesheet_and_dial_the_phone(client, org):
    org.settings.primary_colour = "#502379"
    org.settings.typeface = "noto_serif"
    org.settings.phone = "+38338600108"
    org.settings.save()

    html = client.get("/sq/", HTTP_HOST="org-a.example").content.decode()
    assert '<meta name="theme-color" content="#502379">' in html
    href = f"/brand/{brand_version(org.settings)}.css"
    assert f'<link rel="stylesheet" href="{href}">' in html
    assert '<a href="tel:+38338600108">+383 38 600 108</a>' in html

    response = client.get(href, HTTP_HOST="org-a.example")
    assert response["Content-Type"].startswith("text/css")
    assert "max-age=31536000" in response["Cache-Control"]
    css = response.content.decode()
    assert "--brand:#502379" in css and '"Noto Serif"' in css


@pytest.mark.django_db
def test_the_header_carries_the_chosen_main_actions(client, org):
    from membership.models import JoinPage, VolunteerPage

    join, _ = org.add_page(
        JoinPage(title="Anëtarësohu", slug="anetaresohu", consent_text="Po", thank_you="Po"),
        en_fields={"title": "Join", "slug": "join"},
    )
    org.add_page(
        VolunteerPage(title="Vullnetarizo", slug="vullnetarizo", consent_text="Po", thank_you="Po"),
        en_fields={"title": "Volunteer", "slug": "volunteer"},
    )
    html = client.get("/en/", HTTP_HOST="org-a.example").content.decode()
    assert 'class="header-actions"' not in html  # none chosen

    org.settings.header_actions = "join_volunteer"
    org.settings.save()
    html = client.get("/en/", HTTP_HOST="org-a.example").content.decode()
    header = html.split('<header class="site-header">')[1].split("</header>")[0]
    assert '<a class="button" href="/en/join/">Join</a>' in header
    assert '<a class="button button--ghost" href="/en/volunteer/">Volunteer</a>' in header
    # The home page leads with the same call.
    assert 'aria-labelledby="home-lead-heading"' in html and "Join Organisation A" in html

    html = client.get("/sq/", HTTP_HOST="org-a.example").content.decode()
    assert '<a class="button" href="/sq/anetaresohu/">Bëhu anëtar</a>' in html


@pytest.mark.django_db
def test_the_phone_migration_converts_stored_numbers(org):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("home.migrations.0004_organisation_brand_and_phone")
    rows = OrganisationSettings.objects.filter(pk=org.settings.pk)
    for stored, migrated in (("038 600 108", "+38338600108"), ("call us", "call us")):
        rows.update(phone=stored)
        migration.phones_to_e164(apps, None)
        assert rows.get().phone == migrated


@pytest.mark.django_db
def test_a_stored_colour_that_is_not_a_colour_is_not_the_theme_colour(client, org):
    OrganisationSettings.objects.filter(pk=org.settings.pk).update(primary_colour="#fff;}x")
    html = client.get("/sq/", HTTP_HOST="org-a.example").content.decode()
    assert '<meta name="theme-color" content="#14213d">' in html
