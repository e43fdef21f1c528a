"""The event-staff role, proved through the admin's own URLs."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from congress.models import CongressPage, Outcome, Speaker
from home.models import SiteRole
from home.roles import ensure_site_roles
from tests.congress.conftest import add_outcome, kosovo

START = kosovo(2030, 5, 23, 10, 0)


def staff_user(site, role=SiteRole.EVENT_STAFF, username="ngjarjet"):
    groups = ensure_site_roles(site)
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "x")
    user.groups.add(groups[role])
    return user


@pytest.fixture
def two_sites(make_org, make_congress, congress_index):
    """Site A (the ``org`` fixture's) with a congress, site B with its own."""
    page_a, page_a_en = make_congress(start=START)
    org_a_site = page_a.get_site()
    org_b = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    from congress.models import CongressIndexPage
    from tests.conftest import publish

    index_b = CongressIndexPage(title="Kongreset B", slug="kongreset-b")
    org_b.home_sq.add_child(instance=index_b)
    publish(index_b)
    page_b = CongressPage(
        title="Kongresi i B",
        slug="kongresi-b",
        start_at=START,
        end_at=START + timedelta(hours=2),
        venue_name="Salla B",
    )
    index_b.add_child(instance=page_b)
    publish(page_b)
    return {
        "site_a": org_a_site,
        "index_a": congress_index[0],
        "page_a": page_a,
        "page_a_en": page_a_en,
        "org_b": org_b,
        "index_b": index_b,
        "page_b": page_b,
    }


@pytest.fixture
def staff(client, two_sites):
    user = staff_user(two_sites["site_a"])
    client.force_login(user)
    return user


def congress_form(title, slug, **extra):
    start = START + timedelta(days=30)
    data = {
        "title": title,
        "slug": slug,
        "number": "",
        "theme": "Tema",
        "intro": "",
        "aims": '{"blocks":[],"entityMap":{}}',
        "start_at": start.strftime("%Y-%m-%d %H:%M"),
        "end_at": (start + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
        "venue_name": "Salla",
        "venue_street": "",
        "venue_postal_code": "",
        "venue_city": "",
        "venue_country": "",
        "map_url": "",
        "contact_phone": "",
        "recording_url": "",
        "organisers": streamfield([]),
        "livestreams": streamfield([]),
        "agenda": streamfield([]),
        "speakers": streamfield([]),
        "documents": streamfield([]),
        "comments": inline_formset([]),
        "seo_title": "",
        "search_description": "",
        "slug_en": "",
    }
    data.update(extra)
    return nested_form_data(data)


def denied(response):
    """Wagtail answers a forbidden admin URL with 403, or with a redirect to the
    dashboard and a "no permission" message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"].rstrip("/").endswith("/admin")
    )


def test_event_staff_can_add_and_publish_a_congress(client, staff, two_sites):
    index = two_sites["index_a"]
    url = reverse("wagtailadmin_pages:add", args=("congress", "congresspage", index.pk))
    assert client.get(url).status_code == 200
    response = client.post(
        url, congress_form("Kongresi i ri", "kongresi-i-ri", **{"action-publish": "1"})
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = CongressPage.objects.get(slug="kongresi-i-ri")
    assert page.live and page.get_parent().pk == index.pk


def test_event_staff_can_edit_and_publish_their_congress(client, staff, two_sites):
    page = two_sites["page_a"]
    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    assert client.get(url).status_code == 200
    data = congress_form("Kongresi i ndryshuar", page.slug, **{"action-publish": "1"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    assert page.title == "Kongresi i ndryshuar" and page.live
    # The English translation is theirs too.
    url_en = reverse("wagtailadmin_pages:edit", args=(two_sites["page_a_en"].pk,))
    assert client.get(url_en).status_code == 200


def test_event_staff_cannot_touch_other_pages(client, staff, two_sites, org):
    home = org.home_sq
    forbidden = [
        reverse("wagtailadmin_pages:add", args=("home", "standardpage", home.pk)),
        reverse("wagtailadmin_pages:add", args=("congress", "congressindexpage", home.pk)),
        reverse("wagtailadmin_pages:edit", args=(home.pk,)),
        reverse("wagtailadmin_pages:edit", args=(org.home_en.pk,)),
        reverse("wagtailadmin_pages:edit", args=(two_sites["index_b"].pk,)),
        reverse("wagtailadmin_pages:edit", args=(two_sites["page_b"].pk,)),
        reverse(
            "wagtailadmin_pages:add",
            args=("congress", "congresspage", two_sites["index_b"].pk),
        ),
        reverse("wagtailadmin_pages:delete", args=(home.pk,)),
        reverse("wagtailadmin_pages:unpublish", args=(two_sites["page_b"].pk,)),
    ]
    for url in forbidden:
        assert denied(client.get(url)), url
    before = Page.objects.count()
    response = client.post(
        reverse(
            "wagtailadmin_pages:add", args=("congress", "congresspage", two_sites["index_b"].pk)
        ),
        congress_form("Ndërhyrje", "nderhyrje", **{"action-publish": "1"}),
    )
    assert denied(response)
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=(two_sites["page_b"].pk,)),
        congress_form("Ndërhyrje", "kongresi-b", **{"action-publish": "1"}),
    )
    assert denied(response)
    assert Page.objects.count() == before
    two_sites["page_b"].refresh_from_db()
    assert two_sites["page_b"].title == "Kongresi i B"


def test_event_staff_cannot_reach_settings_users_or_people(client, staff, two_sites):
    site = two_sites["site_a"]
    forbidden = [
        reverse("wagtailsettings:edit", args=("home", "organisationsettings", site.pk)),
        reverse("wagtailusers_users:index"),
        reverse("wagtailusers_groups:index"),
        reverse("wagtailsites:index"),
        reverse("wagtaillocales:index"),
    ]
    for url in forbidden:
        assert denied(client.get(url)), url
    # No personal data: not one permission of the membership app.
    assert not [p for p in staff.get_all_permissions() if p.startswith("membership.")]


def test_event_staff_manage_outcomes_of_their_own_site_only(client, staff, two_sites):
    page_a, page_b = two_sites["page_a"], two_sites["page_b"]
    add_url = reverse("wagtailsnippets_congress_outcome:add")
    response = client.get(add_url)
    assert response.status_code == 200
    form_html = response.content.decode()
    assert f'value="{page_a.pk}"' in form_html
    assert f'value="{page_b.pk}"' not in form_html  # not offered

    data = {
        "congress": page_a.pk,
        "kind": "resolution",
        "number": "1",
        "status": "adopted",
        "happened_at": START.strftime("%Y-%m-%d %H:%M"),
        "title": "Rezoluta e parë",
        "text": "Teksti",
        "attribution": "",
        "image": "",
        "document": "",
        "action-publish": "action-publish",
    }
    response = client.post(add_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    outcome = Outcome.objects.get(title="Rezoluta e parë")
    assert outcome.live and outcome.congress_id == page_a.pk

    # Another site's congress is refused by the form.
    response = client.post(add_url, {**data, "congress": page_b.pk, "title": "Ndërhyrje"})
    assert response.status_code == 200
    assert not Outcome.objects.filter(title="Ndërhyrje").exists()

    other = add_outcome(page_b, title="Rezolutë e B")
    for name in ("edit", "delete", "unpublish", "history", "usage"):
        url = reverse(f"wagtailsnippets_congress_outcome:{name}", args=(other.pk,))
        assert denied(client.get(url)), name
    response = client.post(
        reverse("wagtailsnippets_congress_outcome:edit", args=(other.pk,)),
        {**data, "congress": page_b.pk, "title": "Ndryshuar"},
    )
    assert denied(response)
    other.refresh_from_db()
    assert other.title == "Rezolutë e B"

    listing = client.get(reverse("wagtailsnippets_congress_outcome:list")).content.decode()
    assert "Rezoluta e parë" in listing and "Rezolutë e B" not in listing
    own = reverse("wagtailsnippets_congress_outcome:edit", args=(outcome.pk,))
    assert client.get(own).status_code == 200


def test_event_staff_manage_speakers(client, staff, two_sites):
    url = reverse("wagtailsnippets_congress_speaker:add")
    assert client.get(url).status_code == 200
    site = two_sites["site_a"]
    response = client.post(
        url,
        {
            "site": site.pk,
            "name": "Folëse e re",
            "role": "",
            "organisation": "",
            "photo": "",
            "bio": "",
        },
    )
    assert response.status_code == 302
    assert Speaker.objects.get(name="Folëse e re").site == site


def test_event_staff_get_rights_on_an_index_made_later(client, make_org, sq_locale):
    org_c = make_org("org-c.example", name="Organizata C", name_en="Organisation C")
    user = staff_user(org_c.site, username="stafi-c")
    from congress.models import CongressIndexPage
    from tests.conftest import publish

    index = CongressIndexPage(title="Kongreset", slug="kongreset")
    org_c.home_sq.add_child(instance=index)
    publish(index)
    client.force_login(user)
    url = reverse("wagtailadmin_pages:add", args=("congress", "congresspage", index.pk))
    assert client.get(url).status_code == 200


def test_event_staff_can_add_news_when_the_movement_app_has_it(client, staff, org):
    try:
        news_model = apps.get_model("movement", "NewsIndexPage")
    except LookupError:
        pytest.skip("movement.NewsIndexPage does not exist yet")
    from tests.conftest import publish

    news = news_model(title="Lajme", slug="lajme")
    org.home_sq.add_child(instance=news)
    publish(news)
    allowed = news_model.allowed_subpage_models()
    assert allowed, "NewsIndexPage has no subpage types"
    child = allowed[0]
    url = reverse(
        "wagtailadmin_pages:add", args=(child._meta.app_label, child._meta.model_name, news.pk)
    )
    assert client.get(url).status_code == 200


def test_editors_may_manage_outcomes_too(client, two_sites):
    editor = staff_user(two_sites["site_a"], role=SiteRole.EDITOR, username="redaktori")
    client.force_login(editor)
    assert client.get(reverse("wagtailsnippets_congress_outcome:add")).status_code == 200
    other = add_outcome(two_sites["page_b"], title="Rezolutë e B")
    url = reverse("wagtailsnippets_congress_outcome:edit", args=(other.pk,))
    assert denied(client.get(url))
