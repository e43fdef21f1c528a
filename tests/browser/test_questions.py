"""A visitor sends a question to a session of a live congress, in their language;
event staff of the organisation approve and answer it in the admin; the visitor's
open page shows it without reloading (the live refresh), and the answer appears in
the outcomes."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from congress import question_flow
from congress.questions import Question
from home.models import SiteRole
from home.roles import ensure_site_roles
from tests.conftest import publish
from tests.congress.conftest import congress_index, make_congress, session  # noqa: F401

PASSWORD = "pyetje-test-123"

SAYS = {
    "sq": {
        "ask": "Dërgoni një pyetje ose koment",
        "send": "Dërgo",
        "thanks": "Faleminderit për pyetjen tuaj!",
        "session": "Shëndetësia",
        "text": "Kur hapen qendrat e reja të mjekësisë familjare?",
        "answer": "Në pranverë, sipas planit të komunës.",
        "answered": "Pyetje të përgjigjura",
        "anonymous": "Anonim",
        "updated": "Lista e pyetjeve u përditësua.",
    },
    "en": {
        "ask": "Send a question or comment",
        "send": "Send",
        "thanks": "Thank you for your question!",
        "session": "Health",
        "text": "When do the new family health centres open?",
        "answer": "In spring, as the municipality planned.",
        "answered": "Questions answered",
        "anonymous": "Anonymous",
        "updated": "The list of questions was updated.",
    },
}


def agenda(*titles):
    blocks = []
    for number, title in enumerate(titles, start=1):
        block = session(title, start=f"{9 + number}:00", end=f"{10 + number}:00")
        block["id"] = f"session-{number}"
        blocks.append(block)
    return json.dumps(blocks)


@pytest.mark.parametrize("language", ["sq", "en"])
def test_ask_approve_answer(
    tab,
    browser,
    live_server,
    org,
    settings,
    monkeypatch,
    make_congress,  # noqa: F811
    language,
):
    settings.MEMBERSHIP_MIN_FORM_SECONDS = 0
    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    monkeypatch.setattr(question_flow, "LIVE_REFRESH_SECONDS", 1)
    says = SAYS[language]
    # A congress live now.
    page_sq, page_en = make_congress(
        start=timezone.now() - timedelta(hours=1),
        hours=6,
        questions_enabled=True,
        agenda=agenda("Hapja", "Shëndetësia"),
    )
    page_en.agenda = agenda("Opening", "Health")
    publish(page_en)
    page = page_sq if language == "sq" else page_en
    staff = get_user_model().objects.create_user("stafi", "stafi@example.org", PASSWORD)
    staff.groups.add(ensure_site_roles(org.site)[SiteRole.EVENT_STAFF])

    # The visitor opens the congress page and follows its link to the form.
    tab.goto(f"{live_server.url}{page.url}")
    assert tab.locator("html").get_attribute("lang") == language
    tab.locator("#questions").get_by_role("link", name=says["ask"]).click()
    tab.wait_for_url(f"**{page.url}questions/")
    options = tab.locator('[name="session"] option').all_inner_texts()
    assert any(says["session"] in option for option in options)  # in the page's language
    tab.select_option('[name="session"]', "session-2")
    tab.check('[name="anonymous"]')
    tab.fill('[name="text"]', says["text"])
    with tab.expect_navigation():
        tab.get_by_role("button", name=says["send"], exact=True).click()
    thanks = tab.locator("#question-thank-you")
    assert thanks.count() == 1, tab.locator("body").inner_text()[:300]
    assert says["thanks"] in thanks.inner_text()
    question = Question.objects.get()
    assert question.status == Question.Status.PENDING
    assert question.language == language and question.name == ""

    # Nothing public yet. The visitor keeps the congress page open.
    tab.goto(f"{live_server.url}{page.url}")
    assert says["text"] not in tab.locator("body").inner_text()
    assert tab.locator("#questions-live-status").get_attribute("aria-live") == "polite"

    # Event staff approve and answer it in the admin.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sq-AL")
    admin = context.new_page()
    admin.set_default_timeout(15_000)
    try:
        admin.goto(f"{live_server.url}/admin/login/")
        admin.fill("#id_username", "stafi")
        admin.fill("#id_password", PASSWORD)
        admin.locator("form button[type=submit]").first.click()
        admin.wait_for_url("**/admin/")
        admin.goto(f"{live_server.url}/admin/congress-questions/")
        admin.get_by_role("link", name=page_sq.title).click()
        item = admin.locator(f"#question-{question.pk}")
        assert says["text"] in item.inner_text()
        item.locator('form[action$="/approve/"] button').click()
        admin.wait_for_load_state()
        question.refresh_from_db()
        assert question.status == Question.Status.APPROVED

        # Without reloading, the visitor's page shows the approved question.
        tab.locator("#questions-list").get_by_text(says["text"]).wait_for(timeout=20_000)
        assert says["anonymous"] in tab.locator("#questions-list").inner_text()
        assert says["updated"] == tab.locator("#questions-live-status").text_content()

        item = admin.locator(f"#question-{question.pk}")
        item.locator("textarea").fill(says["answer"])
        item.locator('form[action$="/answer/"] button').click()
        admin.wait_for_load_state()
        question.refresh_from_db()
        assert question.answer == says["answer"]
    finally:
        context.close()

    # The answer shows under the question, and with the outcomes.
    tab.locator("#questions-list").get_by_text(says["answer"]).wait_for(timeout=20_000)
    tab.reload()
    outcomes = tab.locator("#outcomes")
    assert says["answered"] in outcomes.inner_text()
    assert says["text"] in outcomes.inner_text() and says["answer"] in outcomes.inner_text()
