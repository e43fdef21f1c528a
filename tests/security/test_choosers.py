"""Server-side checks of what an editor chooses: an editor of organisation A who posts
the id of organisation B's image, document, page or snippet through the real admin
edit views gets a field error and nothing is saved; their own items save.

The mechanism is ``home.security.choosers`` (``ChooserScopeMixin``), on every page
type, snippet and setting form of the project (test_every_admin_form_checks_choosers).
"""

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.admin.panels import get_edit_handler
from wagtail.contrib.settings.registry import registry as settings_registry
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page
from wagtail.snippets.models import get_snippet_models
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield
from wagtail.users.models import UserProfile

from congress.models import CongressIndexPage, CongressPage, Outcome, Speaker
from home.models import HomePage, SiteRole, StandardPage
from home.roles import ensure_site_roles, site_collection
from home.security.choosers import ChooserScopeMixin
from tests.conftest import publish


def image(title, collection):
    return get_image_model().objects.create(
        title=title, file=get_test_image_file(), collection=collection
    )


def document(title, collection):
    return get_document_model().objects.create(
        title=title,
        file=SimpleUploadedFile(f"{title}.pdf", b"%PDF-1.4 test"),
        collection=collection,
    )


@pytest.fixture
def world(make_org, make_user, client):
    a = make_org("org-a.example", default=True)
    b = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    roles_a = ensure_site_roles(a.site)
    ensure_site_roles(b.site)
    page_a, _ = a.add_page(StandardPage(title="Rreth nesh", slug="rreth-nesh", intro="Hyrje"))
    page_b, _ = b.add_page(StandardPage(title="Faqja e B", slug="faqja-b", intro="Hyrje"))
    collection_a, collection_b = site_collection(a.site), site_collection(b.site)
    editor = make_user("editor", roles_a[SiteRole.EDITOR])
    client.force_login(editor)
    return {
        "a": a,
        "b": b,
        "page_a": page_a,
        "page_b": page_b,
        "image_a": image("Imazhi A", collection_a),
        "image_b": image("Imazhi B", collection_b),
        "doc_a": document("dokumenti-a", collection_a),
        "doc_b": document("dokumenti-b", collection_b),
        "editor": editor,
    }


def standard_page_data(page, body):
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "intro": page.intro,
            "body": streamfield(body),
            "comments": inline_formset([]),
            "seo_title": "",
            "search_description": "",
        }
    )


def post_standard_page(client, page, body):
    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    return client.post(url, standard_page_data(page, body))


def field_errors(response, name):
    form = response.context["form"]
    return [str(message) for message in form.errors.get(name, [])]


def saved_body(page):
    """The body of the latest revision (what the editor would have saved)."""
    page = Page.objects.get(pk=page.pk).specific
    return page.get_latest_revision_as_object().body.raw_data


def image_block(image):
    return ("image", {"image": image.pk, "alt_text": "Përshkrim", "caption": ""})


# StreamFields: images, documents, pages and snippets chosen in blocks


def prefer(user, language):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()


def test_image_block_with_another_organisations_image_is_refused(client, world):
    prefer(world["editor"], "en")
    page = world["page_a"]
    before = page.revisions.count()
    response = post_standard_page(client, page, [image_block(world["image_b"])])
    assert response.status_code == 200
    errors = field_errors(response, "body")
    assert errors == [
        f"You may not use Image {world['image_b'].pk} here: choose one of your own organisation’s."
    ]
    assert page.revisions.count() == before

    response = post_standard_page(client, page, [image_block(world["image_a"])])
    assert response.status_code == 302, field_errors(response, "body")
    assert saved_body(page)[0]["value"]["image"] == world["image_a"].pk


def test_document_block_with_another_organisations_document_is_refused(client, world):
    page = world["page_a"]
    before = page.revisions.count()
    block = ("document", {"document": world["doc_b"].pk, "title": ""})
    response = post_standard_page(client, page, [block])
    assert response.status_code == 200 and field_errors(response, "body")
    assert page.revisions.count() == before

    block = ("document", {"document": world["doc_a"].pk, "title": ""})
    response = post_standard_page(client, page, [block])
    assert response.status_code == 302, field_errors(response, "body")


def test_page_chooser_in_a_block_and_rich_text_link_refuse_another_organisations_page(
    client, world
):
    page, page_b = world["page_a"], world["page_b"]
    before = page.revisions.count()
    action = (
        "call_to_action",
        {"text": "Lexo", "page": page_b.pk, "external_url": "", "style": "primary"},
    )
    response = post_standard_page(client, page, [action])
    assert response.status_code == 200 and field_errors(response, "body")
    link = rich_text(f'<p><a linktype="page" id="{page_b.pk}">B</a></p>')
    response = post_standard_page(client, page, [("paragraph", link)])
    assert response.status_code == 200 and field_errors(response, "body")
    assert page.revisions.count() == before

    own = rich_text(f'<p><a linktype="page" id="{world["a"].home_sq.pk}">A</a></p>')
    response = post_standard_page(client, page, [("paragraph", own)])
    assert response.status_code == 302, field_errors(response, "body")


def test_image_foreign_key_with_another_organisations_image_is_refused(client, world):
    home = HomePage.objects.get(pk=world["a"].home_sq.pk)
    url = reverse("wagtailadmin_pages:edit", args=(home.pk,))

    def data(image_id):
        return nested_form_data(
            {
                "title": home.title,
                "slug": home.slug,
                "hero_heading": home.hero_heading,
                "hero_intro": "",
                "hero_image": image_id,
                "hero_actions": streamfield([]),
                "body": streamfield([]),
                "comments": inline_formset([]),
                "seo_title": "",
                "search_description": "",
            }
        )

    before = home.revisions.count()
    response = client.post(url, data(world["image_b"].pk))
    assert response.status_code == 200
    assert field_errors(response, "hero_image")
    assert home.revisions.count() == before

    response = client.post(url, data(world["image_a"].pk))
    assert response.status_code == 302, response.context["form"].errors
    home = HomePage.objects.get(pk=home.pk)
    assert home.get_latest_revision_as_object().hero_image_id == world["image_a"].pk


def test_a_value_a_superuser_set_stays_valid(client, world):
    """Editing a page that already holds another organisation's image (set up by a
    superuser) keeps working; only new foreign choices are refused."""
    page = world["page_a"]
    page.body = json.dumps(
        [{"type": "image", "value": {"image": world["image_b"].pk, "alt_text": "", "caption": ""}}]
    )
    publish(page)
    response = post_standard_page(client, page, [image_block(world["image_b"])])
    assert response.status_code == 302, field_errors(response, "body")


# Snippets: speakers chosen in a congress agenda, images of outcomes and pledges


@pytest.fixture
def congresses(world):
    def congress(org, slug):
        index = CongressIndexPage(title="Kongreset", slug=f"kongreset-{slug}")
        org.home_sq.add_child(instance=index)
        publish(index)
        start = Outcome._meta.get_field("happened_at").default()
        page = CongressPage(
            title=f"Kongresi {slug}",
            slug=f"kongresi-{slug}",
            start_at=start,
            end_at=start + timedelta(hours=2),
            venue_name="Salla",
        )
        index.add_child(instance=page)
        return publish(page)

    ensure_site_roles(world["a"].site)  # the congress permissions of the new index
    return congress(world["a"], "a"), congress(world["b"], "b")


def congress_data(page, agenda):
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "number": "",
            "theme": "",
            "intro": "",
            "aims": rich_text(""),
            "start_at": page.start_at.strftime("%Y-%m-%d %H:%M"),
            "end_at": page.end_at.strftime("%Y-%m-%d %H:%M"),
            "venue_name": page.venue_name,
            "venue_street": "",
            "venue_postal_code": "",
            "venue_city": "",
            "venue_country": "",
            "map_url": "",
            "contact_phone": "",
            "recording_url": "",
            "organisers": streamfield([]),
            "livestreams": streamfield([]),
            "agenda": streamfield(agenda),
            "speakers": streamfield([]),
            "documents": streamfield([]),
            "comments": inline_formset([]),
            "seo_title": "",
            "search_description": "",
        }
    )


def session(speaker):
    return (
        "session",
        {
            "day": "",
            "start_time": "10:00",
            "end_time": "",
            "title": "Hapja",
            "room": "",
            "description": "",
            "speakers": streamfield([("item", speaker.pk)]),
        },
    )


def test_speaker_of_another_organisation_is_refused_in_the_agenda(client, world, congresses):
    page_a, _page_b = congresses
    sq = page_a.locale
    own = Speaker.objects.create(name="Folësja A", site=world["a"].site, locale=sq)
    other = Speaker.objects.create(name="Folësi B", site=world["b"].site, locale=sq)
    url = reverse("wagtailadmin_pages:edit", args=(page_a.pk,))
    before = page_a.revisions.count()
    response = client.post(url, congress_data(page_a, [session(other)]))
    assert response.status_code == 200
    assert field_errors(response, "agenda")
    assert page_a.revisions.count() == before

    response = client.post(url, congress_data(page_a, [session(own)]))
    assert response.status_code == 302, response.context["form"].errors
    agenda = CongressPage.objects.get(pk=page_a.pk).get_latest_revision_as_object().agenda
    assert [s.pk for s in agenda[0].value["speakers"]] == [own.pk]


def test_outcome_image_and_document_of_another_organisation_are_refused(client, world, congresses):
    page_a, _ = congresses
    url = reverse("wagtailsnippets_congress_outcome:add")
    data = {
        "congress": page_a.pk,
        "kind": "photo",
        "number": "",
        "status": "",
        "happened_at": page_a.start_at.strftime("%Y-%m-%d %H:%M"),
        "title": "Foto",
        "text": "",
        "attribution": "",
        "image": world["image_b"].pk,
        "document": world["doc_b"].pk,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert field_errors(response, "image") and field_errors(response, "document")
    assert not Outcome.objects.exists()

    response = client.post(url, {**data, "image": world["image_a"].pk, "document": ""})
    assert response.status_code == 302, response.context["form"].errors
    assert Outcome.objects.get().image_id == world["image_a"].pk


def test_pledge_photo_of_another_organisation_is_refused(client, world):
    CampaignIndexPage = apps.get_model("movement", "CampaignIndexPage")
    CampaignPage = apps.get_model("movement", "CampaignPage")
    Pledge = apps.get_model("movement", "Pledge")
    campaigns, _ = world["a"].add_page(CampaignIndexPage(title="Fushatat", slug="fushatat"))
    campaign, _ = world["a"].add_page(
        CampaignPage(title="Fushata", slug="fushata"), parent=campaigns
    )
    url = reverse("wagtailsnippets_movement_pledge:add")
    data = {
        "campaign": campaign.pk,
        "name": "Kandidatja",
        "party": "",
        "municipality": "",
        "signed_on": "2019-09-01",
        "photo": world["image_b"].pk,
        "document": world["doc_b"].pk,
        "elected": "",
        "commitments-TOTAL_FORMS": "0",
        "commitments-INITIAL_FORMS": "0",
        "commitments-MIN_NUM_FORMS": "0",
        "commitments-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert field_errors(response, "photo") and field_errors(response, "document")
    assert not Pledge.objects.exists()

    response = client.post(
        url, {**data, "photo": world["image_a"].pk, "document": world["doc_a"].pk}
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Pledge.objects.get().photo_id == world["image_a"].pk


def test_the_error_is_in_albanian_for_an_albanian_editor(client, world):
    prefer(world["editor"], "sq")
    response = post_standard_page(client, world["page_a"], [image_block(world["image_b"])])
    errors = field_errors(response, "body")
    assert errors and "organizatës" in errors[0], errors


# Coverage: every form an editor can reach in the admin has the check


def _form_class(model):
    if issubclass(model, Page):
        return model.get_edit_handler().get_form_class()
    viewset = getattr(model, "snippet_viewset", None)
    handler = viewset.get_edit_handler() if viewset else get_edit_handler(model)
    return handler.get_form_class()


def test_every_admin_form_checks_choosers(db):
    page_models = [
        m
        for m in apps.get_models()
        if issubclass(m, Page)
        and m is not Page
        and m._meta.app_label in {"home", "congress", "movement", "membership"}
    ]
    models = page_models + list(get_snippet_models()) + list(settings_registry)
    assert len(models) > 10
    missing = [m.__name__ for m in models if not issubclass(_form_class(m), ChooserScopeMixin)]
    assert not missing, missing
