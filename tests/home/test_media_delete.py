"""Deleting an image or document: the confirmation lists what uses it (as far as the
user may see), and the translation editor of a page or snippet that used it still
works afterwards (home/translations_tree.py)."""

import html
import json
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale, Page
from wagtail_localize.models import OverridableSegment, SegmentOverride

from congress.models import Speaker
from home.models import SiteRole, StandardPage
from home.roles import ensure_site_roles, site_collection
from tests.conftest import publish
from tests.security.worlds import localize

Image = get_image_model()
Document = get_document_model()
CHOOSERS = {"image_chooser": "images", "document_chooser": "documents"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def editor(org, django_user_model):
    user = django_user_model.objects.create_user("redaktor", "r@example.org", "x")
    user.groups.add(ensure_site_roles(org.site)[SiteRole.EDITOR])
    return user


def new_image(org, title="Foto e kongresit"):
    return Image.objects.create(
        title=title, file=get_test_image_file(), collection=site_collection(org.site)
    )


def new_document(org):
    return Document.objects.create(
        title="Statuti",
        file=ContentFile(b"%PDF-1.4 statuti", name="statuti.pdf"),
        collection=site_collection(org.site),
    )


def translated(instance):
    """The English translation of ``instance``, made and published by wagtail-localize
    (which publishes once the transaction commits, which a test never does)."""
    target = localize(instance).get_target_instance()
    if isinstance(target, Page):
        target.get_latest_revision().publish()
    return type(target).objects.get(pk=target.pk)


@pytest.fixture
def world(org, media):
    """An image used as the home page's hero image and in a page's body, a document
    in that body and the image as a speaker's photo; all translated into English."""
    image, document = new_image(org), new_document(org)
    org.home_sq.hero_image = image
    publish(org.home_sq)
    page = StandardPage(
        title="Kongresi i parë",
        slug="kongresi-i-pare",
        intro="Hyrje",
        body=json.dumps(
            [
                {"type": "image", "value": {"image": image.pk, "alt_text": "", "caption": ""}},
                {"type": "document", "value": {"document": document.pk, "title": "Statuti"}},
            ]
        ),
    )
    org.home_sq.add_child(instance=page)
    publish(page)
    speaker = Speaker.objects.create(
        name="Arta Krasniqi", site=org.site, locale=org.home_sq.locale, photo=image
    )
    return {
        "image": image,
        "document": document,
        "page": page,
        "home_en": translated(org.home_sq),
        "page_en": translated(page),
        "speaker_en": translated(speaker),
    }


def props(response):
    assert response.status_code == 200
    found = re.search(r'class="js-translation-editor" data-props="([^"]*)"', response.text)
    assert found, "not the translation editor"
    return json.loads(html.unescape(found.group(1)))


def chosen_media(editor_props):
    """(API endpoint, id) of every image and document the translation editor fetches."""
    segments = {segment["id"]: segment for segment in editor_props["segments"]}
    chosen = []
    for segment in segments.values():
        widget = (segment["location"] or {}).get("widget") or {}
        if widget.get("type") in CHOOSERS and segment["value"]:
            chosen.append((CHOOSERS[widget["type"]], segment["value"]))
    for override in editor_props["initialOverrides"]:
        segment = segments.get(override["segment_id"])
        widget = ((segment or {}).get("location") or {}).get("widget") or {}
        if widget.get("type") in CHOOSERS and override["data"]:
            chosen.append((CHOOSERS[widget["type"]], override["data"]))
    return chosen


def editor_urls(world):
    return [
        f"/admin/pages/{world['home_en'].pk}/edit/",
        f"/admin/pages/{world['page_en'].pk}/edit/",
        f"/admin/snippets/congress/speaker/edit/{world['speaker_en'].pk}/",
    ]


def assert_editors_fetch_only_what_exists(client, world):
    """The translation editor (a React app) fetches each chosen image and document
    from the admin API, and renders nothing at all when one answers 404."""
    for url in editor_urls(world):
        for endpoint, pk in chosen_media(props(client.get(url))):
            response = client.get(f"/admin/api/main/{endpoint}/{pk}/")
            assert response.status_code == 200, (url, endpoint, pk, response.status_code)


# -- the confirmation ---------------------------------------------------------------------


def test_the_image_delete_confirmation_lists_what_uses_it(client, org, editor, world, make_org):
    image = world["image"]
    other = make_org("org-b.example", "Organizata B", "Organisation B")
    other.home_sq.hero_image = image  # a superuser's choice: another organisation's page
    publish(other.home_sq)
    client.force_login(editor)

    response = client.get(f"/admin/images/{image.pk}/delete/")

    assert response.status_code == 200
    text = response.text
    # Home and page in both languages, the speaker and its translation, B's home page.
    assert "Përdoret në 7 vende, të cilat do ta humbasin nëse e fshini:" in text
    start = text.index("data-usage-warning")
    warning = text[start : text.index("</ul>", start)]
    for page in (org.home_sq, org.home_en, world["page"], world["page_en"]):
        assert f'href="/admin/pages/{page.pk}/edit/"' in warning
    assert "Arta Krasniqi" in warning
    assert warning.count("(nuk keni leje ta hapni)") == 1
    assert "Organizata B" not in warning


def test_the_document_delete_confirmation_lists_what_uses_it(client, editor, world):
    client.force_login(editor)

    response = client.get(f"/admin/documents/delete/{world['document'].pk}/")

    assert response.status_code == 200
    assert "Përdoret në 2 vende" in response.text
    assert f'href="/admin/pages/{world["page"].pk}/edit/"' in response.text
    assert f'href="/admin/pages/{world["page_en"].pk}/edit/"' in response.text


def test_an_unused_image_is_deleted_without_a_warning(client, org, editor, media):
    image = new_image(org, "E papërdorur")
    client.force_login(editor)

    response = client.get(f"/admin/images/{image.pk}/delete/")

    assert response.status_code == 200
    assert "data-usage-warning" not in response.text


# -- translation editing after the deletion ------------------------------------------------


def test_translation_editors_work_after_their_media_are_deleted(
    client, editor, world, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    assert_editors_fetch_only_what_exists(client, world)

    with django_capture_on_commit_callbacks(execute=True):
        for url in (
            f"/admin/images/{world['image'].pk}/delete/",
            f"/admin/documents/delete/{world['document'].pk}/",
        ):
            assert client.post(url).status_code == 302

    assert_editors_fetch_only_what_exists(client, world)
    # Publishing the translations again stores no reference to what is gone.
    with django_capture_on_commit_callbacks(execute=True):
        for url in editor_urls(world):
            response = client.post(url, {"action": "publish"})
            assert response.status_code == 302, (url, response.status_code)
    connection.check_constraints()
    world["home_en"].refresh_from_db()
    assert world["home_en"].hero_image_id is None


def test_a_translators_own_image_may_be_deleted(
    client, org, editor, world, django_capture_on_commit_callbacks
):
    """The English home page shows an image of its own (a translator's override of
    the hero image); deleting that image drops the override."""
    own = new_image(org, "Foto për anglisht")
    segment = OverridableSegment.objects.get(
        source__object_id=org.home_sq.translation_key, context__path="hero_image"
    )
    SegmentOverride.objects.create(
        locale=Locale.objects.get(language_code="en"),
        context=segment.context,
        data_json=json.dumps(own.pk),
    )
    home_en = Page.objects.get(pk=world["home_en"].pk).specific
    home_en.hero_image = own
    publish(home_en)
    client.force_login(editor)
    assert ("images", own.pk) in chosen_media(props(client.get(editor_urls(world)[0])))

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/admin/images/{own.pk}/delete/").status_code == 302

    assert not SegmentOverride.objects.filter(context=segment.context).exists()
    assert_editors_fetch_only_what_exists(client, world)


@pytest.mark.browser
def test_the_translation_editor_still_renders_once_its_image_is_gone(
    tab, live_server, org, editor, world
):
    """wagtail-localize's editor is a React app: an image it cannot fetch leaves the
    whole screen blank. With the image deleted it still shows the page."""
    world["image"].delete()
    editor.set_password("a-long-test-password-1")
    editor.save()
    tab.goto(f"{live_server.url}/admin/login/")
    tab.fill("input[name=username]", editor.username)
    tab.fill("input[name=password]", "a-long-test-password-1")
    tab.locator("form.login-form button[type=submit]").click()
    tab.wait_for_url("**/admin/")

    tab.goto(f"{live_server.url}/admin/pages/{world['home_en'].pk}/edit/")
    tab.wait_for_load_state("networkidle")

    editor_screen = tab.locator(".js-translation-editor")
    assert world["home_en"].title in editor_screen.inner_text()
    assert world["home_en"].hero_heading in editor_screen.inner_text()
