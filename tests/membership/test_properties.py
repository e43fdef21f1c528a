"""Property tests: whatever a visitor sends to a public form, the site answers with a
thank-you or the form with errors, never a 500; invalid input stores nothing; what
is stored is clean and shown escaped."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from membership.constants import MUNICIPALITIES
from membership.forms import BIDI_CONTROLS
from membership.models import ConsentRecord, SignUp, Supporter

from .conftest import old_token, sign_url

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    " ",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "Çajupi Ëndërr-Gjakova",
    "Đorđe Šćepanović",
    "Ђорђе Петровић",
    "\u202eevil\u202c",
    "\u200fمرحبا",
    "a\x00b",
    "x" * 5000,
    "=cmd|' /C calc'!A0",
    "+383 44 123 456",
    "Robert'); DROP TABLE membership_supporter;--",
]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=120))
emails = st.one_of(st.emails(), text)
municipalities = st.one_of(st.sampled_from([c for c, _ in MUNICIPALITIES] + ["jashte"]), text)
years = st.one_of(st.integers(-5, 3000).map(str), text)
boxes = st.sampled_from(["on", "", "1", "false"])

HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def counts():
    return (Supporter.objects.count(), SignUp.objects.count(), ConsentRecord.objects.count())


def check(response, before):
    assert response.status_code in (302, 400), response.status_code
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror" not in html
    if response.status_code == 400:
        assert counts() == before
    for person in Supporter.objects.all():
        for value in (person.given_name, person.family_name, person.phone, person.country):
            assert "\x00" not in value and not BIDI_CONTROLS.search(value)
            assert len(value) <= 100


@given(
    data=st.fixed_dictionaries(
        {
            "given_name": text,
            "family_name": text,
            "email": emails,
            "phone": text,
            "municipality": municipalities,
            "country": text,
            "year_of_birth": years,
            "motivation": text,
            "consent": boxes,
        }
    )
)
@HYPOTHESIS
def test_join_form_never_fails(submit, join_page, data):
    before = counts()
    check(submit(join_page[0], {**data, "form_time": old_token()}), before)


@given(
    data=st.fixed_dictionaries(
        {
            "given_name": text,
            "family_name": text,
            "email": emails,
            "phone": text,
            "municipality": municipalities,
            "country": text,
            "areas": st.lists(st.sampled_from(["events", "door-to-door", "nope", ""]), max_size=3),
            "availability": st.lists(st.sampled_from(["weekdays", "evenings", "x"]), max_size=3),
            "skills": text,
            "languages_spoken": text,
            "also_member": boxes,
            "year_of_birth": years,
            "consent": boxes,
        }
    )
)
@HYPOTHESIS
def test_volunteer_form_never_fails(submit, volunteer_page, data):
    before = counts()
    check(submit(volunteer_page[1], {**data, "form_time": old_token()}), before)


@given(
    data=st.fixed_dictionaries(
        {
            "given_name": text,
            "family_name": text,
            "email": emails,
            "municipality": municipalities,
            "country": text,
            "community": st.one_of(st.sampled_from(["roma", "ashkali", "not_say", ""]), text),
            "community_consent": boxes,
            "consent": boxes,
        }
    ),
    spam=st.sampled_from(["", "", "", "bot"]),
)
@HYPOTHESIS
def test_statement_form_never_fails(submit, campaign, data, spam):
    before = counts()
    payload = {f"statement-{k}": v for k, v in data.items()}
    payload.update(
        {"statement-sign": "1", "statement-form_time": old_token(), "statement-website": spam}
    )
    response = submit(sign_url(campaign[0]), payload)
    check(response, before)
    if spam:
        assert counts() == before


def test_valid_unusual_names_are_kept_and_shown_escaped(submit, client, org, join_page):
    from .conftest import join_data

    response = submit(
        join_page[0],
        join_data(given_name="Đorđe \u202e<b>", family_name="Ëndërr", email="d@example.org"),
    )
    assert response.status_code == 302
    person = Supporter.objects.get()
    assert person.given_name == "Đorđe <b>"  # direction marks removed, text kept
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    admin = get_user_model().objects.create_superuser("root", "r@example.org", "pw")
    client.force_login(admin)
    html = client.get(reverse("membership_person", args=[person.pk])).content.decode()
    assert "Đorđe &lt;b&gt;" in html and "Đorđe <b>" not in html
