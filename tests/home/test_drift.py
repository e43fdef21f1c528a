"""Translations that lack their source's current text: the list (home/drift.py), the
report and its door, the notices on edit screens, and the weekly email."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale, Page
from wagtail.users.models import UserProfile
from wagtail_localize.models import (
    StringSegment,
    StringTranslation,
    Translation,
    TranslationSource,
)

from home import drift
from home.demo import translate_page
from home.models import SiteRole, StandardPage
from home.roles import ensure_site_roles
from tests.conftest import publish

pytestmark = pytest.mark.django_db


def english(text):
    return f"EN {text}"


def localize(instance, code="en"):
    """The translation of ``instance`` into ``code`` by wagtail-localize, every string
    translated (``english``) and published."""
    source, _ = TranslationSource.update_or_create_from_instance(instance)
    pairs = {
        segment.string.data: english(segment.string.data)
        for segment in StringSegment.objects.filter(source=source).select_related("string")
    }
    return translate_page(instance, code, pairs)


def bring_up_to_date(instance, django_capture_on_commit_callbacks, code="en"):
    """Translate what is missing and publish the translation, as the editor does."""
    locale = Locale.objects.get(language_code=code)
    source = TranslationSource.objects.get(
        object_id=instance.translation_key, locale_id=instance.locale_id
    )
    for segment in StringSegment.objects.filter(source=source).select_related("string", "context"):
        StringTranslation.objects.get_or_create(
            translation_of=segment.string,
            locale=locale,
            context=segment.context,
            defaults={
                "data": english(segment.string.data),
                "translation_type": StringTranslation.TRANSLATION_TYPE_MANUAL,
            },
        )
    translation = Translation.objects.get(source=source, target_locale=locale)
    with django_capture_on_commit_callbacks(execute=True):
        translation.save_target(publish=True)


@pytest.fixture
def en(en_locale):
    return en_locale


@pytest.fixture
def two_orgs(make_org):
    a = make_org("org-a.example", "Organizata A", "Organisation A", default=True)
    b = make_org("org-b.example", "Organizata B", "Organisation B")
    return a, b


def add_page(org, title="Rreth nesh", slug="rreth-nesh", intro="Hyrje"):
    page = StandardPage(title=title, slug=slug, intro=intro)
    org.home_sq.add_child(instance=page)
    publish(page)
    translated = localize(page)
    return page, translated


def change_intro(page, intro):
    page = Page.objects.get(pk=page.pk).specific
    page.intro = intro
    publish(page)  # home.translations.propagate refreshes the source
    return page


def user_with(org, role, username, django_user_model, language=None, **extra):
    groups = ensure_site_roles(org.site)
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "x", **extra)
    user.groups.add(groups[role])
    if language:
        speaks(user, language)
    return user


def speaks(user, language):
    """``user`` chose ``language`` for the admin."""
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    return user


# The list -------------------------------------------------------------------------


def test_every_translatable_snippet_of_an_organisation_is_checked():
    from congress.snippets import Outcome, Speaker
    from movement.models import ProgressUpdate
    from movement.records import CandidateRecord

    models = {model for model, _policy in drift.translatable_snippet_models()}
    assert models >= {CandidateRecord, ProgressUpdate, Speaker, Outcome}


def test_a_fresh_translation_is_up_to_date(two_orgs, en):
    a, _b = two_orgs
    add_page(a)
    assert drift.out_of_date(a.site, en) == []


def test_a_changed_source_lists_its_translation_until_it_is_brought_up_to_date(
    two_orgs, en, django_capture_on_commit_callbacks
):
    a, b = two_orgs
    page, translated = add_page(a)
    before = timezone.now()
    page = change_intro(page, "Hyrje e re")
    [item] = drift.out_of_date(a.site, en)
    assert item.object == translated
    assert item.source == page
    assert item.missing == 1
    assert item.published
    assert item.source_changed_at >= before
    assert item.edit_url == reverse("wagtailadmin_pages:edit", args=[translated.pk])
    assert item.type_label == StandardPage._meta.verbose_name
    # the live translation still has the old text
    assert Page.objects.get(pk=translated.pk).specific.intro == english("Hyrje")
    # another organisation's list is not concerned
    assert drift.out_of_date(b.site, en) == []

    # translated in translation memory but not published: still out of date
    source = TranslationSource.objects.get(object_id=page.translation_key, locale=page.locale)
    segment = StringSegment.objects.get(source=source, string__data="Hyrje e re")
    StringTranslation.objects.create(
        translation_of=segment.string,
        locale=en,
        context=segment.context,
        data="New introduction",
        translation_type=StringTranslation.TRANSLATION_TYPE_MANUAL,
    )
    [item] = drift.out_of_date(a.site, en)
    assert item.missing == 1

    bring_up_to_date(page, django_capture_on_commit_callbacks)
    assert Page.objects.get(pk=translated.pk).specific.intro == "New introduction"
    assert drift.out_of_date(a.site, en) == []


def test_a_translation_started_as_a_draft_counts_once_published(
    two_orgs, en, django_capture_on_commit_callbacks
):
    a, _b = two_orgs
    page = StandardPage(title="Rreth nesh", slug="rreth-nesh", intro="Hyrje")
    a.home_sq.add_child(instance=page)
    publish(page)
    source, _ = TranslationSource.get_or_create_from_instance(page)
    translation = Translation.objects.create(source=source, target_locale=en)
    segments = StringSegment.objects.filter(source=source).select_related("string", "context")
    for segment in segments:
        StringTranslation.objects.get_or_create(  # the slug follows the title by itself
            translation_of=segment.string,
            locale=en,
            context=segment.context,
            defaults={
                "data": english(segment.string.data),
                "translation_type": StringTranslation.TRANSLATION_TYPE_MANUAL,
            },
        )
    translation.save_target(publish=False)  # as starting a translation does: a draft
    [item] = drift.out_of_date(a.site, en)
    # the title and the introduction wait; the slug is written by the project itself
    assert not item.published and item.missing == len(segments) - 1 == 2
    with django_capture_on_commit_callbacks(execute=True):
        page.get_translation(en).get_latest_revision().publish()
    assert drift.out_of_date(a.site, en) == []


def test_the_count_is_the_number_of_changed_strings(two_orgs, en):
    a, _b = two_orgs
    page, _translated = add_page(a)
    page = Page.objects.get(pk=page.pk).specific
    page.intro = "Hyrje tjetër"
    page.title = "Rreth nesh sot"
    publish(page)
    [item] = drift.out_of_date(a.site, en)
    assert item.missing == 2  # the title and the introduction; the slug stayed


def test_a_translation_edited_since_it_was_written_is_out_of_date(two_orgs, en):
    a, _b = two_orgs
    page, _translated = add_page(a)
    string = StringTranslation.objects.get(locale=en, data=english("Hyrje"))
    later = timezone.now() + datetime.timedelta(minutes=5)
    StringTranslation.objects.filter(pk=string.pk).update(data="Changed", updated_at=later)
    [item] = drift.out_of_date(a.site, en)
    assert item.missing == 1


def test_a_snippet_translation_is_listed_with_its_snippet_edit_url(two_orgs, en):
    from congress.snippets import Speaker

    a, b = two_orgs
    speaker = Speaker.objects.create(
        site=a.site, name="Arta", role="Kryetare", bio="Jetëshkrimi", locale=a.home_sq.locale
    )
    translated = localize(speaker)
    assert drift.out_of_date(a.site, en) == []
    speaker.bio = "Jetëshkrimi i ri"
    speaker.save()  # a snippet without drafts is live as it is saved
    [item] = drift.out_of_date(a.site, en)
    assert item.object == translated and item.source == speaker
    assert item.missing == 1
    assert item.edit_url == reverse("wagtailsnippets_congress_speaker:edit", args=[translated.pk])
    assert drift.out_of_date(b.site, en) == []


def test_an_outcome_with_drafts_counts_once_published(
    two_orgs, en, django_capture_on_commit_callbacks
):
    from congress.constants import OutcomeKind
    from congress.models import CongressIndexPage, CongressPage
    from congress.snippets import Outcome

    a, _b = two_orgs
    index = CongressIndexPage(title="Kongreset", slug="kongreset")
    a.home_sq.add_child(instance=index)
    publish(index)
    localize(index)
    start = timezone.now() + datetime.timedelta(days=30)
    congress = CongressPage(
        title="Kongresi",
        slug="kongresi",
        start_at=start,
        end_at=start + datetime.timedelta(hours=4),
        venue_name="Salla",
    )
    index.add_child(instance=congress)
    publish(congress)
    localize(congress)
    outcome = Outcome(
        congress=congress, locale=congress.locale, kind=OutcomeKind.RESOLUTION, text="Teksti"
    )
    outcome.save()
    outcome.save_revision().publish()
    with django_capture_on_commit_callbacks(execute=True):
        translated = localize(outcome)  # wagtail-localize publishes it on commit
    assert drift.out_of_date(a.site, en) == []

    outcome = Outcome.objects.get(pk=outcome.pk)
    outcome.text = "Teksti i ri"
    outcome.save_revision()  # a draft of the source: nothing changes yet
    assert drift.out_of_date(a.site, en) == []
    outcome.get_latest_revision().publish()
    [item] = drift.out_of_date(a.site, en)
    assert item.object == translated and item.missing == 1 and item.published
    assert item.edit_url == reverse("wagtailsnippets_congress_outcome:edit", args=[translated.pk])


def test_few_queries_for_many_pages(two_orgs, en, django_assert_max_num_queries):
    a, _b = two_orgs
    pages = [add_page(a, f"Faqja {n}", f"faqja-{n}", f"Hyrje {n}")[0] for n in range(6)]
    for page in pages:
        change_intro(page, f"{page.intro} e re")
    with django_assert_max_num_queries(20):
        found = drift.out_of_date(a.site, en)
    assert len(found) == 6 and {item.missing for item in found} == {1}


# The report and its door ----------------------------------------------------------


REPORT = "home_drift_report"


def test_report_lists_the_translation_with_count_date_and_button(
    client, two_orgs, en, django_user_model
):
    a, _b = two_orgs
    page, translated = add_page(a)
    change_intro(page, "Hyrje e re")
    client.force_login(user_with(a, SiteRole.TRANSLATOR, "perkthyesi", django_user_model))
    response = client.get(reverse(REPORT))
    assert response.status_code == 200
    html = response.content.decode()
    assert "EN Rreth nesh" in html
    edit = reverse("wagtailadmin_pages:edit", args=[translated.pk])
    assert f'href="{edit}"' in html
    [item] = response.context["object_list"]
    assert item.missing == 1
    assert "Translate" in html or "Përkthe" in html
    # The spreadsheet download holds the same row, with the link in full.
    download = client.get(reverse(REPORT) + "?export=csv")
    csv = b"".join(download.streaming_content).decode("utf-8-sig")
    header, row = csv.strip().splitlines()
    assert "EN Rreth nesh" in row and f"http://testserver{edit}" in row and ",1," in row


def test_report_in_albanian(client, two_orgs, en, django_user_model):
    a, _b = two_orgs
    page, _translated = add_page(a)
    change_intro(page, "Hyrje e re")
    client.force_login(user_with(a, SiteRole.EDITOR, "redaktori", django_user_model, "sq"))
    html = client.get(reverse(REPORT)).content.decode()
    assert "Përkthime të vjetruara" in html
    assert "Përkthe" in html


def test_each_organisation_sees_only_its_own(client, two_orgs, en, django_user_model):
    a, b = two_orgs
    page_a, _ = add_page(a, "Faqja A", "faqja-a", "Hyrje A")
    page_b, _ = add_page(b, "Faqja B", "faqja-b", "Hyrje B")
    change_intro(page_a, "A e re")
    change_intro(page_b, "B e re")
    client.force_login(user_with(a, SiteRole.TRANSLATOR, "ana", django_user_model))
    html = client.get(reverse(REPORT)).content.decode()
    assert "EN Faqja A" in html and "EN Faqja B" not in html
    # another organisation's site in the URL: not found
    assert client.get(reverse(REPORT), {"site": b.site.pk}).status_code == 404
    assert client.get(reverse(REPORT) + "results/", {"site": b.site.pk}).status_code == 404
    assert client.get(reverse(REPORT), {"site": "x"}).status_code == 404
    own = client.get(reverse(REPORT), {"site": a.site.pk, "language": en.pk})
    assert own.status_code == 200 and "EN Faqja A" in own.content.decode()
    # the superuser sees both
    admin = django_user_model.objects.create_superuser("admin", "admin@example.org", "x")
    client.force_login(admin)
    html = client.get(reverse(REPORT)).content.decode()
    assert "EN Faqja A" in html and "EN Faqja B" in html
    html = client.get(reverse(REPORT), {"site": b.site.pk}).content.decode()
    assert "EN Faqja A" not in html and "EN Faqja B" in html


def test_only_editors_translators_and_superusers_open_the_report(
    client, two_orgs, django_user_model
):
    a, _b = two_orgs
    client.force_login(user_with(a, SiteRole.MEMBERSHIP_OFFICER, "zyrtari", django_user_model))
    assert client.get(reverse(REPORT)).status_code in (302, 403)
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse(REPORT) not in menu
    client.force_login(user_with(a, SiteRole.EDITOR, "redaktori", django_user_model))
    assert client.get(reverse(REPORT)).status_code == 200
    assert reverse(REPORT) in client.get(reverse("wagtailadmin_home")).content.decode()
    client.logout()
    assert client.get(reverse(REPORT)).status_code == 302  # to the login


# Notices on the edit screens ------------------------------------------------------

LOCALIZE_EDITOR = "wagtail_localize/admin/edit_translation.html"


def test_the_translations_edit_screen_says_the_source_changed(
    client, two_orgs, en, django_user_model
):
    a, _b = two_orgs
    page, translated = add_page(a)
    change_intro(page, "Hyrje e re")
    translator = user_with(a, SiteRole.TRANSLATOR, "perkthyesi", django_user_model, "en")
    client.force_login(translator)
    url = reverse("wagtailadmin_pages:edit", args=[translated.pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert LOCALIZE_EDITOR in [t.name for t in response.templates]
    assert "The source of this translation changed on" in html
    assert "1 text awaits translation" in html
    speaks(translator, "sq")
    html = client.get(url).content.decode()
    assert "Burimi i këtij përkthimi u ndryshua më" in html
    assert "1 tekst pret përkthimin" in html


def test_the_sources_edit_screen_names_the_translations_out_of_date(
    client, two_orgs, en, django_user_model
):
    a, _b = two_orgs
    page, _translated = add_page(a)
    client.force_login(user_with(a, SiteRole.EDITOR, "redaktori", django_user_model, "en"))
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    html = client.get(url).content.decode()
    assert "When you publish a change to the text, these translations are out of date" in html
    change_intro(page, "Hyrje e re")
    html = client.get(url).content.decode()
    assert "These translations lack this text" in html
    assert "English (1 text awaits translation)" in html


def test_snippet_edit_screens_say_so_too(client, two_orgs, en, django_user_model):
    from congress.snippets import Speaker

    a, _b = two_orgs
    speaker = Speaker.objects.create(
        site=a.site, name="Arta", role="Kryetare", bio="Jetëshkrimi", locale=a.home_sq.locale
    )
    translated = localize(speaker)
    speaker.bio = "Jetëshkrimi i ri"
    speaker.save()
    admin = django_user_model.objects.create_superuser("admin", "admin@example.org", "x")
    client.force_login(speaks(admin, "en"))
    response = client.get(reverse("wagtailsnippets_congress_speaker:edit", args=[translated.pk]))
    assert LOCALIZE_EDITOR in [t.name for t in response.templates]
    assert "The source of this translation changed on" in response.content.decode()
    html = client.get(
        reverse("wagtailsnippets_congress_speaker:edit", args=[speaker.pk])
    ).content.decode()
    assert "English (1 text awaits translation)" in html


# The weekly email -----------------------------------------------------------------


def test_digest_is_sent_once_per_translator_in_their_language(two_orgs, en, django_user_model):
    a, b = two_orgs
    page, translated = add_page(a)
    change_intro(page, "Hyrje e re")
    page_b, _ = add_page(b, "Faqja B", "faqja-b", "Hyrje B")
    change_intro(page_b, "B e re")
    user_with(a, SiteRole.TRANSLATOR, "drita", django_user_model, "sq")
    user_with(a, SiteRole.TRANSLATOR, "john", django_user_model, "en")
    user_with(a, SiteRole.TRANSLATOR, "nomail", django_user_model).__class__.objects.filter(
        username="nomail"
    ).update(email="")
    user_with(a, SiteRole.TRANSLATOR, "gone", django_user_model, is_active=False)
    user_with(a, SiteRole.EDITOR, "editor", django_user_model)
    user_with(b, SiteRole.TRANSLATOR, "other", django_user_model)

    call_command("translation_digest")
    assert mail.outbox == []  # no organisation asked for it

    a.settings.translation_digest = True
    a.settings.save()
    call_command("translation_digest")
    assert sorted(m.to[0] for m in mail.outbox) == ["drita@example.org", "john@example.org"]
    by_address = {m.to[0]: m for m in mail.outbox}
    link = "http://localhost:8000" + reverse("wagtailadmin_pages:edit", args=[translated.pk])
    for message in mail.outbox:
        assert link in message.body
        assert "EN Rreth nesh" in message.body
        assert "Faqja B" not in message.body
    assert "1 translation is out of date" in by_address["john@example.org"].subject
    assert "1 text awaits translation" in by_address["john@example.org"].body
    assert by_address["drita@example.org"].subject == "1 përkthim është i vjetruar"
    assert "Përshëndetje drita," in by_address["drita@example.org"].body
    assert "1 tekst pret përkthimin" in by_address["drita@example.org"].body


def test_a_refused_digest_does_not_stop_the_others(two_orgs, en, django_user_model, monkeypatch):
    import smtplib

    from django.core.mail import EmailMessage
    from django.core.management.base import CommandError

    a, _b = two_orgs
    page, _translated = add_page(a)
    change_intro(page, "Hyrje e re")
    user_with(a, SiteRole.TRANSLATOR, "drita", django_user_model, "sq")
    user_with(a, SiteRole.TRANSLATOR, "john", django_user_model, "en")
    a.settings.translation_digest = True
    a.settings.save()
    send = EmailMessage.send

    def refuse_drita(message, *args, **kwargs):
        if message.to == ["drita@example.org"]:
            raise smtplib.SMTPRecipientsRefused({"drita@example.org": (550, b"no")})
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", refuse_drita)
    with pytest.raises(CommandError, match="1 email"):
        call_command("translation_digest")
    assert [m.to for m in mail.outbox] == [["john@example.org"]]


def test_no_digest_when_nothing_is_out_of_date(
    two_orgs, en, django_user_model, django_capture_on_commit_callbacks
):
    a, _b = two_orgs
    page, _translated = add_page(a)
    user_with(a, SiteRole.TRANSLATOR, "drita", django_user_model)
    a.settings.translation_digest = True
    a.settings.save()
    call_command("translation_digest")
    assert mail.outbox == []
    change_intro(page, "Hyrje e re")
    call_command("translation_digest")
    assert len(mail.outbox) == 1
    bring_up_to_date(page, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    call_command("translation_digest")
    assert mail.outbox == []


def test_the_demo_content_is_up_to_date(db, monkeypatch, tmp_path, settings):
    """Every translation the demo makes has its source's text, published."""
    import io

    from wagtail.models import Site

    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-for-tests")
    call_command("load_demo", stdout=io.StringIO())
    found = drift.out_of_date_for_sites(Site.objects.all())
    assert found  # every site and language of the demo was looked at
    stale = [
        (site.hostname, locale.language_code, item)
        for site, locale, items in found
        for item in items
    ]
    assert stale == []
