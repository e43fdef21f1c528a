"""The campaign page: demands with progress, summary, pledges and their filters,
the statement and its sign page, sharing and the page cache (the number of queries:
test_queries.py)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail

from movement.choices import Status
from movement.models import CampaignPage, Pledge, ProgressUpdate

from .conftest import STATEMENT_CONSENT, add_pledges, add_updates, make_campaign

pytestmark = pytest.mark.django_db


def test_campaign_page_in_both_languages(client, campaign):
    page, page_en = campaign
    add_updates(page, per_demand=2, value=Decimal(5), status=Status.IN_THE_WORKS)
    html = client.get(page.url).content.decode()
    assert '<html lang="sq"' in html
    assert "Vota ime ka peshë" in html and "#VoteImeKaWare" in html
    assert "Kërkesa 1" in html and "Kërkesa 3" in html
    assert '<progress id="progress-1" max="100" value="50">' in html
    assert "6 tetor 2019" in html  # election day, in Albanian

    html_en = client.get(page_en.url).content.decode()
    assert '<html lang="en"' in html_en
    assert "My vote counts" in html_en and "Demand 1" in html_en
    assert "Non-partisan campaign" in html_en
    assert "6 October 2019" in html_en
    assert "deadline passed" in html_en
    assert "In the works" in html_en
    # The same progress record shows on the English page (it has no translation).
    assert '<progress id="progress-1" max="100" value="50">' in html_en


def test_progress_history_prefers_the_pages_language(client, campaign, en_locale):
    page, page_en = campaign
    demand = page.demands.first()
    update = ProgressUpdate.objects.create(
        demand=demand,
        locale=demand.locale,
        date=datetime.date(2021, 5, 1),
        status=Status.ACHIEVED,
        value=Decimal(10),
        note="Shënim shqip",
        evidence_url="https://example.org/deshmi",
    )
    translated = update.copy_for_translation(en_locale)
    translated.note = "English note"
    translated.save()
    html_sq = client.get(page.url).content.decode()
    html_en = client.get(page_en.url).content.decode()
    assert "Shënim shqip" in html_sq and "English note" not in html_sq
    assert "English note" in html_en and "Shënim shqip" not in html_en
    assert 'href="https://example.org/deshmi"' in html_en
    assert "Achieved" in html_en


def test_summary_counts_statuses_and_lists_elected_pledges(client, campaign):
    page, page_en = campaign
    demands = list(page.demands.all())
    for demand, status in zip(
        demands, [Status.ACHIEVED, Status.ACHIEVED, Status.STALLED], strict=True
    ):
        ProgressUpdate.objects.create(
            demand=demand, locale=demand.locale, date=datetime.date(2021, 1, 1), status=status
        )
    Pledge.objects.create(campaign=page, name="Zgjedhur Shembull", party="Lista A", elected=True)
    Pledge.objects.create(campaign=page, name="Humbur Shembull", party="Lista B", elected=False)
    response = client.get(page_en.url)
    summary = response.context["status_summary"]
    counts = {value: count for value, _label, count in summary}
    assert counts == {
        "not_rated": 0,
        "in_the_works": 0,
        "stalled": 1,
        "achieved": 2,
        "partly_achieved": 0,
        "not_achieved": 0,
    }
    assert [p.name for p in response.context["elected_pledges"]] == ["Zgjedhur Shembull"]
    html = response.content.decode()
    elected = html[html.index('class="elected-pledges"') :]
    elected = elected[: elected.index("</ul>")]
    assert "Zgjedhur Shembull" in elected and "Humbur Shembull" not in elected


def test_pledges_filter_by_party_and_municipality_without_javascript(client, campaign):
    page, _page_en = campaign
    add_pledges(page, 4)  # A: 0 prizren, 2 gjakove; B: 1 peje, 3 prizren
    response = client.get(page.url)
    assert len(response.context["pledges"]) == 4
    html = response.content.decode()
    assert '<form class="pledge-filter no-print" method="get"' in html
    assert '<option value="Lista A">' in html and '<option value="prizren">Prizren</option>' in html

    response = client.get(page.url, {"party": "Lista A"})
    assert {p.party for p in response.context["pledges"]} == {"Lista A"}
    assert len(response.context["pledges"]) == 2
    assert '<option value="Lista A" selected>' in response.content.decode()

    response = client.get(page.url, {"party": "Lista A", "municipality": "prizren"})
    names = [p.name for p in response.context["pledges"]]
    assert names == ["Kandidat Shembull 0"]

    response = client.get(page.url, {"municipality": "peje", "party": "Lista A"})
    assert [p.name for p in response.context["pledges"]] == []
    assert 'class="pledge-list--empty"' in response.content.decode()

    # Unknown values are ignored rather than showing an empty list.
    response = client.get(page.url, {"party": "<script>", "municipality": "nowhere"})
    assert len(response.context["pledges"]) == 4


def test_share_links_and_open_graph(client, campaign):
    page, page_en = campaign
    html = client.get(page_en.url).content.decode()
    assert '<meta property="og:title" content="My vote counts">' in html
    assert '<meta property="og:locale" content="en_GB">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert f'<meta property="og:url" content="{page_en.full_url}">' in html
    assert "https://wa.me/?text=" in html
    assert "https://www.facebook.com/sharer/sharer.php?u=" in html
    assert "https://x.com/intent/post?" in html
    assert 'href="mailto:?subject=' in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_print_version_of_the_statement(client, campaign):
    page, page_en = campaign
    html = client.get(page.url).content.decode()
    print_url = page.url + "statement/print/"
    assert f'href="{print_url}"' in html
    response = client.get(print_url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ne kërkojmë që kërkesat tona të plotësohen." in text
    assert text.count("<tr><td>") == 15  # empty rows for signatures on paper
    assert "movement/movement.css" in text


def test_signing_the_statement_from_the_campaign_page(
    client, campaign, settings, django_capture_on_commit_callbacks
):
    """Two clicks from the campaign page, without JavaScript: its link to the sign
    page, then the form's button."""
    settings.MEMBERSHIP_MIN_FORM_SECONDS = 0
    page, _page_en = campaign
    html = client.get(page.url).content.decode()
    sign_url = re.search(r'<a class="button" href="([^"]+)">Nënshkruaj deklaratën</a>', html)
    assert sign_url and sign_url.group(1) == page.url + "sign/"
    assert "<form" not in html.split('id="statement"', 1)[1].split("</section>", 1)[0]
    response = client.get(sign_url.group(1))
    form = response.context["statement_form"]
    data = {
        form.add_prefix("given_name"): "Arta",
        form.add_prefix("family_name"): "Shembulli",
        form.add_prefix("email"): "arta@example.org",
        form.add_prefix("municipality"): "prizren",
        form.add_prefix("consent"): "on",
    }
    html = response.content.decode()
    for name in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html):
        data.setdefault(name[0], name[1])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(sign_url.group(1), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Faleminderit" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    assert page.signature_count() == 0
    # Opening the link only shows a button (email scanners open links too).
    shown = client.get(link).content.decode()
    assert CampaignPage.objects.get(pk=page.pk).signature_count() == 0
    token = re.search(r'name="membership-token" value="([^"]*)"', shown).group(1)
    action = re.search(r'<form class="link-form" method="post" action="([^"#]*)', shown).group(1)
    done = client.post(action, {"membership-action": "confirm", "membership-token": token})
    assert done.status_code == 302
    assert CampaignPage.objects.get(pk=page.pk).signature_count() == 1
    assert STATEMENT_CONSENT in client.get(sign_url.group(1)).content.decode()


def test_an_old_confirmation_link_to_the_campaign_page_still_works(client, campaign):
    page, _page_en = campaign
    response = client.get(page.url, {"confirm": "a-token"})
    assert response.status_code == 302
    assert response["Location"] == page.url + "sign/?confirm=a-token"
    shown = client.get(response["Location"])
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]


def test_pledge_changes_empty_the_page_cache(client, campaign, settings):
    page, _page_en = campaign
    first = client.get(page.url)
    assert first["X-Cache"] == "MISS"
    assert client.get(page.url)["X-Cache"] == "HIT"
    pledge = Pledge.objects.create(campaign=page, name="I Ri Shembull", party="Lista C")
    response = client.get(page.url)
    assert response["X-Cache"] == "MISS"
    assert "I Ri Shembull" in response.content.decode()
    assert client.get(page.url)["X-Cache"] == "HIT"
    pledge.delete()
    assert client.get(page.url)["X-Cache"] == "MISS"
    add_updates(page)  # bulk_create sends no signal: a saved update does
    ProgressUpdate.objects.first().save()
    assert client.get(page.url)["X-Cache"] == "MISS"


def test_open_deadline_limits_how_long_the_page_is_cached(client, org, settings):
    settings.PAGE_CACHE_SECONDS = 600
    page, _ = make_campaign(org, demands=1, slug="e-ardhmja")
    demand = page.demands.first()
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    demand.deadline = tomorrow
    demand.save()
    page.election_date = None
    page.statement_text = ""  # no counter, which would limit it to a minute
    page.save_revision().publish()
    response = client.get(page.url)
    assert response["X-Cache"] == "MISS"
    max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))
    assert max_age <= 60  # PAGE_CACHE_CONTROL_MAX_AGE, never longer than the deadline
    request = response.wsgi_request
    assert 60 < request.page_cache_max_seconds <= 2 * 24 * 3600
    assert client.get(page.url)["X-Cache"] == "HIT"


def test_the_signature_count_keeps_the_page_at_most_a_minute(client, campaign, settings):
    settings.PAGE_CACHE_SECONDS = 600
    page, _page_en = campaign
    response = client.get(page.url)
    assert response.wsgi_request.page_cache_max_seconds == 60
    assert client.get(page.url)["X-Cache"] == "HIT"
    data = client.get(page.open_data_urls()["data_json"])
    assert data.wsgi_request.page_cache_max_seconds == 60  # it has the count too


def test_the_page_follows_changes_filters_and_previews(client, campaign, settings):
    """With the page cache off, a pledge or an update saved shows at once, each
    filter has its own list, and a preview shows the editor's unsaved demands."""
    settings.PAGE_CACHE_SECONDS = 0
    page, _page_en = campaign
    add_pledges(page, 2)  # no signal: the page has not been shown yet
    names = re.compile(r'<h3 class="pledge__name"><a href="[^"]+">([^<]+)</a></h3>')
    assert len(names.findall(client.get(page.url).content.decode())) == 2
    Pledge.objects.create(
        campaign=page, name="E Reja Shembull", party="Lista C", signed_on=datetime.date(2019, 9, 2)
    )
    html = client.get(page.url).content.decode()
    assert "E Reja Shembull" in names.findall(html)
    filtered = client.get(page.url, {"party": "Lista C"}).content.decode()
    assert names.findall(filtered) == ["E Reja Shembull"]
    assert len(names.findall(client.get(page.url).content.decode())) == 3

    assert "status-badge--in_the_works" not in html
    add_updates(page)
    ProgressUpdate.objects.first().save()
    assert "status-badge--in_the_works" in client.get(page.url).content.decode()

    page = CampaignPage.objects.get(pk=page.pk)
    demands = list(page.demands.all())
    demands[0].title = "Kërkesa e paruajtur"
    page.demands = demands  # held in memory, as the editor's form does
    preview = page.make_preview_request().content.decode()
    assert "Kërkesa e paruajtur" in preview
    assert "Kërkesa e paruajtur" not in client.get(page.url).content.decode()


def test_elected_agrees_with_the_candidates_recorded_gender_in_albanian(client, campaign):
    page, page_en = campaign
    for name, gender in [("Drita Shembull", "female"), ("Ilir Shembull", "male"), ("Pa Gjini", "")]:
        Pledge.objects.create(campaign=page, name=name, gender=gender, elected=True)

    def label(html, name):
        card = html[html.index(f">{name}</a></h3>") :]
        return card[card.index('class="pledge__elected">') + 24 : card.index("</strong>")]

    html_sq = client.get(page.url).content.decode()
    assert label(html_sq, "Drita Shembull") == "E zgjedhur"
    assert label(html_sq, "Ilir Shembull") == "I zgjedhur"
    assert label(html_sq, "Pa Gjini") == "U zgjodh"
    html_en = client.get(page_en.url).content.decode()
    assert {label(html_en, n) for n in ("Drita Shembull", "Ilir Shembull", "Pa Gjini")} == {
        "Elected"
    }
