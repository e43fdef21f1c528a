"""Demo content of the movement app, read from home/demo_data/<organisation>.toml.

- Every organisation: an "About us" page (Volt Kosova, Kosovo We Want), a campaign
  index (Volt Kosova's still empty) and a news index with its news pages.
- #MyVoteCounts: the 2019 campaign with its three demands, the statement with
  illustrative paper signatures, illustrative candidates' pledges (with the demands
  each committed to), what the elected ones did since, and progress.

Idempotent: pages are found by slug, records by natural keys.
"""

import datetime

from django.apps import apps
from django.contrib.auth import get_user_model

from home.demo import Texts, build_page, demo_data, demo_image, languages_of, locale, text_in
from home.roles import collection_named, ensure_site_roles
from membership import services
from membership.models import SignUp

from .models import CandidateRecord, Demand, Pledge, PledgeCommitment, ProgressUpdate

#: The campaign's signing period (a database made before it existed gets it too).
SIGNING_PERIOD = ("signing_opens", "signing_closes")


def campaign(index, data, site, report):
    """The campaign of ``data["campaign"]`` with its demands, progress, pledges and
    signatures."""
    t = Texts()
    spec = data["campaign"]
    # The demands are child objects: they are translated with the page.
    demands = [Demand(**t.take(demand)) for demand in data["demands"]]
    image = demo_image(
        "MyVoteCounts campaign", (156, 60, 0), collection=collection_named(site.site_name)
    )
    page = build_page(index, spec, t=t, demands=demands, image=image)
    _signing_period(page, spec)

    demands = list(page.demands.all())
    for entry in data["progress"]:
        note = entry["note"]
        update, _ = ProgressUpdate.objects.get_or_create(
            demand=demands[entry["demand"]],
            date=entry["date"],
            locale=page.locale,
            defaults={"status": entry["status"], "value": entry["value"], "note": note["sq"]},
        )
        _translate_record(update, "note", note, page)
    _pledges(page, data, demands)
    _signatures(page, data, site, report)
    return page


def _translate_record(record, name, texts, page):
    """``record`` (a translatable model of the campaign ``page``, in Albanian) copied
    into each other language of the page, with its field ``name`` from ``texts``."""
    for code in languages_of(page):
        if record.get_translation_or_none(locale(code)) is None:
            translated = record.copy_for_translation(locale(code))
            setattr(translated, name, text_in(texts, code))
            translated.save()


def _pledges(page, data, demands):
    """The illustrative pledges with the demands each one committed to (no comments:
    they would be the candidate's own words, in one language), and the records of the
    elected ones, in Albanian with their translations."""
    pledges = {}
    for spec in data["pledges"]:
        fields = dict(spec)
        commit = fields.pop("commit", range(len(demands)))
        pledge, _ = Pledge.objects.get_or_create(
            campaign=page, name=fields.pop("name"), defaults=fields
        )
        chosen = {demands[position].pk for position in commit}
        PledgeCommitment.objects.filter(pledge=pledge).exclude(demand__in=chosen).delete()
        for order, demand in enumerate(d for d in demands if d.pk in chosen):
            PledgeCommitment.objects.get_or_create(
                pledge=pledge, demand=demand, defaults={"sort_order": order}
            )
        pledges[pledge.name] = pledge
    for entry in data.get("records", []):
        summary = entry["summary"]
        record, _ = CandidateRecord.objects.get_or_create(
            pledge=pledges[entry["pledge"]],
            date=entry["date"],
            locale=page.locale,
            defaults={
                "demand": demands[entry["demand"]] if "demand" in entry else None,
                "kind": entry["kind"],
                "stance": entry["stance"],
                "summary": summary["sq"],
                "source_url": entry["source_url"],
            },
        )
        _translate_record(record, "summary", summary, page)


def _signing_period(page, spec):
    """The signing period of ``spec`` on the campaign, in each of its languages."""
    period = {name: spec.get(name) for name in SIGNING_PERIOD}
    for version in page.get_translations(inclusive=True).specific():
        if any(getattr(version, name) != value for name, value in period.items()):
            for name, value in period.items():
                setattr(version, name, value)
            version.save_revision().publish()


def _signatures(page, data, site, report):
    """Illustrative paper signatures entered by the organisation's demo editor, through
    the membership app's own service (confirmed at once, no email)."""
    user = get_user_model().objects.filter(username="mvc-editor").first()
    if user is None:
        return
    signatures = data["signatures"]
    names, places = signatures["names"], signatures["municipalities"]
    signed_from = signatures["collected_from"]
    for number in range(signatures["count"]):
        given, family = names[number % len(names)]
        ids = services.store_submission(
            site=site,
            page=page,
            language="sq",
            email=f"signature-{number + 1}@example.org",
            person={
                "given_name": given,
                "family_name": family,
                "municipality": places[number % len(places)],
            },
            signups=[
                {
                    "kind": SignUp.Kind.SIGNATURE,
                    "consents": [("signup", page.statement_consent_text)],
                }
            ],
            entered_by=user,
        )
        # Collected door to door in the month before the election, within the
        # signing period.
        when = signed_from + datetime.timedelta(days=number % 30, hours=number % 8)
        SignUp.objects.filter(pk__in=ids).update(
            created_at=when, confirmed_at=when, signed_on=when.date()
        )
    report.add(f"#MyVoteCounts: {page.signature_count()} signatures on the statement")


def _related(site, model):
    """The first live page of ``model`` ("app.Model") on ``site``, in Albanian."""
    return (
        apps.get_model(model)
        .objects.descendant_of(site.root_page)
        .filter(locale=site.root_page.locale)
        .live()
        .first()
    )


def news(home, data, site):
    index = build_page(home, data["news"])
    for spec in data.get("news_pages", []):
        spec = dict(spec)
        related = spec.pop("related", None)
        build_page(index, spec, related_page=_related(site, related) if related else None)
    return index


def load(sites, report):
    for key, entry in sites.items():
        site, pages = entry["site"], entry["pages"]
        home = pages["home"]
        data = demo_data(key)
        if "about" in data:
            pages["about"] = build_page(home, data["about"])
        if "campaigns" in data:
            pages["campaigns"] = build_page(home, data["campaigns"])
        if "campaign" in data:
            pages["campaign"] = campaign(pages["campaigns"], data, site, report)
        pages["news"] = news(home, data, site)
        # Event staff get their rights on the news index now that it exists.
        ensure_site_roles(site)
    report.add(
        "Movement: about pages, campaign indexes (Volt Kosova's without campaigns yet), "
        "the #MyVoteCounts campaign and news in each language of its site"
    )
