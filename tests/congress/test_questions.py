"""Questions and comments to a congress: the public form, what the congress page
shows, the live list, and moderation by event staff of the congress's own site."""

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from congress import question_flow
from congress.questions import Question
from home.models import SiteRole
from tests.conftest import publish
from tests.congress.conftest import kosovo, session
from tests.congress.test_permissions import staff_user, two_sites  # noqa: F401 - fixture
from tests.membership.conftest import old_token

START = kosovo(2030, 5, 23, 10, 0)


def agenda(*titles):
    blocks = []
    for number, title in enumerate(titles, start=1):
        block = session(title, start=f"{9 + number}:00", end=f"{10 + number}:00")
        block["id"] = f"session-{number}"
        blocks.append(block)
    return json.dumps(blocks)


@pytest.fixture
def congress(make_congress, clock):
    clock.set(START - timedelta(days=3))
    page, page_en = make_congress(
        start=START, hours=6, questions_enabled=True, agenda=agenda("Hapja", "Shëndetësia")
    )
    page_en.agenda = agenda("Opening", "Health")
    publish(page_en)
    return page, page_en


def question_data(**overrides):
    data = {
        "session": "session-2",
        "name": "Arta Shembulli",
        "speaks_as": "self",
        "organisation": "",
        "text": "Si do të financohen qendrat e mjekësisë familjare?",
        "website": "",
        "form_time": old_token(),
    }
    data.update(overrides)
    return data


def form_url(page):
    return page.url + "questions/"


def post(client, org, page, data):
    return client.post(form_url(page), data, HTTP_HOST=org.hostname)


def get(client, org, url):
    response = client.get(url, HTTP_HOST=org.hostname)
    return response, response.content.decode()


def approved(page, **fields):
    values = {"text": "Pyetje", "name": "Besa", "status": Question.Status.APPROVED}
    values.update(fields)
    return Question.objects.create(congress=page, **values)


# -- the form ---------------------------------------------------------------------


def test_form_lists_the_sessions_in_the_page_language(client, org, congress):
    page, page_en = congress
    response, html = get(client, org, form_url(page))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert "Hapja" in html and "Shëndetësia" in html and 'value="session-2"' in html
    _, html_en = get(client, org, form_url(page_en))
    assert "Health" in html_en and "Shëndetësia" not in html_en
    assert "The congress as a whole" in html_en
    # Spam traps of the public forms.
    assert 'name="website"' in html and 'name="form_time"' in html


def test_no_form_when_questions_are_off(client, org, make_congress, clock):
    clock.set(START - timedelta(days=3))
    page, _ = make_congress(start=START)
    assert client.get(form_url(page), HTTP_HOST=org.hostname).status_code == 404
    assert post(client, org, page, question_data()).status_code == 404
    assert not Question.objects.exists()


def test_a_question_is_stored_pending_on_the_first_version(client, org, congress):
    page, page_en = congress
    response = post(client, org, page_en, question_data(text="How will clinics be funded?"))
    assert response.status_code == 302
    assert response["Location"].endswith("questions/?sent=1")
    question = Question.objects.get()
    assert question.congress_id == page.pk  # the first version, whatever the language
    assert question.language == "en"
    assert question.session == "session-2"
    assert question.status == Question.Status.PENDING
    assert question.name == "Arta Shembulli" and question.organisation == ""
    _, html = get(client, org, response["Location"])
    assert "once our team approves it" in html


def test_anonymous_question_keeps_no_name(client, org, congress):
    page, _ = congress
    post(client, org, page, question_data(anonymous="on", name="Arta", session=""))
    question = Question.objects.get()
    assert question.name == "" and question.session == ""


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "id_name"),
        ({"speaks_as": "ngo", "organisation": ""}, "id_organisation"),
        ({"speaks_as": "politician", "organisation": ""}, "id_organisation"),
        ({"text": "x" * 2001}, "id_text"),
        ({"text": "   "}, "id_text"),
        ({"session": "not-a-session"}, "id_session"),
        ({"speaks_as": "king"}, "id_speaks_as"),
    ],
)
def test_bad_input_is_explained_and_nothing_stored(client, org, congress, overrides, field):
    page, _ = congress
    response = post(client, org, page, question_data(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert "error-summary" in html
    # The error is linked to its field (aria-describedby) and from the summary.
    assert f'id="{field}_error"' in html
    assert re.search(rf'aria-describedby="[^"]*{field}_error', html) or f"{field}_0" in html
    assert not Question.objects.exists()


def test_errors_are_in_albanian_on_the_albanian_page(client, org, congress):
    page, _ = congress
    html = post(client, org, page, question_data(name="")).content.decode()
    assert "Shkruani emrin tuaj" in html


def test_organisation_is_kept_for_ngos_and_dropped_for_oneself(client, org, congress):
    page, _ = congress
    post(client, org, page, question_data(speaks_as="ngo", organisation="Shoqata X"))
    post(
        client,
        org,
        page,
        question_data(speaks_as="self", organisation="Ignored", form_time=old_token(90)),
    )
    kinds = dict(Question.objects.values_list("speaks_as", "organisation"))
    assert kinds == {"ngo": "Shoqata X", "self": ""}


def test_honeypot_gets_thanks_and_stores_nothing(client, org, congress):
    page, _ = congress
    response = post(client, org, page, question_data(website="http://spam.example"))
    assert response.status_code == 302
    assert not Question.objects.exists()


def test_rate_limit(client, org, congress, settings):
    page, _ = congress
    # No email on a question: only the limit per address (a hall shares one).
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (2, 3600)
    for seconds in (60, 61):
        response = post(client, org, page, question_data(form_time=old_token(seconds)))
        assert response.status_code == 302
    response = post(client, org, page, question_data(form_time=old_token(62)))
    assert response.status_code == 429
    assert Question.objects.count() == 2


def test_open_during_the_congress_and_closed_after(client, org, congress, clock):
    page, _ = congress
    clock.set(START + timedelta(hours=1))
    assert post(client, org, page, question_data()).status_code == 302
    clock.set(START + timedelta(hours=7))
    response = post(client, org, page, question_data(form_time=old_token(70)))
    assert response.status_code == 403
    assert "your question was not saved" in response.content.decode().lower() or (
        "nuk u ruajt" in response.content.decode()
    )
    assert Question.objects.count() == 1
    _, html = get(client, org, form_url(page))
    assert 'name="text"' not in html


# -- the congress page ------------------------------------------------------------


def test_only_approved_questions_show_newest_first_and_by_session(client, org, congress, clock):
    page, page_en = congress
    Question.objects.create(congress=page, text="Ende në pritje", name="Drita")
    Question.objects.create(
        congress=page, text="E refuzuar", name="Fatos", status=Question.Status.REJECTED
    )
    approved(page, text="E para", session="session-1", created_at=START - timedelta(days=5))
    approved(page, text="E dyta", session="", name="", created_at=START - timedelta(days=4))
    _, html = get(client, org, page.url)
    section = html[html.index('id="questions"') :]
    assert "Ende në pritje" not in html and "E refuzuar" not in html
    newest = section[: section.index("congress-questions__by-session")]
    assert newest.index("E dyta") < newest.index("E para")
    assert "Anonim" in section
    by_session = section[section.index("congress-questions__by-session") :]
    assert "Hapja" in by_session
    assert f'href="{form_url(page)}"' in section
    _, html_en = get(client, org, page_en.url)
    assert "E para" in html_en and "Opening" in html_en[html_en.index('id="questions"') :]


def test_visitor_text_is_escaped_everywhere(client, org, congress, clock, django_user_model):
    page, _ = congress
    evil = "<script>alert(1)</script>"
    question = approved(page, text=evil, name=evil, speaks_as="ngo", organisation=evil)
    question_flow.answer(question, "Përgjigja", None)
    clock.set(START + timedelta(hours=1))
    for url in (page.url, page.url + "questions/live/"):
        _, html = get(client, org, url)
        assert evil not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    client.force_login(django_user_model.objects.create_superuser("chef", "chef@example.org", "x"))
    response = client.get(reverse("congress_questions_page", args=[page.pk]))
    assert response.status_code == 200, response.get("Location")
    html = response.content.decode()
    assert evil not in html and "&lt;script&gt;" in html


def test_answered_questions_appear_in_the_outcomes(client, org, congress, clock):
    page, page_en = congress
    question = approved(page, text="A do të ketë transmetim?")
    approved(page, text="Pa përgjigje")
    question_flow.answer(question, "Po, në faqen e kongresit.", None)
    _, html = get(client, org, page.url)
    assert 'id="outcomes"' not in html  # before the congress: no outcomes yet
    assert "Po, në faqen e kongresit." in html  # the answer shows under the question
    clock.set(START + timedelta(hours=7))
    _, html = get(client, org, page.url + "?after=1")
    outcomes = html[html.index('id="outcomes"') : html.index('id="questions"')]
    assert "A do të ketë transmetim?" in outcomes and "Po, në faqen e kongresit." in outcomes
    assert "Pa përgjigje" not in outcomes
    _, html_en = get(client, org, page_en.url + "?after=1")
    assert "Questions answered" in html_en


def test_live_page_refreshes_the_list(client, org, congress, clock):
    page, _ = congress
    clock.set(START + timedelta(hours=1))
    _, html = get(client, org, page.url)
    assert f'data-live-url="{page.url}questions/live/"' in html
    assert 'aria-live="polite"' in html and "congress/questions.js" in html
    approved(page, text="E re gjatë kongresit")
    response, fragment = get(client, org, page.url + "questions/live/")
    assert response.status_code == 200
    assert "E re gjatë kongresit" in fragment and "<html" not in fragment
    assert "max-age=15" in response["Cache-Control"]


def test_the_cached_page_shows_a_question_once_approved(client, org, congress):
    page, _ = congress
    question = Question.objects.create(congress=page, text="Pyetja e re", name="Drita")
    get(client, org, page.url)
    response, html = get(client, org, page.url)
    assert response.get("X-Cache") == "HIT" and "Pyetja e re" not in html
    question_flow.approve(question, None)
    response, html = get(client, org, page.url)
    assert response.get("X-Cache") != "HIT" and "Pyetja e re" in html
    question_flow.reject(question, None)
    _, html = get(client, org, page.url)
    assert "Pyetja e re" not in html


def test_no_live_refresh_before_the_congress(client, org, congress):
    page, _ = congress
    approved(page)
    _, html = get(client, org, page.url)
    assert "data-live-url" not in html and "questions.js" not in html


def test_no_section_without_questions_when_off(client, org, make_congress, clock):
    clock.set(START - timedelta(days=3))
    page, _ = make_congress(start=START)
    _, html = get(client, org, page.url)
    assert 'id="questions"' not in html


def test_turning_questions_off_hides_them(client, org, congress):
    page, _ = congress
    approved(page, text="E publikuar më parë")
    page.questions_enabled = False
    publish(page)
    _, html = get(client, org, page.url)
    assert "E publikuar më parë" not in html and 'id="questions"' not in html
    assert client.get(page.url + "questions/live/", HTTP_HOST=org.hostname).status_code == 404


def test_purge_rejected_after_30_days(congress, clock):
    page, _ = congress
    old = approved(page, status=Question.Status.REJECTED)
    old.moderated_at = START - timedelta(days=31)
    old.save()
    recent = approved(page, status=Question.Status.REJECTED)
    recent.moderated_at = START - timedelta(days=2)
    recent.save()
    kept = approved(page)
    clock.set(START)
    out = io.StringIO()
    call_command("congress_purge", stdout=out)  # the daily job
    assert "1 rejected questions deleted" in out.getvalue()
    assert set(Question.objects.values_list("pk", flat=True)) == {recent.pk, kept.pk}
    assert question_flow.purge_rejected(now=START) == 0


# -- moderation -------------------------------------------------------------------


@pytest.fixture
def questions_ab(two_sites):  # noqa: F811 - the fixture imported above
    page_a, page_b = two_sites["page_a"], two_sites["page_b"]
    for page in (page_a, page_b):
        page.questions_enabled = True
        publish(page)
    return {
        "a": Question.objects.create(congress=page_a, text="Pyetja A", name="Arta"),
        "b": Question.objects.create(congress=page_b, text="Pyetja B", name="Besa"),
        **two_sites,
    }


def action(pk, name):
    return reverse("congress_question_action", args=[pk, name])


def test_staff_moderate_their_own_congress(client, questions_ab):
    client.force_login(staff_user(questions_ab["site_a"]))
    index = client.get(reverse("congress_questions")).content.decode()
    assert questions_ab["page_a"].title in index and "Kongresi i B" not in index
    listing = client.get(reverse("congress_questions_page", args=[questions_ab["page_a"].pk]))
    assert listing.status_code == 200 and "Pyetja A" in listing.content.decode()
    question = questions_ab["a"]
    assert client.post(action(question.pk, "approve")).status_code == 302
    question.refresh_from_db()
    assert question.status == Question.Status.APPROVED and question.moderated_by is not None
    client.post(action(question.pk, "answer"), {"answer": "Përgjigja jonë"})
    question.refresh_from_db()
    assert question.answer == "Përgjigja jonë" and question.is_answered
    client.post(action(question.pk, "answer"), {"answer": "E ndryshuar"})
    question.refresh_from_db()
    assert question.answer == "E ndryshuar"
    client.post(action(question.pk, "answer"), {"answer": ""})
    question.refresh_from_db()
    assert question.answer == "E ndryshuar"  # an empty answer changes nothing
    client.post(action(question.pk, "unanswer"))
    question.refresh_from_db()
    assert not question.is_answered and question.answer == ""
    client.post(action(question.pk, "reject"))
    question.refresh_from_db()
    assert question.status == Question.Status.REJECTED


def test_pending_questions_come_first(client, questions_ab):
    page = questions_ab["page_a"]
    approved(page, text="Publike tashmë", created_at=START)
    client.force_login(staff_user(questions_ab["site_a"]))
    html = client.get(reverse("congress_questions_page", args=[page.pk])).content.decode()
    assert html.index("Pyetja A") < html.index("Publike tashmë")


def test_staff_of_another_site_reach_nothing(client, questions_ab):
    client.force_login(staff_user(questions_ab["site_a"]))
    other = questions_ab["b"]
    assert (
        client.get(reverse("congress_questions_page", args=[questions_ab["page_b"].pk])).status_code
        == 404
    )
    for name in ("approve", "reject", "unanswer"):
        assert client.post(action(other.pk, name)).status_code == 404
    assert client.post(action(other.pk, "answer"), {"answer": "x"}).status_code == 404
    other.refresh_from_db()
    assert other.status == Question.Status.PENDING and not other.is_answered


@pytest.mark.parametrize(
    "role", [SiteRole.EDITOR, SiteRole.TRANSLATOR, SiteRole.MEMBERSHIP_OFFICER]
)
def test_other_roles_are_refused(client, questions_ab, role):
    client.force_login(staff_user(questions_ab["site_a"], role=role, username=f"u-{role}"))
    question = questions_ab["a"]
    assert client.get(reverse("congress_questions")).status_code in (302, 403)
    assert client.get(
        reverse("congress_questions_page", args=[questions_ab["page_a"].pk])
    ).status_code in (302, 403)
    assert client.post(action(question.pk, "approve")).status_code in (302, 403)
    question.refresh_from_db()
    assert question.status == Question.Status.PENDING


def test_actions_need_post_and_a_known_action(client, questions_ab):
    client.force_login(staff_user(questions_ab["site_a"]))
    question = questions_ab["a"]
    assert client.get(action(question.pk, "approve")).status_code == 405
    assert client.post(action(question.pk, "delete")).status_code == 404
    question.refresh_from_db()
    assert question.status == Question.Status.PENDING


def test_anonymous_visitors_go_to_the_login(client, questions_ab):
    response = client.post(action(questions_ab["a"].pk, "approve"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_turning_questions_off_on_the_first_version_closes_every_translation(client, org, congress):
    page, page_en = congress
    page.questions_enabled = False
    publish(page)
    assert client.get(form_url(page_en), HTTP_HOST=org.hostname).status_code == 404
    assert post(client, org, page_en, question_data()).status_code == 404
    assert not Question.objects.exists()
