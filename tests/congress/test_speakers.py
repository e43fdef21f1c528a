"""Speakers belong to one organisation (``Speaker.site``): another organisation's
editors and event staff can neither list, open, change, copy, delete nor choose
them; the same goes for outcomes in their chooser."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from wagtail.models import Locale
from wagtail_localize.fields import SynchronizedField

from congress.models import Speaker
from home.models import SiteRole
from tests.congress.conftest import add_outcome, add_speaker, session
from tests.congress.test_permissions import denied, staff_user
from tests.congress.test_permissions import two_sites as two_sites_fixture

two_sites = two_sites_fixture  # the fixture, shared with test_permissions.py


@pytest.fixture
def speakers(two_sites):
    return {
        "a": add_speaker("Folësja e A", site=two_sites["site_a"]),
        "b": add_speaker("Folësi i B", site=two_sites["org_b"].site),
    }


@pytest.fixture(params=[SiteRole.EDITOR, SiteRole.EVENT_STAFF])
def user_a(request, client, two_sites):
    user = staff_user(two_sites["site_a"], role=request.param, username=request.param)
    client.force_login(user)
    return user


def speaker_data(site, name="Folëse e re"):
    return {"site": site.pk, "name": name, "role": "", "organisation": "", "photo": "", "bio": ""}


def test_another_organisations_speaker_cannot_be_opened_changed_or_deleted(
    client, user_a, speakers, two_sites
):
    other = speakers["b"]
    for name in ("edit", "delete", "copy", "history", "usage"):
        url = reverse(f"wagtailsnippets_congress_speaker:{name}", args=(other.pk,))
        assert denied(client.get(url)), name
    edit = reverse("wagtailsnippets_congress_speaker:edit", args=(other.pk,))
    assert denied(client.post(edit, speaker_data(two_sites["site_a"], "Ndryshuar")))
    delete = reverse("wagtailsnippets_congress_speaker:delete", args=(other.pk,))
    assert denied(client.post(delete))
    other.refresh_from_db()
    assert other.name == "Folësi i B"

    listing = client.get(reverse("wagtailsnippets_congress_speaker:list")).content.decode()
    assert "Folësja e A" in listing and "Folësi i B" not in listing
    own = reverse("wagtailsnippets_congress_speaker:edit", args=(speakers["a"].pk,))
    assert client.get(own).status_code == 200


def test_bulk_delete_leaves_another_organisations_speakers_alone(client, user_a, speakers):
    url = (
        reverse("wagtail_bulk_action", args=("congress", "speaker", "delete"))
        + f"?id={speakers['b'].pk}"
    )
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    mixed = url + f"&id={speakers['a'].pk}"
    page = client.get(mixed).content.decode()
    assert "Folësi i B" not in page
    client.post(mixed)
    assert list(Speaker.objects.values_list("name", flat=True)) == ["Folësi i B"]


def test_the_speaker_chooser_lists_only_the_users_speakers(client, user_a, speakers):
    listing = client.get(reverse("wagtailsnippetchoosers_congress_speaker:choose")).json()
    assert "Folësja e A" in listing["html"] and "Folësi i B" not in listing["html"]
    results = client.get(
        reverse("wagtailsnippetchoosers_congress_speaker:choose_results"), {"q": "Folës"}
    ).content.decode()
    assert "Folësja e A" in results and "Folësi i B" not in results
    chosen = reverse("wagtailsnippetchoosers_congress_speaker:chosen", args=(speakers["b"].pk,))
    assert client.get(chosen).status_code == 404


def test_the_outcome_chooser_hides_another_organisations_draft(client, user_a, two_sites):
    add_outcome(two_sites["page_a"], title="Rezoluta e A", publish_it=False)
    add_outcome(two_sites["page_b"], title="Drafti i B", publish_it=False)
    html = client.get(reverse("wagtailsnippetchoosers_congress_outcome:choose")).json()["html"]
    assert "Rezoluta e A" in html and "Drafti i B" not in html


def test_the_add_form_presets_the_users_only_site(client, user_a, two_sites):
    url = reverse("wagtailsnippets_congress_speaker:add")
    form = client.get(url).context["form"]
    assert list(form.fields["site"].queryset) == [two_sites["site_a"]]
    assert form["site"].value() == two_sites["site_a"].pk

    response = client.post(url, speaker_data(two_sites["org_b"].site, "Ndërhyrëse"))
    assert response.status_code == 200 and response.context["form"].errors["site"]
    assert not Speaker.objects.filter(name="Ndërhyrëse").exists()

    response = client.post(url, speaker_data(two_sites["site_a"]))
    assert response.status_code == 302
    assert Speaker.objects.get(name="Folëse e re").site == two_sites["site_a"]


def test_a_superuser_chooses_the_site(client, two_sites, django_user_model):
    root = django_user_model.objects.create_superuser("rrenja", "r@example.org", "x")
    client.force_login(root)
    form = client.get(reverse("wagtailsnippets_congress_speaker:add")).context["form"]
    assert set(form.fields["site"].queryset) == {two_sites["site_a"], two_sites["org_b"].site}
    assert form["site"].value() in (None, "")


def test_a_translation_keeps_the_speakers_site(two_sites, en_locale):
    speaker = add_speaker("Arta", site=two_sites["org_b"].site)
    translation = speaker.copy_for_translation(en_locale)
    translation.save()
    assert translation.site == two_sites["org_b"].site
    # Synchronised: a sync from the source sets it, it is never translated.
    fields = {f.field_name: f for f in Speaker.translatable_fields}
    assert isinstance(fields["site"], SynchronizedField)
    assert fields["site"].is_synchronized(speaker)
    assert not fields["site"].is_overridable(speaker)


def test_the_migration_gives_each_speaker_the_site_of_the_congress_using_it(
    two_sites, make_congress
):
    site_a, site_b = two_sites["site_a"], two_sites["org_b"].site
    used_by_b = add_speaker("Përdorur nga B", site=site_a)
    unused = add_speaker("Askush", site=site_b)
    page_b = two_sites["page_b"]
    page_b.agenda = [session("Hapja", speakers=[used_by_b])]
    page_b.save()
    translation = used_by_b.copy_for_translation(Locale.objects.get(language_code="en"))
    translation.save()

    migration = importlib.import_module("congress.migrations.0002_speaker_site")
    migration.assign_sites(django_apps, None)

    assert set(Speaker.objects.filter(name="Përdorur nga B").values_list("site", flat=True)) == {
        site_b.pk
    }
    unused.refresh_from_db()
    assert unused.site == site_a  # the default site
