"""Pledges and progress updates in the admin belong to one organisation: an editor of
site A sees and changes only the records of site A's campaigns, through every admin
URL (listing, edit, copy, delete, history, usage, bulk delete, chooser, the
translation screens); a superuser sees all. Proved through the admin's own URLs."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from home.models import SiteRole
from home.roles import ensure_site_roles
from movement.choices import Status
from movement.models import Pledge, ProgressUpdate

from .conftest import make_campaign

pytestmark = pytest.mark.django_db


def make_user(site, role=SiteRole.EDITOR, username="redaktor"):
    groups = ensure_site_roles(site)
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "x")
    user.groups.add(groups[role])
    return user


def not_found(response):
    """A 404. Outside the language prefixes, Django's LocaleMiddleware answers an
    admin 404 with a redirect to the same path under /sq/ (Wagtail's catch-all page
    route matches any path), which is a 404 in turn."""
    if response.status_code == 302:
        return response["Location"].split("?")[0] == "/sq" + response.request["PATH_INFO"]
    return response.status_code == 404


def forbidden(response):
    """Views of one record refuse another site's record (the permission policy, in
    home.security.snippets.ScopedSnippetViewSet and for wagtail-localize's views
    home.security.scope.AdminScopeMiddleware): 403, or Wagtail's redirect to the
    dashboard with a "no permission" message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"].rstrip("/").endswith("/admin")
    )


def ok(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def url(model, view, *args):
    return reverse(f"wagtailsnippets_movement_{model}:{view}", args=args)


def chooser_url(model, view, *args):
    return reverse(f"wagtailsnippetchoosers_movement_{model}:{view}", args=args)


@pytest.fixture
def two_sites(org, make_org):
    """A campaign with a pledge and a progress update on site A and on site B."""
    org_b = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    result = {"org_a": org, "org_b": org_b}
    for key, site_org, slug, name in (("a", org, "vota-ime", "Arta"), ("b", org_b, "zeri", "Besa")):
        page, page_en = make_campaign(site_org, demands=1, slug=slug)
        demand = page.demands.get()
        pledge = Pledge.objects.create(campaign=page, name=f"{name} Shembull", party=f"Lista {key}")
        update = ProgressUpdate.objects.create(
            demand=demand,
            locale=demand.locale,
            date=datetime.date(2021, 1, 1),
            status=Status.STALLED,
            value=Decimal(3),
            note=f"Shënim {key}",
        )
        result[key] = {
            "page": page,
            "page_en": page_en,
            "demand": demand,
            "pledge": pledge,
            "update": update,
        }
    return result


@pytest.fixture
def editor_a(client, two_sites):
    user = make_user(two_sites["org_a"].site)
    client.force_login(user)
    return user


@pytest.fixture
def superuser(client, two_sites):
    user = get_user_model().objects.create_superuser("admin", "admin@example.org", "x")
    client.force_login(user)
    return user


def commitments_data(demands=(), initial=()):
    """The inline formset of the pledge's commitments: ``initial`` (existing rows,
    kept as they are) then a new row for each of ``demands``."""
    rows = [(row.pk, row.demand_id, row.comment) for row in initial]
    rows += [("", demand.pk, f"Koment {n}") for n, demand in enumerate(demands)]
    data = {
        "commitments-TOTAL_FORMS": str(len(rows)),
        "commitments-INITIAL_FORMS": str(len(initial)),
        "commitments-MIN_NUM_FORMS": "0",
        "commitments-MAX_NUM_FORMS": "1000",
    }
    for n, (pk, demand_id, comment) in enumerate(rows):
        data |= {
            f"commitments-{n}-id": str(pk),
            f"commitments-{n}-demand": str(demand_id),
            f"commitments-{n}-comment": comment,
            f"commitments-{n}-ORDER": str(n + 1),
            f"commitments-{n}-DELETE": "",
        }
    return data


def pledge_data(campaign, name="Dritë Shembull", demands=(), initial=(), **extra):
    data = {
        "campaign": campaign.pk,
        "name": name,
        "gender": "",
        "party": "Lista C",
        "list_number": "",
        "office": "",
        "municipality": "prizren",
        "signed_on": "2019-09-01",
        "profile_url": "",
        "photo": "",
        "document": "",
        "elected": "",
        **commitments_data(demands, initial),
    }
    data.update(extra)
    return data


def scan(org):
    """A scanned paper pledge in the organisation's collection."""
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    from home.roles import site_collection

    return get_document_model().objects.create(
        title="Skanimi",
        file=ContentFile(b"%PDF-1.4 test", name="zotimi.pdf"),
        collection=site_collection(org.site),
    )


def update_data(demand, **extra):
    data = {
        "demand": demand.pk,
        "date": "2022-02-02",
        "status": Status.ACHIEVED,
        "value": "10",
        "evidence_url": "",
        "evidence_document": "",
        "note": "Arritur",
    }
    data.update(extra)
    return data


# Listings


def test_editor_lists_only_their_sites_records(client, two_sites, editor_a):
    html = ok(client.get(url("pledge", "list")))
    assert "Arta Shembull" in html and "Besa Shembull" not in html
    response = client.get(url("pledge", "list_results"), {"q": "Shembull"})
    assert "Arta Shembull" in response.content.decode()
    assert "Besa Shembull" not in response.content.decode()

    html = ok(client.get(url("progressupdate", "list")))
    assert url("progressupdate", "edit", two_sites["a"]["update"].pk) in html
    assert url("progressupdate", "edit", two_sites["b"]["update"].pk) not in html


def test_superuser_lists_every_sites_records(client, two_sites, superuser):
    html = ok(client.get(url("pledge", "list")))
    assert "Arta Shembull" in html and "Besa Shembull" in html
    html = ok(client.get(url("progressupdate", "list")))
    assert url("progressupdate", "edit", two_sites["a"]["update"].pk) in html
    assert url("progressupdate", "edit", two_sites["b"]["update"].pk) in html


def test_a_user_without_a_site_role_sees_no_records(client, two_sites):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="Pledges everywhere?")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="movement", codename__endswith="pledge"),
    )
    user = get_user_model().objects.create_user("pa-rol", "pa-rol@example.org", "x")
    user.groups.add(group)
    client.force_login(user)
    html = ok(client.get(url("pledge", "list")))
    assert "Arta Shembull" not in html and "Besa Shembull" not in html
    assert forbidden(client.get(url("pledge", "edit", two_sites["a"]["pledge"].pk)))


# One object: every view checks its site


OBJECT_VIEWS = [
    ("pledge", "edit"),
    ("pledge", "delete"),
    ("pledge", "history"),
    ("pledge", "usage"),
    ("pledge", "review"),
    *[("progressupdate", view) for view in ("edit", "copy", "delete", "history", "usage")],
]


@pytest.mark.parametrize(("model", "view"), OBJECT_VIEWS)
def test_object_views_of_another_site_are_refused(client, two_sites, editor_a, model, view):
    key = "pledge" if model == "pledge" else "update"
    own = two_sites["a"][key]
    other = two_sites["b"][key]
    assert client.get(url(model, view, own.pk)).status_code == 200
    assert forbidden(client.get(url(model, view, other.pk)))


@pytest.mark.parametrize(("model", "view"), OBJECT_VIEWS)
def test_superuser_reaches_every_sites_objects(client, two_sites, superuser, model, view):
    key = "pledge" if model == "pledge" else "update"
    assert client.get(url(model, view, two_sites["b"][key].pk)).status_code == 200


def test_editing_or_deleting_another_sites_record_changes_nothing(client, two_sites, editor_a):
    other = two_sites["b"]["pledge"]
    response = client.post(
        url("pledge", "edit", other.pk), pledge_data(two_sites["a"]["page"], name="Pushtuar")
    )
    assert forbidden(response)
    other.refresh_from_db()
    assert other.name == "Besa Shembull" and other.campaign_id == two_sites["b"]["page"].pk

    assert forbidden(client.post(url("pledge", "delete", other.pk)))
    update = two_sites["b"]["update"]
    assert forbidden(client.post(url("progressupdate", "delete", update.pk)))
    assert Pledge.objects.filter(pk=other.pk).exists()
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_editor_edits_and_deletes_their_own_records(client, two_sites, editor_a):
    own = two_sites["a"]["pledge"]
    response = client.post(
        url("pledge", "edit", own.pk),
        pledge_data(two_sites["a"]["page"], name="Arta E Re", demands=[two_sites["a"]["demand"]]),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    own.refresh_from_db()
    assert own.name == "Arta E Re"

    update = two_sites["a"]["update"]
    response = client.post(
        url("progressupdate", "edit", update.pk), update_data(two_sites["a"]["demand"])
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    update.refresh_from_db()
    assert update.status == Status.ACHIEVED

    assert client.post(url("pledge", "delete", own.pk)).status_code == 302
    assert not Pledge.objects.filter(pk=own.pk).exists()


# Forms offer, and accept, only the user's own campaign pages and demands


def test_forms_offer_only_campaign_pages_and_demands_of_the_users_sites(
    client, two_sites, editor_a
):
    a, b = two_sites["a"], two_sites["b"]
    response = client.get(url("pledge", "add"))
    choices = response.context["form"].fields["campaign"].queryset
    assert set(choices) == {a["page"].specific, a["page_en"].specific}
    html = response.content.decode()
    select = html[html.index('<select name="campaign"') :]
    select = select[: select.index("</select>")]
    assert f'<option value="{a["page"].pk}">Vota ime ka peshë (sq)</option>' in select
    assert f'<option value="{a["page_en"].pk}">My vote counts (en)</option>' in select
    assert f'<option value="{b["page"].pk}"' not in select

    response = client.get(url("progressupdate", "add"))
    demands = set(response.context["form"].fields["demand"].queryset)
    assert a["demand"] in demands and b["demand"] not in demands
    assert {d.page_id for d in demands} == {a["page"].pk, a["page_en"].pk}

    # The edit form of an own record offers the same choices.
    response = client.get(url("pledge", "edit", a["pledge"].pk))
    assert b["page"].pk not in {p.pk for p in response.context["form"].fields["campaign"].queryset}


def test_records_cannot_be_moved_or_created_under_another_sites_campaign(
    client, two_sites, editor_a
):
    a, b = two_sites["a"], two_sites["b"]
    response = client.post(url("pledge", "add"), pledge_data(b["page"], name="Hyrës Shembull"))
    assert response.status_code == 200
    assert "campaign" in response.context["form"].errors
    assert not Pledge.objects.filter(name="Hyrës Shembull").exists()

    response = client.post(url("pledge", "edit", a["pledge"].pk), pledge_data(b["page"]))
    assert response.status_code == 200
    assert "campaign" in response.context["form"].errors
    a["pledge"].refresh_from_db()
    assert a["pledge"].campaign_id == a["page"].pk

    response = client.post(url("progressupdate", "add"), update_data(b["demand"]))
    assert response.status_code == 200
    assert "demand" in response.context["form"].errors
    assert not ProgressUpdate.objects.filter(demand=b["demand"], note="Arritur").exists()

    document = scan(two_sites["org_a"])
    response = client.post(
        url("pledge", "add"),
        pledge_data(a["page_en"], name="Re Shembull", document=document.pk),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Pledge.objects.get(name="Re Shembull").campaign_id == a["page_en"].pk


def test_pledges_are_not_copied(client, two_sites, editor_a):
    """A copy of a candidate's pledge would be a pledge they never made."""
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        url("pledge", "copy", two_sites["a"]["pledge"].pk)
    edit = ok(client.get(url("pledge", "edit", two_sites["a"]["pledge"].pk)))
    assert "/copy/" not in edit


def test_commitments_offer_and_accept_only_the_pledges_campaigns_demands(
    client, two_sites, editor_a
):
    """The commitments' demands: on the edit form, those of the pledge's campaign
    (every row, and the empty one "Add" copies); a demand of another campaign, the
    user's own or another site's, is refused and nothing is stored."""
    a, b = two_sites["a"], two_sites["b"]
    other_own, _ = make_campaign(two_sites["org_a"], demands=1, slug="tjeter")
    response = client.get(url("pledge", "edit", a["pledge"].pk))
    formset = response.context["form"].formsets["commitments"]
    assert set(formset.empty_form.fields["demand"].queryset) == {a["demand"]}
    assert "Kërkesa 1" in response.content.decode()

    for foreign in (b["demand"], other_own.demands.get()):
        response = client.post(
            url("pledge", "edit", a["pledge"].pk),
            pledge_data(a["page"], name="Arta Shembull", demands=[foreign]),
        )
        assert response.status_code == 200
        child = response.context["form"].formsets["commitments"].forms[0]
        assert "demand" in child.errors
        assert not a["pledge"].commitments.exists()

    response = client.post(
        url("pledge", "edit", a["pledge"].pk),
        pledge_data(a["page"], name="Arta Shembull", demands=[a["demand"]]),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [c.demand_id for c in a["pledge"].commitments.all()] == [a["demand"].pk]

    # The same demand twice: one commitment per demand, a message, not a 500.
    response = client.post(
        url("pledge", "edit", a["pledge"].pk),
        pledge_data(
            a["page"],
            name="Arta Shembull",
            initial=a["pledge"].commitments.all(),
            demands=[a["demand"]],
        ),
    )
    assert response.status_code == 200
    assert a["pledge"].commitments.count() == 1


def test_a_paper_pledge_needs_its_scan_and_is_public_at_once(client, two_sites, editor_a):
    a = two_sites["a"]
    data = pledge_data(a["page"], name="Letër Shembull", demands=[a["demand"]])
    response = client.post(url("pledge", "add"), data)
    assert response.status_code == 200
    assert "document" in response.context["form"].errors
    assert not Pledge.objects.filter(name="Letër Shembull").exists()

    document = scan(two_sites["org_a"])
    response = client.post(url("pledge", "add"), {**data, "document": document.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    pledge = Pledge.objects.get(name="Letër Shembull")
    assert pledge.state == Pledge.State.APPROVED and pledge.source == Pledge.Source.PAPER
    assert pledge.is_public and pledge.approved_at and pledge.reviewed_by == editor_a
    assert pledge.document == document
    assert [c.comment for c in pledge.commitments.all()] == ["Koment 0"]
    assert pledge in Pledge.objects.public()


def test_the_edit_form_shows_but_does_not_change_the_private_fields(client, two_sites, editor_a):
    a = two_sites["a"]
    pledge = a["pledge"]
    Pledge.objects.filter(pk=pledge.pk).update(
        state=Pledge.State.CONFIRMED, source=Pledge.Source.ONLINE, email="arta@example.org"
    )
    response = client.get(url("pledge", "edit", pledge.pk))
    form = response.context["form"]
    for private in ("state", "source", "email", "link_digest", "consent_text", "reviewed_by"):
        assert private not in form.fields
    html = response.content.decode()
    assert "arta@example.org" in html  # shown to the organisation's staff
    response = client.post(
        url("pledge", "edit", pledge.pk),
        pledge_data(a["page"], name="Arta Shembull", state="approved", email="x@example.org"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    pledge.refresh_from_db()
    assert pledge.state == Pledge.State.CONFIRMED and pledge.email == "arta@example.org"


def test_superuser_forms_offer_every_campaign(client, two_sites, superuser):
    choices = client.get(url("pledge", "add")).context["form"].fields["campaign"].queryset
    assert {two_sites["a"]["page"].pk, two_sites["b"]["page"].pk} <= {p.pk for p in choices}


# Bulk actions


def bulk_url(model, ids):
    base = reverse("wagtail_bulk_action", args=("movement", model, "delete"))
    return base + "?" + urlencode([("id", pk) for pk in ids])


def test_bulk_delete_with_ids_mixed_from_another_site(client, two_sites, editor_a):
    a, b = two_sites["a"], two_sites["b"]
    extra = Pledge.objects.create(campaign=a["page"], name="Tjetër Shembull")
    ids = [a["pledge"].pk, b["pledge"].pk, extra.pk]
    response = client.get(bulk_url("pledge", ids))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Arta Shembull" in html and "Besa Shembull" not in html
    response = client.post(bulk_url("pledge", ids))
    assert response.status_code == 302
    assert not Pledge.objects.filter(pk__in=[a["pledge"].pk, extra.pk]).exists()
    assert Pledge.objects.filter(pk=b["pledge"].pk).exists()

    # Only another site's IDs: nothing to act on.
    assert not_found(client.get(bulk_url("pledge", [b["pledge"].pk])))
    assert not_found(client.post(bulk_url("pledge", [b["pledge"].pk])))
    assert not_found(client.post(bulk_url("progressupdate", [b["update"].pk])))
    assert not_found(client.post(bulk_url("pledge", ["all"])))  # none of A's left
    assert Pledge.objects.filter(pk=b["pledge"].pk).exists()
    assert ProgressUpdate.objects.filter(pk=b["update"].pk).exists()


def test_bulk_delete_of_all_keeps_other_sites_records(client, two_sites, editor_a):
    response = client.post(bulk_url("progressupdate", ["all"]))
    assert response.status_code == 302
    assert not ProgressUpdate.objects.filter(pk=two_sites["a"]["update"].pk).exists()
    assert ProgressUpdate.objects.filter(pk=two_sites["b"]["update"].pk).exists()


def test_superuser_bulk_deletes_across_sites(client, two_sites, superuser):
    ids = [two_sites["a"]["pledge"].pk, two_sites["b"]["pledge"].pk]
    assert client.post(bulk_url("pledge", ids)).status_code == 302
    assert not Pledge.objects.filter(pk__in=ids).exists()


# Chooser and wagtail-localize's screens


def test_chooser_offers_and_accepts_only_own_records(client, two_sites, editor_a):
    a, b = two_sites["a"], two_sites["b"]
    html = ok(client.get(chooser_url("pledge", "choose")))
    assert "Arta Shembull" in html and "Besa Shembull" not in html
    html = ok(client.get(chooser_url("pledge", "choose_results"), {"q": "Shembull"}))
    assert "Arta Shembull" in html and "Besa Shembull" not in html
    assert client.get(chooser_url("pledge", "chosen", a["pledge"].pk)).status_code == 200
    assert not_found(client.get(chooser_url("pledge", "chosen", b["pledge"].pk)))
    response = client.get(
        chooser_url("pledge", "chosen_multiple"), {"id": [a["pledge"].pk, b["pledge"].pk]}
    )
    assert "Arta Shembull" in response.content.decode()
    assert "Besa Shembull" not in response.content.decode()
    assert client.get(chooser_url("progressupdate", "chosen", a["update"].pk)).status_code == 200
    assert not_found(client.get(chooser_url("progressupdate", "chosen", b["update"].pk)))


def test_superuser_chooser_offers_everything(client, two_sites, superuser):
    html = ok(client.get(chooser_url("pledge", "choose")))
    assert "Arta Shembull" in html and "Besa Shembull" in html


def test_translation_screens_of_another_sites_records_are_refused(client, two_sites, editor_a):
    """wagtail-localize's own views (no project patterns in front of them): an
    editor of site A who may also submit translations (translator of A too)
    submits and reads A's records only."""
    editor_a.groups.add(ensure_site_roles(two_sites["org_a"].site)[SiteRole.TRANSLATOR])
    a, b = two_sites["a"], two_sites["b"]

    def submit(update):
        return reverse(
            "wagtail_localize:submit_snippet_translation",
            args=["movement", "progressupdate", update.pk],
        )

    def detail(update):
        return reverse(
            "wagtail_localize:snippets_api_detail", args=["movement", "progressupdate", update.pk]
        )

    assert client.get(submit(a["update"])).status_code == 200
    assert forbidden(client.get(submit(b["update"])))
    assert forbidden(client.post(submit(b["update"]), {"locales": [a["page_en"].locale_id]}))
    assert client.get(detail(a["update"])).status_code == 200
    assert forbidden(client.get(detail(b["update"])))


def test_translators_translate_their_own_sites_progress_updates(client, two_sites):
    """A translator sees the progress updates of their site (to translate them), but
    cannot change the Albanian ones; another site's stay shut."""
    user = make_user(two_sites["org_a"].site, SiteRole.TRANSLATOR, "perkthyes")
    assert user.has_perm("wagtail_localize.submit_translation")
    client.force_login(user)

    def submit(update):
        return reverse(
            "wagtail_localize:submit_snippet_translation",
            args=["movement", "progressupdate", update.pk],
        )

    assert client.get(submit(two_sites["a"]["update"])).status_code == 200
    assert forbidden(client.get(submit(two_sites["b"]["update"])))
    assert forbidden(client.get(url("progressupdate", "edit", two_sites["a"]["update"].pk)))


def test_snippet_api_listing_of_wagtail_localize_is_for_superusers(client, two_sites, editor_a):
    listing = reverse("wagtail_localize:snippets_api_listing", args=["movement", "pledge"])
    assert forbidden(client.get(listing))
    client.force_login(get_user_model().objects.create_superuser("rr", "rr@example.org", "x"))
    titles = {row["title"] for row in client.get(listing).json()}
    assert "Arta Shembull (Lista a)" in titles and "Besa Shembull (Lista b)" in titles
