"""A campaign's demands (inline rows of the page) are stored once, however often and
however concurrently the editor's form is sent: an autosave racing "Save draft" or
"Publish", or "Publish" pressed twice, leave the rows of one form, in the source
language and, once wagtail-localize has synced it, in the translation.

How duplicates arose: a newly added demand's row carries no id until the autosave's
answer puts it into the open form. A second submission of the form without it (the
"Save draft" sent before the answer arrived) was applied to the page as the first
submission left it, whose rows were stored by then: django-modelcluster kept those
(the form did not mention them) and added the form's rows again. The admin's form
lists every row, so rows it does not mention are now dropped
(``home.panels.CompleteChildFormSet``). Saves at once take turns: ``Page.save`` is
one transaction that updates the page's row (and so locks it) before it replaces
the rows.
"""

import multiprocessing
import re
import time

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from wagtail.models import Locale
from wagtail_localize.models import Translation, TranslationSource

from movement.models import CampaignIndexPage, CampaignPage, Demand
from tests.conftest import publish
from tests.home.admin_forms import demand_rows, form_data

TITLES = ("Kërkesa e parë", "Kërkesa e dytë")
AUTOSAVE = {"HTTP_ACCEPT": "application/json"}  # how Wagtail's autosave posts the form


@pytest.fixture
def editor(db, django_user_model):
    return django_user_model.objects.create_superuser(
        "redaktor", "redaktor@example.org", "a-long-test-password-1"
    )


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def make_campaign(org, live):
    """A campaign without demands, with its English translation made by
    wagtail-localize (kept in sync with the Albanian source)."""
    index = CampaignIndexPage(title="Fushatat", slug="fushatat")
    org.home_sq.add_child(instance=index)
    publish(index)
    page = CampaignPage(
        title="Vota ime ka peshë",
        slug="vota-ime",
        statement_consent_text="Pajtohem.",
        statement_goal=100,
        live=False,
    )
    index.add_child(instance=page)
    page.save_revision()
    source, _ = TranslationSource.get_or_create_from_instance(index)
    Translation.objects.create(
        source=source, target_locale=Locale.objects.get(language_code="en")
    ).save_target(publish=True)
    source, _ = TranslationSource.get_or_create_from_instance(page)
    Translation.objects.create(
        source=source, target_locale=Locale.objects.get(language_code="en")
    ).save_target(publish=live)
    if live:
        publish(page)
    return CampaignPage.objects.get(pk=page.pk)


def edit_form(page, action=None, demand_ids=()):
    """The editor's form as loaded for ``page``, with the two demands added (new rows
    without ids) or, given their ids, as the edit view shows them after a save."""
    page.refresh_from_db()
    data = form_data(
        CampaignPage,
        page.draft_title,
        page.slug,
        action=action,
        demands=demand_rows(*TITLES, ids=demand_ids),
    )
    if page.latest_revision_id:
        data["loaded_revision_id"] = str(page.latest_revision_id)
        data["loaded_revision_created_at"] = page.latest_revision.created_at.isoformat()
    return data


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def publish_from_the_editor(client, page):
    """Open the editor (as after a save) and press "Publish" on the form it shows."""
    response = client.get(edit_url(page))
    assert response.status_code == 200
    ids = [form.instance.pk for form in response.context["form"].formsets["demands"].forms]
    response = client.post(edit_url(page), edit_form(page, "publish", demand_ids=ids))
    assert response.status_code == 302, response.content.decode()[:2000]


def sync_translation(page):
    """What "Sync translated pages" does: the source is read again and the
    translation saved from it."""
    source = TranslationSource.objects.get_for_instance(page)
    source.update_from_db()
    for translation in Translation.objects.filter(source=source):
        translation.save_target(publish=True)
    english = page.get_translation(Locale.objects.get(language_code="en"))
    if not english.live:
        # wagtail-localize publishes on commit; a test without transaction=True
        # never commits.
        english.get_latest_revision().publish()


def assert_two_demands_in_each_language(page):
    page = CampaignPage.objects.get(pk=page.pk)
    assert page.live
    assert list(page.demands.values_list("title", flat=True)) == list(TITLES)
    english = page.get_translation(Locale.objects.get(language_code="en"))
    assert english.live
    rows = list(english.demands.all())
    assert len(rows) == 2
    assert {row.translation_key for row in rows} == set(
        page.demands.values_list("translation_key", flat=True)
    )
    assert Demand.objects.count() == 4  # two rows in each language, nothing left over
    # The public pages show each demand once.
    for public in (page, english):
        html = Client().get(public.url).content.decode()
        shown = re.findall(r'<article class="demand [^"]*" id="(demand-\d+)"', html)
        assert shown == ["demand-1", "demand-2"]


@pytest.mark.parametrize("live", [False, True], ids=["draft", "live"])
def test_the_same_form_sent_twice_then_published(org, editor, live):
    """Autosave, then "Save draft" of the same form (the autosave's answer, with the
    new rows' ids, not yet in the form): one set of demands."""
    page = make_campaign(org, live)
    client = client_for(editor)
    response = client.post(edit_url(page), edit_form(page), **AUTOSAVE)
    assert response.json()["success"] is True
    response = client.post(edit_url(page), edit_form(page))
    assert response.status_code == 302
    assert page.demands.count() == (0 if live else 2)  # a live page's drafts are revisions

    publish_from_the_editor(client, page)
    sync_translation(page)
    assert_two_demands_in_each_language(page)


def send_at_once(page, user, *submissions):
    """Post the same form from several browsers at once: each from its own process
    (as gunicorn's workers are; Wagtail's form validation is not thread-safe), with
    its own database connection. Saving a demand is slowed down, so that the saves
    overlap whatever the machine's speed. Returns the answers' status codes."""
    forms = [(edit_form(page, action), headers) for action, headers in submissions]
    clients = [client_for(user) for _form in forms]
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(forms))
    answers = context.Queue()
    connections.close_all()  # each process opens its own

    def send(client, data, headers):
        # A connection some earlier code of this process left open is the parent's
        # (and the other child's): forget it unclosed, and open one of our own.
        for connection in connections.all(initialized_only=True):
            connection.connection = None
        save = Demand.save

        def slow_save(demand, *args, **kwargs):
            time.sleep(0.2)
            return save(demand, *args, **kwargs)

        Demand.save = slow_save
        try:
            start.wait()
            answers.put(client.post(edit_url(page), data, **headers).status_code)
        except Exception as error:  # noqa: BLE001 - reported by the test
            answers.put(repr(error))
        finally:
            connections.close_all()

    processes = [
        context.Process(target=send, args=(client, data, headers))
        for client, (data, headers) in zip(clients, forms, strict=True)
    ]
    for process in processes:
        process.start()
    results = [answers.get(timeout=120) for _process in processes]
    for process in processes:
        process.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "live,submissions",
    [
        (False, [(None, AUTOSAVE), (None, {})]),  # autosave races "Save draft"
        (False, [(None, AUTOSAVE), ("publish", {})]),  # autosave races "Publish"
        (True, [("publish", {}), ("publish", {})]),  # "Publish" pressed in two tabs
    ],
    ids=["draft-autosave-and-save", "draft-autosave-and-publish", "live-publish-twice"],
)
def test_the_same_form_sent_at_once_then_published(org, editor, live, submissions):
    page = make_campaign(org, live)
    for _round in range(2):
        answers = send_at_once(page, editor, *submissions)
        assert set(answers) <= {200, 302}, answers
        assert page.demands.count() in (0, 2)  # never both forms' rows

    publish_from_the_editor(client_for(editor), page)
    sync_translation(page)
    assert_two_demands_in_each_language(page)
