"""load_demo builds the three organisations in their languages (Albanian and English;
Kosovo We Want in Serbian too), with demo staff for each role, and is idempotent.

Loading the demo takes a few seconds, so each test checks several things.
"""

import io
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from wagtail.models import Locale, Page, Revision, Site
from wagtail.users.models import UserProfile

from congress.models import Outcome
from home.languages import site_language_codes
from home.models import OrganisationText, SiteRole
from home.security.scope import can_change
from membership.models import VolunteerArea
from movement.models import CampaignIndexPage

# host, then a text of its home page in each language it offers.
SITES = [
    (
        "voltkosova.localhost:8000",
        {"sq": "Volt Kosova", "en": "An equal Kosovo, connected with Europe"},
    ),
    (
        "kosovowewant.localhost:8000",
        {"sq": "Kosova që e duam", "sr-latn": "Kosovo koje želimo", "en": "Kosovo We Want"},
    ),
    ("myvotecounts.localhost:8000", {"sq": "#VoteImeKaWare", "en": "#MyVoteCounts"}),
]


def snapshot():
    return {
        "pages": sorted(Page.objects.values_list("id", "url_path", "live", "locale_id")),
        "revisions": Revision.objects.count(),
        "sites": sorted(Site.objects.values_list("hostname", "port", "root_page_id")),
        "users": sorted(
            get_user_model().objects.values_list(
                "username", "password", "email", "groups", "wagtail_userprofile__preferred_language"
            )
        ),
        "staff_passwords": staff_passwords_file().read_text(),
    }


def staff_passwords_file():
    from django.conf import settings

    return settings.VAR_DIR / "demo-staff-passwords.txt"


# Event staff only where the organisation holds congresses (Kosovo We Want).
STAFF = {
    "voltkosova.localhost": {
        SiteRole.EDITOR: "volt-editor",
        SiteRole.TRANSLATOR: "volt-translator",
        SiteRole.MEMBERSHIP_OFFICER: "volt-membership",
    },
    "kosovowewant.localhost": {
        SiteRole.EDITOR: "kww-editor",
        SiteRole.TRANSLATOR: "kww-translator",
        SiteRole.EVENT_STAFF: "kww-events",
        SiteRole.MEMBERSHIP_OFFICER: "kww-membership",
    },
    "myvotecounts.localhost": {
        SiteRole.EDITOR: "mvc-editor",
        SiteRole.TRANSLATOR: "mvc-translator",
        SiteRole.MEMBERSHIP_OFFICER: "mvc-membership",
    },
}


@pytest.fixture
def demo(db, monkeypatch, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-for-tests")
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_twice_changes_nothing_and_prints_the_login(demo):
    assert "Admin: http://127.0.0.1:8000/admin/  user: admin  password: demo-pass-for-tests" in demo
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password("demo-pass-for-tests")
    before = snapshot()
    call_command("load_demo", stdout=io.StringIO())
    assert snapshot() == before

    # A staff password changed in the admin is put back to the one written in var/.
    editor = get_user_model().objects.get(username="volt-editor")
    editor.set_password("changed-in-the-admin")
    editor.save()
    call_command("load_demo", stdout=io.StringIO())
    assert snapshot()["staff_passwords"] == before["staff_passwords"]
    editor.refresh_from_db()
    assert not editor.check_password("changed-in-the-admin")


def test_demo_sites_in_their_languages(demo, client):
    from wagtail_localize.models import Translation

    for host, texts in SITES:
        site = Site.objects.get(hostname=host.split(":")[0])
        assert site_language_codes(site) == list(texts), host
        for code, text in texts.items():
            response = client.get(f"/{code}/", HTTP_HOST=host)
            assert response.status_code == 200, (host, code)
            assert text in response.content.decode()
            assert f'<html lang="{code}"' in response.content.decode()
        if "sr-latn" not in texts:
            assert client.get("/sr-latn/", HTTP_HOST=host).status_code == 404, host

        # Every Albanian page has a live translation into each other language of its
        # site, made by wagtail-localize, and into no other language.
        for page in site.root_page.get_descendants(inclusive=True).filter(
            locale__language_code="sq"
        ):
            languages = set(
                page.get_translations(inclusive=True).values_list(
                    "locale__language_code", flat=True
                )
            )
            assert languages == set(texts), page.url_path
            for code in texts:
                translation = page.get_translation(Locale.objects.get(language_code=code))
                assert translation.live, (page.url_path, code)
                if code == "sq":
                    continue
                assert Translation.objects.filter(
                    source__object_id=page.translation_key, target_locale__language_code=code
                ).exists()
                assert client.get(translation.url, HTTP_HOST=host).status_code == 200

        # The organisation's texts and volunteer areas are in the same languages.
        names = OrganisationText.objects.filter(settings__site=site)
        assert set(names.values_list("locale__language_code", flat=True)) == set(texts)
        areas = VolunteerArea.objects.filter(settings__site=site)
        assert set(areas.values_list("locale__language_code", flat=True)) <= set(texts)

    # Kosovo We Want in Serbian: its name and address, the congress's outcomes, and
    # only Kosovo We Want has anything in Serbian.
    serbian = Locale.objects.get(language_code="sr-latn")
    kww = OrganisationText.objects.get(
        settings__site__hostname="kosovowewant.localhost", locale=serbian
    )
    assert (kww.name, kww.short_name) == ("Kosovo koje želimo", "KWW")
    assert "10000 Priština" in kww.postal_address
    outcomes = Outcome.objects.filter(locale__language_code="sq")
    assert outcomes.count() == 3
    for outcome in outcomes:
        translated = outcome.get_translation(serbian)
        assert translated.live and translated.title != outcome.title
    assert (
        not OrganisationText.objects.filter(locale=serbian)
        .exclude(settings__site__hostname="kosovowewant.localhost")
        .exists()
    )
    assert (
        not VolunteerArea.objects.filter(locale=serbian)
        .exclude(settings__site__hostname="kosovowewant.localhost")
        .exists()
    )
    for page in Page.objects.filter(locale=serbian):
        assert page.get_site().hostname == "kosovowewant.localhost", page.url_path
    html = client.get("/sr-latn/kontakt/", HTTP_HOST="kosovowewant.localhost:8000")
    assert "Ul. Paška Vase 23" in html.content.decode()

    # The default site answers on the loopback address.
    response = client.get("/sq/", HTTP_HOST="127.0.0.1:8000")
    assert "Volt Kosova" in response.content.decode()
    # Kosovo We Want shows its address and phone.
    html = client.get("/en/contact/", HTTP_HOST="kosovowewant.localhost:8000").content.decode()
    assert "Pashko Vasa Str. 23" in html
    assert "+383 (0) 38 600 108" in html

    # Volt Kosova has a campaign index with no campaign yet, in both languages.
    index = CampaignIndexPage.objects.child_of(
        Site.objects.get(hostname="voltkosova.localhost").root_page
    ).get()
    english_index = index.get_translation(Locale.objects.get(language_code="en"))
    assert index.live and english_index.live
    for page, intro, empty in (
        (index, "fushatat ndërgjegjësuese të Volt Kosova", "Ende nuk ka fushata."),
        (
            english_index,
            "Volt Kosova will publish its awareness campaigns",
            "There are no campaigns yet.",
        ),
    ):
        html = client.get(page.url, HTTP_HOST="voltkosova.localhost:8000").content.decode()
        assert intro in html and empty in html, page.url


def test_demo_staff_one_per_role_and_organisation_can_sign_in(demo, settings):
    User = get_user_model()
    passwords = dict(line.split() for line in staff_passwords_file().read_text().splitlines())
    assert stat.S_IMODE(staff_passwords_file().stat().st_mode) == 0o600
    assert sorted(passwords) == sorted(name for roles in STAFF.values() for name in roles.values())
    assert len(set(passwords.values())) == len(passwords)  # one password each
    languages = set()
    for hostname, expected in STAFF.items():
        site = Site.objects.get(hostname=hostname)
        site_languages = set()
        for role, _label in SiteRole.ROLE_CHOICES:
            holders = User.objects.filter(
                groups__site_role__site=site, groups__site_role__role=role
            )
            assert [user.username for user in holders] == (
                [expected[role]] if role in expected else []
            )
        for role, username in expected.items():
            user = User.objects.get(username=username)
            assert user.groups.get().site_role.role == role  # that group only
            assert user.email == f"{username}@example.org" and user.last_name == "Demo"
            assert user.check_password(passwords[username])
            assert not user.is_superuser and not user.is_staff
            site_languages.add(UserProfile.get_for_user(user).preferred_language)
            line = next(line for line in demo.splitlines() if f" {username} " in line)
            assert line.startswith("Demo staff:") and site.site_name in line
            assert str(staff_passwords_file()) in line and passwords[username] not in line
        assert "sq" in site_languages, hostname  # someone works in Albanian
        languages |= site_languages
    assert languages == {"sq", "en"}

    # Each signs in as under `make run` (config.settings.dev: the login lockout on, a
    # second factor required of nobody) and gets the dashboard in their language.
    settings.AXES_ENABLED = True
    settings.ADMIN_2FA_REQUIRED_FOR = []
    homes = {hostname: Site.objects.get(hostname=hostname).root_page.specific for hostname in STAFF}
    for username, password in passwords.items():
        client = Client()
        response = client.post("/admin/login/", {"username": username, "password": password})
        assert response.status_code == 302, username
        dashboard = client.get("/admin/")
        assert dashboard.status_code == 200, username
        profile = UserProfile.get_for_user(User.objects.get(username=username))
        assert f'lang="{profile.preferred_language}"' in dashboard.content.decode()

    # Editors edit their own organisation's pages only.
    for hostname, roles in STAFF.items():
        editor = User.objects.get(username=roles[SiteRole.EDITOR])
        for other, home in homes.items():
            assert can_change(editor, home) == (other == hostname), (editor, other)
    client = Client()
    client.post("/admin/login/", {"username": "volt-editor", "password": passwords["volt-editor"]})
    kww_home = homes["kosovowewant.localhost"]
    assert client.get(f"/admin/pages/{kww_home.pk}/edit/").status_code != 200
    assert client.get(f"/admin/pages/{homes['voltkosova.localhost'].pk}/edit/").status_code == 200


def test_a_text_without_its_serbian_fails_loudly_on_a_site_in_serbian(db):
    from home.demo import build_page, languages_of, text_in

    def spec(model, **texts):
        return {"type": model, **texts}

    home = build_page(
        Page.get_first_root_node(),
        spec(
            "home.HomePage",
            title={"sq": "Provë", "sr-latn": "Proba", "en": "Trial"},
            slug={"sq": "prove", "sr-latn": "proba", "en": "trial"},
            hero_heading={"sq": "Mirë se vini", "sr-latn": "Dobro došli", "en": "Welcome"},
        ),
        languages=["sq", "sr-latn", "en"],
    )
    assert languages_of(home) == ["sq", "sr-latn", "en"]
    # A child is translated into every language of its parent; a text without its
    # Serbian stops the load before anything is translated.
    with pytest.raises(ValueError, match="no sr-latn text for: \\['Kontakti'\\]"):
        build_page(
            home,
            spec(
                "home.StandardPage",
                title={"sq": "Kontakti", "en": "Contact"},
                slug={"sq": "kontakti", "sr-latn": "kontakt", "en": "contact"},
            ),
        )
    contact = home.get_children().get(slug="kontakti")
    assert list(contact.get_translations().values_list("locale__language_code", flat=True)) == []
    with pytest.raises(ValueError, match="'Kontakti' has no sr-latn version"):
        text_in({"sq": "Kontakti", "en": "Contact"}, "sr-latn")
