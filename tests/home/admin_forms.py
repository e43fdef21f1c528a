"""The data a browser posts from the admin's page editor, for every page type of the
project, built with Wagtail's ``wagtail.test.utils.form_data`` helpers.

``form_data(model, title=..., slug=...)`` is a complete, valid create or edit form
(content, promote and settings tabs, inline rows, StreamFields, rich text) of a page
of ``model``. A new page type needs an entry in ``CONTENT``: the tests of
``test_admin_page_forms.py`` fail until it has one.
"""

from wagtail.models import Locale, Page, Site, get_page_models
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from home.models import HomePage, OrganisationSettings, OrganisationText

PROJECT_APPS = {"home", "movement", "congress", "membership"}


def make_site(hostname="org-forms.example"):
    """An organisation's site: its Albanian home page (live), English locale and
    settings; Wagtail's placeholder site is removed. Returns the home page."""
    sq = Locale.objects.get_or_create(language_code="sq")[0]
    en = Locale.objects.get_or_create(language_code="en")[0]
    Site.objects.all().delete()
    home = HomePage(title="Organizata", slug="organizata", hero_heading="Mirë se vini", locale=sq)
    Page.get_first_root_node().add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.create(
        hostname=hostname, port=80, root_page=home, site_name="Organisation", is_default_site=True
    )
    settings = OrganisationSettings.objects.create(site=site, email=f"info@{hostname}")
    for locale, name in ((sq, "Organizata"), (en, "Organisation")):
        OrganisationText.objects.create(settings=settings, locale=locale, name=name)
    return HomePage.objects.get(pk=home.pk)


def parent_for(model, home):
    """A page under which ``model`` may be created on the site of ``home``: the home
    page, the tree's root, or a new page of the first parent type (under its own
    parent)."""
    parent_models = model.allowed_parent_page_models()
    if HomePage in parent_models:
        return home
    if Page in parent_models:
        return Page.get_first_root_node()
    parent_model = parent_models[0]
    label = parent_model._meta.model_name
    parent = parent_model(title=f"Prind {label}", slug=f"prind-{label}")
    parent_for(parent_model, home).add_child(instance=parent)
    parent.save_revision().publish()
    return parent_model.objects.get(pk=parent.pk)


def project_page_models():
    """Every concrete page type of the project's apps, in a stable order."""
    models = [model for model in get_page_models() if model._meta.app_label in PROJECT_APPS]
    return sorted(models, key=lambda model: model._meta.label)


def body():
    return streamfield(
        [
            ("heading", {"text": "Kush jemi", "level": "h2"}),
            ("paragraph", rich_text("<p>Një paragraf me <b>tekst</b>.</p>")),
        ]
    )


def demand_rows(*titles, ids=()):
    """Inline rows of a campaign's demands; the first ``len(ids)`` are the rows the
    form was shown with (an id of None: a row of a draft that has none yet)."""
    rows = []
    for number, title in enumerate(titles):
        row = {
            "title": title,
            "explanation": "Shpjegim i kërkesës.",
            "indicator": "Përqindja e punësuar",
            "unit": "%",
            "baseline_value": "0",
            "baseline_date": "2024-01-01",
            "target_value": "10",
            "deadline": "2026-12-31",
            "source_url": "https://example.org/burimi",
        }
        if number < len(ids):
            row["id"] = "" if ids[number] is None else str(ids[number])
        rows.append(row)
    return inline_formset(rows, initial=len(ids))


def _statement():
    return {
        "statement_text": rich_text("<p>Ne kërkojmë që kërkesat tona të plotësohen.</p>"),
        "statement_goal": "100",
        "statement_public_threshold": "10",
        "statement_consent_text": "Pajtohem që emri im të shtohet te deklarata.",
        "statement_community_consent_text": "",
        "statement_thank_you": "Faleminderit!",
    }


def _sign_up(page=None):
    return {
        "intro": rich_text("<p>Bashkohu me ne.</p>"),
        "consent_text": "Pajtohem me përpunimin e të dhënave të mia.",
        "thank_you": "Faleminderit! Shikoni email-in tuaj.",
    }


# What each page type's own tabs hold (besides title and slug, see form_data).
CONTENT = {
    "home.HomePage": lambda page: {
        "hero_heading": "Mirë se vini",
        "hero_intro": "Një lëvizje qytetare.",
        "hero_image": "",
        "hero_actions": streamfield(
            [
                (
                    "action",
                    {
                        "text": "Bëhu anëtar",
                        "page": "",
                        "external_url": "https://example.org/",
                        "style": "primary",
                    },
                )
            ]
        ),
        "body": body(),
    },
    "home.StandardPage": lambda page: {"intro": "Hyrje e shkurtër.", "body": body()},
    "movement.MovementPage": lambda page: {"intro": "Kush jemi.", "body": body()},
    "movement.CampaignIndexPage": lambda page: {"intro": "Fushatat tona."},
    "movement.CampaignPage": lambda page: {
        "intro": "Fushatë jopartiake.",
        "hashtags": "#VotaImeKaPeshe",
        "non_partisan": "on",
        "image": "",
        "start_date": "2025-01-01",
        "election_date": "2025-10-12",
        "end_date": "",
        "aims": streamfield([("aim", {"title": "Pjesëmarrje", "text": "Çdo votë numërohet."})]),
        "body": body(),
        "demands": demand_rows(
            "Kërkesa 1", "Kërkesa 2", ids=[d.pk for d in page.demands.all()] if page else ()
        ),
        **_statement(),
    },
    "congress.CongressIndexPage": lambda page: {"intro": "Kongreset tona."},
    "congress.CongressPage": lambda page: {
        "number": "3",
        "theme": "Bashkë për ndryshim",
        "intro": "Kongresi i tretë.",
        "aims": rich_text("<p>Të zgjedhim kryesinë.</p>"),
        "start_at": "2030-05-23 10:00",
        "end_at": "2030-05-23 18:00",
        "venue_name": "Pallati i Rinisë",
        "venue_street": "Rruga Agim Ramadani",
        "venue_postal_code": "10000",
        "venue_city": "Prishtinë",
        "venue_country": "Kosovë",
        "map_url": "",
        "contact_phone": "",
        "organisers": streamfield([]),
        "agenda": streamfield([]),
        "speakers": streamfield([]),
        "documents": streamfield([]),
        "livestreams": streamfield([]),
        "recording_url": "",
        "registration_enabled": "on",
        "in_person_places": "150",
        "online_places": "",
        "registration_closes_at": "",
        "registration_consent_text": "Pajtohem që të dhënat e mia të ruhen për kongresin.",
        "questions_enabled": "on",
    },
    "movement.NewsIndexPage": lambda page: {"intro": "Lajmet tona."},
    "movement.NewsPage": lambda page: {
        "date": "2025-03-01",
        "intro": "Një lajm.",
        "image": "",
        "related_page": "",
        "body": body(),
    },
    "membership.JoinPage": _sign_up,
    "membership.MemberOrganisationsPage": lambda page: {
        "intro": "Organizatat që i janë bashkuar platformës.",
        "principles": rich_text("<p>Të pavarur nga partitë politike.</p>"),
        "consent_text": "Pajtohem me përpunimin e të dhënave të organizatës.",
        "thank_you": "Faleminderit! Shikoni email-in tuaj.",
    },
    "membership.VolunteerPage": lambda page: {
        **_sign_up(page),
        "offer_membership": "on",
        "membership_consent_text": "",
    },
}


def form_data(model, title, slug, action=None, page=None, **fields):
    """The editor's form for a new page of ``model``, or for editing ``page`` (its
    inline rows keep their ids); ``action`` is "publish" or None (the "Save draft"
    button); ``fields`` replace parts of it (nested, before flattening)."""
    data = {
        "title": title,
        "slug": slug,
        "seo_title": "",
        "search_description": "",
        "go_live_at": "",
        "expire_at": "",
        "comments": inline_formset([]),
        **CONTENT[model._meta.label](page),
        **fields,
    }
    if action:
        data[f"action-{action}"] = action
    return nested_form_data(data)
