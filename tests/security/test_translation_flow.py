"""How a translation goes from the source to the public, per organisation.

An editor or a translator starts a translation; it is a draft, nowhere public,
until someone who may publish it (a translator, in the translation trees; an
editor) publishes it. Translators never publish in the source language. Publishing
a source brings its synchronised values (times, numbers, links) to the live
translations without publishing what a translator has not finished. A translated
page gets a slug from its translated title. Outcomes, speakers and progress
updates are translated the same way, by the organisation's own translators."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import Locale
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield
from wagtail_localize.models import (
    SegmentOverride,
    StringSegment,
    StringTranslation,
    Translation,
    TranslationContext,
    TranslationSource,
)

from congress.constants import OutcomeKind
from congress.models import CongressIndexPage, CongressPage, Outcome, Speaker
from home.models import SiteRole, StandardPage
from home.roles import complete_site_roles, ensure_site_roles
from movement.models import NewsIndexPage, NewsPage, ProgressUpdate
from tests.conftest import publish
from tests.movement.conftest import make_campaign

from .conftest import HOST

EDITOR, TRANSLATOR = SiteRole.EDITOR, SiteRole.TRANSLATOR
START = datetime.datetime(2031, 5, 23, 10, 0, tzinfo=datetime.UTC)
STREAM = "https://www.youtube.com/watch?v=aaaaaaaaaaa"
NEW_STREAM = "https://www.youtube.com/watch?v=bbbbbbbbbbb"


@pytest.fixture
def en(db):
    return Locale.objects.get(language_code="en")


@pytest.fixture
def orgs(make_org, make_user):
    """Organisations A and B, each with an editor and a translator."""
    result = {}
    for key, org in (
        ("a", make_org("org-a.example", default=True)),
        ("b", make_org("org-b.example", name="Organizata B", name_en="Organisation B")),
    ):
        groups = ensure_site_roles(org.site)
        users = {role: make_user(f"{key}_{role}", groups[role]) for role in (EDITOR, TRANSLATOR)}
        result[key] = {"org": org, "groups": groups, "users": users}
    return result


def live_translation(instance, locale, pairs, overrides=None):
    """A live English translation of ``instance`` made with wagtail-localize, with
    ``pairs`` {source text: translation} in translation memory (other strings fall
    back to the source) and ``overrides`` {content path: value}."""
    source, _ = TranslationSource.get_or_create_from_instance(instance)
    translation, _ = Translation.objects.get_or_create(source=source, target_locale=locale)
    for segment in StringSegment.objects.filter(source=source).select_related("string"):
        if segment.string.data in pairs:
            StringTranslation.objects.update_or_create(
                translation_of=segment.string,
                locale=locale,
                context=segment.context,
                defaults={"data": pairs[segment.string.data], "translation_type": "manual"},
            )
    for path, value in (overrides or {}).items():
        context = TranslationContext.objects.get(object=source.object, path=path)
        SegmentOverride.objects.create(locale=locale, context=context, data_json=json.dumps(value))
    translation.save_target(publish=True)
    target = translation.get_target_instance()
    if getattr(target, "live", True) is False:
        # wagtail-localize publishes on commit, which a test's transaction never does.
        target.get_latest_revision().publish()
        target.refresh_from_db()
    return translation


def string_url(translation, path):
    segment = StringSegment.objects.get(source=translation.source, context__path=path)
    return reverse(
        "wagtail_localize:edit_string_translation",
        kwargs={"translation_id": translation.pk, "string_segment_id": segment.pk},
    )


def write(client, translation, texts):
    """Translate strings in the translation editor (its API)."""
    for path, text in texts.items():
        response = client.put(
            string_url(translation, path),
            f"value={text}",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code in (200, 201), response.content


def submit(client, url, locale):
    return client.post(url, {"locales": [locale.pk]})


def page_submit_url(page):
    return reverse("wagtail_localize:submit_page_translation", args=[page.pk])


def snippet_submit_url(instance):
    meta = instance._meta
    return reverse(
        "wagtail_localize:submit_snippet_translation",
        args=[meta.app_label, meta.model_name, instance.pk],
    )


def public(path):
    """What a visitor gets at ``path``."""
    return Client().get(path, HTTP_HOST=HOST).content.decode()


def denied(response):
    """Wagtail answers a forbidden admin view with 403, or with a redirect to the
    dashboard and a "no permission" message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"].rstrip("/").endswith("/admin")
    )


def head(path):
    return public(path).split("</head>")[0]


def offers_publish(html):
    """The translation editor's props say whether its main action is "Publish"."""
    return bool(re.search(r"canPublish(&quot;|\")\s*:\s*true", html))


def test_editor_starts_a_draft_translation_that_a_translator_publishes(
    client, orgs, en, django_capture_on_commit_callbacks
):
    a = orgs["a"]
    page = StandardPage(title="Rreth nesh", slug="rreth-nesh", intro="Hyrje", show_in_menus=True)
    a["org"].home_sq.add_child(instance=page)
    publish(page)

    client.force_login(a["users"][EDITOR])
    assert submit(client, page_submit_url(page), en).status_code == 302
    draft = page.get_translation(en)
    assert not draft.live and draft.title == "Rreth nesh"
    # Nowhere public: not served, not in the English menu, hreflang or sitemap.
    assert Client().get(draft.url, HTTP_HOST=HOST).status_code == 404
    assert "Rreth nesh" not in public("/en/")
    assert 'hreflang="en"' not in head("/sq/rreth-nesh/")
    assert "/en/rreth-nesh" not in public("/sitemap.xml")

    client.force_login(a["users"][TRANSLATOR])
    edit = reverse("wagtailadmin_pages:edit", args=[draft.pk])
    assert offers_publish(client.get(edit).content.decode())
    translation = Translation.objects.get(source__object_id=page.translation_key, target_locale=en)
    write(client, translation, {"title": "About us", "intro": "Introduction"})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(edit, {"action": "publish"}).status_code == 302
    draft.refresh_from_db()
    assert draft.live and draft.title == "About us"
    assert draft.slug == "about-us"  # from the translated title
    assert "About us" in public("/en/")
    assert 'hreflang="en" href="http://org-a.example/en/about-us/"' in head("/sq/rreth-nesh/")
    assert "/en/about-us/" in public("/sitemap.xml")


def test_a_draft_translation_is_in_no_feed_until_it_is_published(client, orgs, en):
    a = orgs["a"]
    index, index_en = a["org"].add_page(
        NewsIndexPage(title="Lajme", slug="lajme"),
        en_fields={"title": "News", "slug": "news"},
    )
    news = NewsPage(title="Lajm i ri", slug="lajm-i-ri", date=datetime.date(2031, 1, 1))
    index.add_child(instance=news)
    publish(news)
    client.force_login(a["users"][EDITOR])
    submit(client, page_submit_url(news), en)
    feed = index_en.url + "feed/rss/"
    assert news.get_translation(en).title == "Lajm i ri"
    assert "Lajm i ri" not in public(feed)
    news.get_translation(en).specific.get_latest_revision().publish()
    assert "Lajm i ri" in public(feed)


def test_a_translated_slug_is_unique_among_its_siblings(client, orgs, en):
    a = orgs["a"]
    home_sq = a["org"].home_sq
    first = StandardPage(title="Lajme", slug="lajme")
    home_sq.add_child(instance=first)
    publish(first)
    live_translation(first, en, {"Lajme": "News", "lajme": "news"})
    second = StandardPage(title="Të reja", slug="te-reja")
    home_sq.add_child(instance=second)
    publish(second)
    translation = live_translation(second, en, {"Të reja": "News"})
    english = second.get_translation(en)
    assert english.title == "News" and english.slug.startswith("news-")
    # A translator's own slug wins over the one made from the title.
    client.force_login(a["users"][TRANSLATOR])
    write(client, translation, {"slug": "latest"})
    translation.save_target(publish=True)
    english.refresh_from_db()
    assert english.slug == "latest"


def test_a_translation_keeps_its_slug_when_the_source_slug_changes(orgs, en):
    home_sq = orgs["a"]["org"].home_sq
    page = StandardPage(title="Rreth nesh", slug="rreth-nesh")
    home_sq.add_child(instance=page)
    publish(page)
    translation = live_translation(page, en, {"Rreth nesh": "About us"})
    assert page.get_translation(en).slug == "about-us"
    page.slug = "kush-jemi"
    publish(page)
    translation.save_target(publish=True)
    english = page.get_translation(en)
    assert english.slug == "about-us"


def test_translators_publish_translations_never_the_source(client, orgs, en):
    a = orgs["a"]
    translator = a["users"][TRANSLATOR]
    page = StandardPage(title="Rreth nesh", slug="rreth-nesh", intro="Hyrje")
    a["org"].home_sq.add_child(instance=page)
    publish(page)
    live_translation(page, en, {"Rreth nesh": "About us"})
    english = page.get_translation(en)
    assert english.permissions_for_user(translator).can_publish()
    assert not page.permissions_for_user(translator).can_publish()
    assert not a["org"].home_sq.permissions_for_user(translator).can_publish()

    client.force_login(translator)
    data = nested_form_data(
        {
            "title": "Ndryshuar nga përkthyesi",
            "slug": "rreth-nesh",
            "intro": "Hyrje",
            "body": streamfield([]),
            "comments": inline_formset([]),
            "action-publish": "action-publish",
        }
    )
    client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    page.refresh_from_db()
    assert page.title == "Rreth nesh"  # the live source is untouched
    # Another organisation's translation: not even opened.
    b_page = StandardPage(title="Faqja B", slug="faqja-b")
    orgs["b"]["org"].home_sq.add_child(instance=b_page)
    publish(b_page)
    live_translation(b_page, en, {"Faqja B": "Page B"})
    b_english = b_page.get_translation(en)
    assert not b_english.permissions_for_user(translator).can_publish()
    assert denied(client.get(reverse("wagtailadmin_pages:edit", args=[b_english.pk])))


def test_only_a_finished_translation_goes_live(
    client, orgs, en, django_capture_on_commit_callbacks
):
    """Nothing puts the source's text live in the English tree: the translation
    editor's Publish waits until every text is translated, and the sync view's
    "Publish immediately" and "Convert to alias page" are not for staff."""
    a = orgs["a"]
    page = StandardPage(title="Rreth nesh", slug="rreth-nesh", intro="Hyrje")
    a["org"].home_sq.add_child(instance=page)
    publish(page)
    client.force_login(a["users"][EDITOR])
    submit(client, page_submit_url(page), en)
    draft = page.get_translation(en)
    translation = Translation.objects.get(source__object_id=page.translation_key, target_locale=en)
    source = translation.source
    edit = reverse("wagtailadmin_pages:edit", args=[draft.pk])
    sync = reverse("wagtail_localize:update_translations", args=[source.pk])
    alias = reverse("wagtail_localize:convert_to_alias", args=[draft.pk])

    client.force_login(a["users"][TRANSLATOR])
    write(client, translation, {"title": "About us"})  # the introduction is not
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit, {"action": "publish"}, follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert any("1 tekst nuk është përkthyer" in message for message in messages), messages
    draft.refresh_from_db()
    assert not draft.live

    assert 'name="publish_translations"' not in client.get(sync).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(sync, {"publish_translations": "on"}).status_code == 403
        assert client.post(alias, {}).status_code == 403
    draft.refresh_from_db()
    assert not draft.live and draft.alias_of_id is None
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(sync, {}).status_code == 302  # syncing without publishing is theirs

    write(client, translation, {"intro": "Introduction"})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(edit, {"action": "publish"}).status_code == 302
    draft.refresh_from_db()
    assert draft.live and draft.title == "About us"


def test_a_page_is_translated_under_its_parents_translation(client, orgs, en):
    a = orgs["a"]
    parent = StandardPage(title="Rreth nesh", slug="rreth-nesh")
    a["org"].home_sq.add_child(instance=parent)
    publish(parent)
    child = StandardPage(title="Historia", slug="historia")
    parent.add_child(instance=child)
    publish(child)
    client.force_login(a["users"][EDITOR])
    response = submit(client, page_submit_url(child), en)
    assert response.status_code == 302
    assert child.get_translation_or_none(en) is None
    assert parent.get_translation_or_none(en) is None  # no copy of the parent either
    message = client.get(response["Location"]).content.decode()
    # In the editor's admin language (Albanian by default): "Translate … first".
    assert "Përktheni më parë faqen „Rreth nesh“ në English" in message


def make_congress(org, en):
    index = CongressIndexPage(title="Kongreset", slug="kongreset")
    org.home_sq.add_child(instance=index)
    publish(index)
    live_translation(index, en, {"Kongreset": "Congresses", "kongreset": "congresses"})
    congress = CongressPage(
        title="Kongresi",
        slug="kongresi",
        start_at=START,
        end_at=START + datetime.timedelta(hours=4),
        venue_name="Salla",
        venue_postal_code="10000",
        contact_phone="+383 38 000 000",
        livestreams=json.dumps(
            [
                {
                    "type": "livestream",
                    "id": "c0ffee00-0000-4000-8000-000000000001",
                    "value": {"url": STREAM, "provider_name": "", "label": "Salla kryesore"},
                }
            ]
        ),
    )
    index.add_child(instance=congress)
    publish(congress)
    return congress


def test_publishing_the_source_brings_times_and_links_to_the_live_translation(
    client, orgs, en, django_capture_on_commit_callbacks
):
    a = orgs["a"]
    congress = make_congress(a["org"], en)
    translation = live_translation(
        congress,
        en,
        {"Kongresi": "Congress", "kongresi": "congress", "Salla": "Hall", "Salla kryesore": "Main"},
        overrides={"contact_phone": "+383 44 111 222"},
    )
    english = congress.get_translation(en).specific
    assert (english.title, english.contact_phone) == ("Congress", "+383 44 111 222")
    # A translator is rewriting the title (not published), and the page has a newer
    # draft revision.
    client.force_login(a["users"][TRANSLATOR])
    write(client, translation, {"title": "Congress (unfinished)"})
    english.title = "Congress (draft)"
    english.save_revision()

    # The editor moves the congress by a day and changes its links and numbers.
    later = START + datetime.timedelta(days=1)
    congress.start_at, congress.end_at = later, later + datetime.timedelta(hours=4)
    congress.venue_postal_code = "10010"
    congress.contact_phone = "+383 38 999 999"
    stream = json.loads(json.dumps(congress.livestreams.raw_data[:], default=str))
    stream[0]["value"]["url"] = NEW_STREAM
    congress.livestreams = stream
    publish(congress)

    english = congress.get_translation(en).specific
    assert english.live and english.start_at == later and english.venue_postal_code == "10010"
    assert english.contact_phone == "+383 44 111 222"  # overridden by the translation
    livestream = english.livestreams[0].value
    assert (livestream["url"], livestream["label"]) == (NEW_STREAM, "Main")
    assert english.title == "Congress"  # nothing unfinished went live
    assert "Congress (unfinished)" not in public(english.url)
    assert StringTranslation.objects.filter(data="Congress (unfinished)").exists()
    assert english.has_unpublished_changes
    draft = english.get_latest_revision_as_object()
    assert (draft.title, draft.start_at) == ("Congress (draft)", later)

    # When the translator publishes later, the new time stays.
    with django_capture_on_commit_callbacks(execute=True):
        edit = reverse("wagtailadmin_pages:edit", args=[english.pk])
        assert client.post(edit, {"action": "publish"}).status_code == 302
    english.refresh_from_db()
    assert (english.title, english.start_at) == ("Congress (unfinished)", later)


def test_publishing_the_source_brings_demand_numbers_to_the_live_translation(orgs, en):
    page, _english = make_campaign(orgs["a"]["org"], demands=1)
    live_translation(page, en, {"Kërkesa 1": "Demand 1"})
    demand = page.demands.get()
    demand.target_value = Decimal(25)
    page.demands = [demand]
    publish(page)
    english = page.get_translation(en).specific.demands.get()
    assert (english.title, english.target_value) == ("Demand 1", Decimal(25))


def test_publishing_outcomes_and_speakers_brings_their_values_to_the_translations(orgs, en):
    congress = make_congress(orgs["a"]["org"], en)
    outcome = Outcome(
        congress=congress, kind=OutcomeKind.RESOLUTION, title="Rezoluta", locale=congress.locale
    )
    outcome.save()
    outcome.save_revision().publish()
    live_translation(outcome, en, {"Rezoluta": "Resolution"})
    later = START + datetime.timedelta(hours=2)
    outcome.happened_at, outcome.number = later, 7
    outcome.save_revision().publish()
    english = Outcome.objects.get(translation_key=outcome.translation_key, locale=en)
    assert (english.title, english.number, english.happened_at) == ("Resolution", 7, later)

    speaker = Speaker.objects.create(
        site=orgs["a"]["org"].site, name="Arta", role="Koordinatore", locale=congress.locale
    )
    live_translation(speaker, en, {"Koordinatore": "Coordinator"})
    speaker.name = "Arta Krasniqi"
    speaker.save()
    english = Speaker.objects.get(translation_key=speaker.translation_key, locale=en)
    assert (english.name, english.role) == ("Arta Krasniqi", "Coordinator")


def test_translators_translate_their_own_organisations_outcomes_and_speakers(
    client, orgs, en, django_capture_on_commit_callbacks
):
    translator = orgs["a"]["users"][TRANSLATOR]
    records = {}
    for key in ("a", "b"):
        congress = make_congress(orgs[key]["org"], en)
        outcome = Outcome(
            congress=congress,
            kind=OutcomeKind.RESOLUTION,
            title=f"Rezoluta {key}",
            locale=congress.locale,
        )
        outcome.save()
        outcome.save_revision().publish()
        speaker = Speaker.objects.create(
            site=orgs[key]["org"].site, name=f"Folësi {key}", role="Anëtar", locale=congress.locale
        )
        records[key] = {"outcome": outcome, "speaker": speaker}

    client.force_login(translator)
    listing = client.get(reverse("wagtailsnippets_congress_outcome:list")).content.decode()
    assert "Rezoluta a" in listing and "Rezoluta b" not in listing
    assert snippet_submit_url(records["a"]["outcome"]) in listing  # "Translate"
    listing = client.get(reverse("wagtailsnippets_congress_speaker:list")).content.decode()
    assert "Folësi a" in listing and "Folësi b" not in listing
    assert snippet_submit_url(records["a"]["speaker"]) in listing
    for record in records["b"].values():
        assert client.get(snippet_submit_url(record)).status_code == 403
        assert submit(client, snippet_submit_url(record), en).status_code == 403
        assert record.get_translation_or_none(en) is None
    # The Albanian ones are seen, not changed.
    own = records["a"]["outcome"]
    assert denied(client.get(reverse("wagtailsnippets_congress_outcome:edit", args=[own.pk])))

    for kind, record in records["a"].items():
        assert submit(client, snippet_submit_url(record), en).status_code == 302
        english = record.get_translation(en)
        if kind == "outcome":
            assert not english.live  # a new translation is a draft
        translation = Translation.objects.get(
            source__object_id=record.translation_key, target_locale=en
        )
        path = "title" if kind == "outcome" else "role"
        write(client, translation, {path: "Resolution a" if kind == "outcome" else "Member"})
        edit = reverse(f"wagtailsnippets_congress_{kind}:edit", args=[english.pk])
        html = client.get(edit).content.decode()
        assert offers_publish(html), kind
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(edit, {"action": "publish"}).status_code == 302
        english.refresh_from_db()
        assert getattr(english, path) == ("Resolution a" if kind == "outcome" else "Member")
    assert records["a"]["outcome"].get_translation(en).live
    # Another organisation's translation stays shut to A's translator.
    b_outcome = records["b"]["outcome"]
    live_translation(b_outcome, en, {})
    b_english = b_outcome.get_translation(en)
    published = b_english.live_revision_id
    edit = reverse("wagtailsnippets_congress_outcome:edit", args=[b_english.pk])
    assert denied(client.get(edit))
    assert denied(client.post(edit, {"action": "publish"}))
    b_english.refresh_from_db()
    assert b_english.live_revision_id == published


def test_translators_translate_progress_updates(client, orgs, en):
    a = orgs["a"]
    page, _english = make_campaign(a["org"], demands=1)
    update = ProgressUpdate.objects.create(
        demand=page.demands.get(),
        locale=page.locale,
        date=datetime.date(2021, 1, 1),
        status="stalled",
        value=3,
        note="Shënim",
    )
    client.force_login(a["users"][TRANSLATOR])
    assert submit(client, snippet_submit_url(update), en).status_code == 302
    english = update.get_translation(en)
    edit = reverse("wagtailsnippets_movement_progressupdate:edit", args=[english.pk])
    assert client.get(edit).status_code == 200
    source_edit = reverse("wagtailsnippets_movement_progressupdate:edit", args=[update.pk])
    assert denied(client.get(source_edit))


def test_existing_groups_get_what_the_roles_hold_now(orgs):
    """Run by every ``migrate`` (post_migrate), so an installation's groups get a
    permission added to a role."""
    editors = orgs["a"]["groups"][EDITOR]
    editors.permissions.remove(editors.permissions.get(codename="submit_translation"))
    complete_site_roles()
    assert editors.permissions.filter(codename="submit_translation").exists()
