"""Fixtures of the membership tests: form pages in two languages, a statement page,
staff users with their roles, and helpers to fill in the public forms."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import Locale
from wagtail.users.models import UserProfile

from home.models import SiteRole
from home.roles import ensure_site_roles
from membership.forms import form_time_token
from membership.models import JoinPage, MembershipSettings, VolunteerArea, VolunteerPage

JOIN_CONSENT_SQ = "Pajtohem që të dhënat e mia të ruhen për anëtarësimin."
JOIN_CONSENT_EN = "I agree that my data is kept for my membership."
STATEMENT_CONSENT_SQ = "Pajtohem që emri im të shtohet te deklarata."
COMMUNITY_CONSENT_SQ = "Pajtohem që të ruhet komuniteti im."


def old_token(seconds=60):
    """A time token of a form shown ``seconds`` ago (people take a while to type)."""
    return form_time_token(now=time.time() - seconds)


def join_data(**overrides):
    data = {
        "given_name": "Arta",
        "family_name": "Shembulli",
        "email": "arta@example.org",
        "phone": "+383 44 123 456",
        "municipality": "prishtine",
        "country": "",
        "year_of_birth": "1990",
        "motivation": "Dua të ndihmoj.",
        "consent": "on",
        "website": "",
        "form_time": old_token(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def volunteer_data(**overrides):
    data = {
        "given_name": "Blerim",
        "family_name": "Shembulli",
        "email": "blerim@example.org",
        "phone": "",
        "municipality": "prizren",
        "areas": ["events"],
        "availability": ["evenings"],
        "skills": "Fotografi",
        "languages_spoken": "shqip, English",
        "consent": "on",
        "website": "",
        "form_time": old_token(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def statement_data(**overrides):
    data = {
        "statement-sign": "1",
        "statement-given_name": "Drita",
        "statement-family_name": "Shembulli",
        "statement-municipality": "fushe-kosove",
        "statement-email": "drita@example.org",
        "statement-consent": "on",
        "statement-website": "",
        "statement-form_time": old_token(),
    }
    data.update({f"statement-{k}": v for k, v in overrides.items()})
    return {k: v for k, v in data.items() if v is not None}


def sign_url(page):
    """The sign page of a statement page (where its form is shown and posted)."""
    return page.url + "sign/"


def confirm_link(message):
    match = re.search(r"https?://\S+\?confirm=\S+", message.body)
    assert match, message.body
    return match.group(0)


def path_of(url):
    return re.sub(r"^https?://[^/]+", "", url)


def follow_confirm_link(client, message, host):
    """Open the emailed link (which only shows a button) and press the button, as a
    person does; returns the page shown after the redirect."""
    page = client.get(path_of(confirm_link(message)), HTTP_HOST=host)
    html = page.content.decode()
    match = re.search(r'name="membership-token" value="([^"]*)"', html)
    if match is None:  # already confirmed, or not valid: nothing to press
        return page
    action = re.search(r'<form class="link-form" method="post" action="([^"#]*)', html).group(1)
    done = client.post(
        action,
        {"membership-action": "confirm", "membership-token": match.group(1)},
        HTTP_HOST=host,
    )
    assert done.status_code == 302, done
    return client.get(done["Location"], HTTP_HOST=host)


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings):
    # Most tests post many forms from one address; the rate-limit tests lower it.
    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (1000, 600)


@pytest.fixture
def rules(org):
    rules = MembershipSettings.for_site(org.site)
    sq, en = Locale.objects.get(language_code="sq"), Locale.objects.get(language_code="en")
    for order, (key, name_sq, name_en) in enumerate(
        [("events", "Evente", "Events"), ("door-to-door", "Derë më derë", "Door to door")]
    ):
        VolunteerArea.objects.create(
            settings=rules, key=key, locale=sq, name=name_sq, sort_order=order
        )
        VolunteerArea.objects.create(
            settings=rules, key=key, locale=en, name=name_en, sort_order=order
        )
    return rules


@pytest.fixture
def join_page(org):
    page, page_en = org.add_page(
        JoinPage(
            title="Bëhu anëtar",
            slug="behu-anetar",
            intro="<p>Bashkohu me ne.</p>",
            consent_text=JOIN_CONSENT_SQ,
            thank_you="Faleminderit që u bashkuat!",
        ),
        en_fields={
            "title": "Become a member",
            "slug": "become-a-member",
            "intro": "<p>Join us.</p>",
            "consent_text": JOIN_CONSENT_EN,
            "thank_you": "Thank you for joining!",
        },
    )
    return page, page_en


@pytest.fixture
def volunteer_page(org, rules):
    page, page_en = org.add_page(
        VolunteerPage(
            title="Vullnetarizo",
            slug="vullnetarizo",
            consent_text="Pajtohem për punën vullnetare.",
            membership_consent_text=JOIN_CONSENT_SQ,
            thank_you="Faleminderit për ndihmën!",
        ),
        en_fields={
            "title": "Volunteer",
            "slug": "volunteer",
            "consent_text": "I agree, for volunteering.",
            "membership_consent_text": JOIN_CONSENT_EN,
            "thank_you": "Thank you for helping!",
        },
    )
    return page, page_en


def make_campaign(org_site, ask_community=True, threshold=3, goal=100):
    movement = pytest.importorskip("movement.models")
    index, _ = org_site.add_page(
        movement.CampaignIndexPage(title="Fushatat", slug="fushatat"),
        en_fields={"title": "Campaigns", "slug": "campaigns"},
    )
    page = movement.CampaignPage(
        title="Vota ime ka peshë",
        slug="vota-ime",
        statement_text="<p>Ne kërkojmë punësim, arsim dhe buxhet për komunitetet.</p>",
        statement_goal=goal,
        statement_public_threshold=threshold,
        statement_ask_community=ask_community,
        statement_consent_text=STATEMENT_CONSENT_SQ,
        statement_community_consent_text=COMMUNITY_CONSENT_SQ,
        statement_thank_you="Faleminderit që nënshkruat!",
    )
    page, page_en = org_site.add_page(
        page,
        parent=index,
        en_fields={
            "title": "My vote counts",
            "slug": "my-vote",
            "statement_text": "<p>We ask for jobs, schooling and budgets for the communities.</p>",
            "statement_consent_text": "I agree that my name is added to the statement.",
            "statement_community_consent_text": "I agree that my community is stored.",
            "statement_thank_you": "Thank you for signing!",
        },
    )
    return page, page_en


@pytest.fixture
def campaign(org):
    return make_campaign(org)


@pytest.fixture
def roles_a(org):
    return ensure_site_roles(org.site)


@pytest.fixture
def org_b(make_org):
    return make_org("org-b.example", name="Organizata B", name_en="Organisation B")


@pytest.fixture
def staff(org, org_b, roles_a):
    """Users by role: officers of A and B, editor and event staff of A, a superuser."""
    roles_b = ensure_site_roles(org_b.site)
    User = get_user_model()

    def english(user):
        # The admin speaks each user's preferred language; these tests read English.
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "en"
        profile.save()
        return user

    def user(name, *groups, **extra):
        u = User.objects.create_user(name, f"{name}@example.org", "pw", is_staff=True, **extra)
        u.groups.add(*groups)
        return english(u)

    return {
        "officer_a": user("officer_a", roles_a[SiteRole.MEMBERSHIP_OFFICER]),
        "officer_b": user("officer_b", roles_b[SiteRole.MEMBERSHIP_OFFICER]),
        "editor_a": user("editor_a", roles_a[SiteRole.EDITOR]),
        "events_a": user("events_a", roles_a[SiteRole.EVENT_STAFF]),
        "translator_a": user("translator_a", roles_a[SiteRole.TRANSLATOR]),
        "admin": english(User.objects.create_superuser("admin", "admin@example.org", "pw")),
    }


@pytest.fixture
def submit(client, org, django_capture_on_commit_callbacks):
    """POST a form to a page (or a URL) as a browser would, running what the view
    defers to after commit (the confirmation email) as a real commit would."""

    def do(page, data, host=None, using=None, **extra):
        url = page if isinstance(page, str) else page.url
        with django_capture_on_commit_callbacks(execute=True):
            return (using or client).post(url, data, HTTP_HOST=host or org.hostname, **extra)

    return do
