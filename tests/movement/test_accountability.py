"""What became of the pledges: a public page per pledging candidate (only public
pledges of the campaign), the campaign page's summary, the neutral order of the
candidates and the filters (the open data: test_opendata.py; the number of queries:
test_queries.py; the page cache: tests/home/test_invalidation.py)."""

import datetime
import re

import pytest
from django.utils import timezone

from home.alphabet import alphabetical_key
from movement.choices import Status
from movement.models import CandidateRecord, Pledge, PledgeCommitment, ProgressUpdate

from .conftest import add_pledges, make_campaign, not_public_states

pytestmark = pytest.mark.django_db

ELECTION = datetime.date(2019, 10, 6)
SOURCE = "https://www.kuvendikosoves.org/seanca"


def make_pledge(page, name="Drita Kandidatja", commit=None, **fields):
    """An approved pledge, committed to the demands at ``commit`` (default: all)."""
    fields.setdefault("party", "Lista A")
    fields.setdefault("signed_on", datetime.date(2019, 9, 1))
    fields.setdefault("approved_at", timezone.now())
    pledge = Pledge.objects.create(campaign=page, name=name, **fields)
    demands = list(page.demands.all())
    for position in range(len(demands)) if commit is None else commit:
        PledgeCommitment.objects.create(pledge=pledge, demand=demands[position])
    return pledge


def add_record(pledge, demand=None, translation=None, **fields):
    fields.setdefault("date", datetime.date(2020, 3, 1))
    fields.setdefault("kind", CandidateRecord.Kind.VOTE)
    fields.setdefault("stance", CandidateRecord.Stance.KEPT)
    fields.setdefault("summary", "Votoi për buxhetin me kod të veçantë.")
    fields.setdefault("source_url", SOURCE)
    record = CandidateRecord.objects.create(
        pledge=pledge, demand=demand, locale=pledge.campaign.locale, **fields
    )
    if translation is not None:
        from wagtail.models import Locale

        english = record.copy_for_translation(Locale.objects.get(language_code="en"))
        english.summary = translation
        english.save()
    return record


def candidate_url(page, pledge):
    return page.candidate_url(pledge)


# -- the candidate's page -----------------------------------------------------------


def test_candidate_page_in_both_languages(client, campaign):
    page, page_en = campaign
    demands = list(page.demands.all())
    pledge = make_pledge(
        page,
        "Drita Berisha",
        commit=[0, 2],
        gender="female",
        list_number=7,
        office=Pledge.Office.ASSEMBLY,
        municipality="prizren",
        profile_url="https://example.org/drita",
        elected=True,
        source=Pledge.Source.ONLINE,
        language="sq",
        email="drita.private-marker@example.org",
        review_message="MESAZH-PRIVAT-MARKER",
        consent_text="PËLQIM-PRIVAT-MARKER",
    )
    ProgressUpdate.objects.create(
        demand=demands[0],
        locale=demands[0].locale,
        date=datetime.date(2020, 6, 1),
        status=Status.IN_THE_WORKS,
        evidence_url="https://example.org/deshmia",
        note="Dy komuna shpallin konkurse.",
    )
    url = page.candidate_url(pledge)
    assert url == f"{page.url}candidates/{pledge.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="sq"' in html
    assert '<h1 id="candidate-name">Drita Berisha</h1>' in html
    assert "Lista A (nr. 7)" in html
    assert "Kuvendi i Kosovës" in html and "Prizren" in html
    assert "1 shtator 2019" in html and "nënshkruar në internet" in html
    assert 'class="pledge__elected">E zgjedhur<' in html
    assert 'href="https://example.org/drita" rel="nofollow noopener"' in html
    # landmarks and a way back
    assert '<nav class="breadcrumb no-print" aria-label="Ju jeni këtu">' in html
    assert f'<a href="{page.url}">Vota ime ka peshë</a>' in html
    assert 'aria-current="page">Drita Berisha<' in html
    # per demand: commitment, progress with its evidence
    assert html.count("commitment--yes") == 2 and html.count("commitment--no") == 1
    assert "U zotua për 2 nga 3 kërkesat e fushatës." in html
    assert "Dy komuna shpallin konkurse." in html
    assert 'href="https://example.org/deshmia"' in html
    assert "status-badge--in_the_works" in html

    html_en = client.get(page_en.candidate_url(pledge)).content.decode()
    assert '<html lang="en"' in html_en
    assert "Lista A (no. 7)" in html_en and "Assembly of Kosovo" in html_en
    assert "signed online" in html_en and "Elected" in html_en
    assert "Committed to 2 of the campaign's 3 demands." in html_en
    assert "Demand 1" in html_en and "Kërkesa 1" not in html_en
    for text in (html, html_en, client.get(page.url).text):
        assert "private-marker" not in text and "PRIVAT-MARKER" not in text


@pytest.mark.parametrize("state, withdrawn_on", not_public_states())
def test_only_public_pledges_have_a_page(client, campaign, state, withdrawn_on):
    page, page_en = campaign
    pledge = make_pledge(page, state=state, withdrawn_on=withdrawn_on, email="k@example.org")
    assert client.get(page.candidate_url(pledge)).status_code == 404
    assert client.get(page_en.candidate_url(pledge)).status_code == 404
    assert "Drita Kandidatja" not in client.get(page.url).content.decode()


def test_a_pledge_of_another_campaign_or_none_is_not_found(client, org, campaign):
    page, _page_en = campaign
    other, _other_en = make_campaign(org, demands=1, slug="tjeter")
    pledge = make_pledge(other)
    assert client.get(other.candidate_url(pledge)).status_code == 200
    assert client.get(page.candidate_url(pledge)).status_code == 404
    assert client.get(f"{page.url}candidates/999999/").status_code == 404
    assert client.get(f"{page.url}candidates/abc/").status_code == 404
    assert client.get(f"{page.url}candidates/{2**64}/").status_code == 404


def test_withdrawn_after_the_election_is_shown_with_a_notice(client, campaign):
    page, page_en = campaign
    pledge = make_pledge(
        page,
        gender="female",
        elected=True,
        state=Pledge.State.WITHDRAWN,
        withdrawn_on=datetime.date(2020, 2, 3),
    )
    html = client.get(page.candidate_url(pledge)).content.decode()
    assert "Kandidatja e tërhoqi zotimin më 3 shkurt 2020, pas zgjedhjeve." in html
    html_en = client.get(page_en.candidate_url(pledge)).content.decode()
    assert "She withdrew the pledge on 3 February 2020, after the election." in html_en
    listing = client.get(page_en.url).content.decode()
    assert "She withdrew the pledge on 3 February 2020" in listing
    # never approved: it was never public, and is not now
    never = make_pledge(
        page,
        "Besa Pa Miratim",
        state=Pledge.State.WITHDRAWN,
        approved_at=None,
        withdrawn_on=datetime.date(2020, 2, 3),
    )
    assert client.get(page.candidate_url(never)).status_code == 404


def test_elected_not_elected_and_unknown(client, campaign):
    page, page_en = campaign
    male = make_pledge(page, "Ilir Shembull", gender="male", elected=True)
    lost = make_pledge(page, "Besim Shembull", gender="male", elected=False)
    unknown = make_pledge(page, "Pa Rezultat")
    assert 'class="pledge__elected">I zgjedhur<' in client.get(page.candidate_url(male)).text
    assert "Nuk u zgjodh" in client.get(page.candidate_url(lost)).text
    html = client.get(page_en.candidate_url(unknown)).text
    assert "Result of the election not recorded" in html


def test_comments_keep_the_candidates_words_with_their_language(client, campaign):
    page, page_en = campaign
    pledge = make_pledge(page, language="sq", commit=[])
    demand = page.demands.first()
    PledgeCommitment.objects.create(
        pledge=pledge, demand=demand, comment="Do ta mbroj këtë kërkesë në Kuvend."
    )
    html_sq = client.get(page.candidate_url(pledge)).text
    assert "<blockquote><p>Do ta mbroj këtë kërkesë në Kuvend.</p></blockquote>" in html_sq
    assert "Me fjalët e kandidatit." in html_sq
    html_en = client.get(page_en.candidate_url(pledge)).text
    quote = '<blockquote lang="sq"><p>Do ta mbroj këtë kërkesë në Kuvend.</p></blockquote>'
    assert quote in html_en
    assert "In the candidate's words, as written (not translated)." in html_en


def test_records_are_in_the_pages_language_and_by_demand(client, campaign):
    page, page_en = campaign
    demands = list(page.demands.all())
    pledge = make_pledge(page, elected=True)
    add_record(
        pledge,
        demand=demands[2],
        summary="Votoi për buxhetin me kod të veçantë.",
        translation="Voted for the budget with a dedicated code.",
    )
    add_record(
        pledge,
        demand=demands[0],
        stance=CandidateRecord.Stance.BROKEN,
        kind=CandidateRecord.Kind.STATEMENT,
        date=datetime.date(2021, 5, 4),
        summary="Deklaroi se punësimi nuk është përparësi.",
    )
    add_record(
        pledge, summary="Mori pjesë në takimin me komunitetet.", translation="Met the communities."
    )
    html_sq = client.get(page.candidate_url(pledge)).text
    assert "Votoi për buxhetin me kod të veçantë." in html_sq
    assert "Voted for the budget" not in html_sq
    assert "Kundër zotimit" in html_sq and "Deklaratë publike" in html_sq
    assert f'href="{SOURCE}" rel="nofollow noopener"' in html_sq
    html_en = client.get(page_en.candidate_url(pledge)).text
    assert "Voted for the budget with a dedicated code." in html_en
    assert "Votoi për buxhetin" not in html_en
    # no translation yet: the Albanian text, marked as such
    assert '<p class="record__summary" lang="sq">Deklaroi se punësimi' in html_en
    assert "Against the pledge" in html_en and "4 May 2021" in html_en
    # each record under its demand, the one without a demand after them
    demand_3 = html_en.index("Demand 3")
    assert html_en.index("Deklaroi se punësimi") < html_en.index("Demand 2") < demand_3
    assert demand_3 < html_en.index("Voted for the budget")
    other = html_en.index('id="other-records"')
    assert html_en.index("Met the communities.") > other > html_en.index("Voted for the budget")
    # a record of someone else does not show
    add_record(make_pledge(page, "Tjetër Kandidat"), summary="Nuk duhet të shfaqet.")
    assert "Nuk duhet të shfaqet" not in client.get(page.candidate_url(pledge)).text


def test_candidate_page_is_cached_until_the_next_deadline(client, org, settings):
    settings.PAGE_CACHE_SECONDS = 600
    page, _ = make_campaign(org, demands=1, slug="afati")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.election_date = tomorrow
    page.save_revision().publish()
    pledge = make_pledge(page)
    response = client.get(page.candidate_url(pledge))
    assert response["X-Cache"] == "MISS"
    assert 60 < response.wsgi_request.page_cache_max_seconds <= 2 * 24 * 3600
    assert client.get(page.candidate_url(pledge))["X-Cache"] == "HIT"


def test_candidate_pages_are_in_the_sitemap(campaign):
    page, page_en = campaign
    public = make_pledge(page)
    hidden = make_pledge(page, "Në Pritje", state=Pledge.State.PENDING, email="p@example.org")
    for version in (page, page_en):
        locations = [entry["location"] for entry in version.get_sitemap_urls()]
        assert version.full_url + f"candidates/{public.pk}/" in locations
        assert not any(f"candidates/{hidden.pk}/" in location for location in locations)


# -- the campaign page --------------------------------------------------------------


def test_every_card_links_to_its_candidate(client, campaign):
    page, page_en = campaign
    pledge = make_pledge(page, elected=True)
    html = client.get(page_en.url).text
    link = f'<a href="{page_en.url}candidates/{pledge.pk}/">Drita Kandidatja</a>'
    assert f'<h3 class="pledge__name">{link}</h3>' in html
    elected = html[html.index('class="elected-pledges"') :]
    assert link in elected[: elected.index("</ul>")]


def test_summary_per_party_elected_and_demand(client, campaign):
    page, page_en = campaign
    demands = list(page.demands.all())
    arta = make_pledge(page, "Arta", party="Beta", elected=True)
    make_pledge(page, "Bujar", party="Alfa", elected=True, commit=[0])
    make_pledge(page, "Çelik", party="Alfa", elected=False)
    make_pledge(page, "Dafina", party="", elected=None)
    add_record(arta, demand=demands[0], translation="Voted for it.")  # one record, two rows
    add_record(arta, demand=demands[0], stance=CandidateRecord.Stance.BROKEN)
    add_record(arta, demand=demands[1], stance=CandidateRecord.Stance.BROKEN)
    response = client.get(page_en.url)
    summary = response.context["pledge_summary"]
    assert [(r.party, r.pledged, r.elected) for r in summary["parties"]] == [
        ("Alfa", 2, 1),
        ("Beta", 1, 1),
        ("", 1, 0),
    ]
    assert [p.name for p in summary["elected"]] == ["Arta", "Bujar"]
    assert [(r.committed, r.with_record, r.against) for r in summary["demands"]] == [
        (2, 1, 1),
        (1, 1, 1),
        (1, 0, 0),
    ]
    html = response.content.decode()
    table = html[html.index('pledge-summary__demands"') :]
    table = table[: table.index("</table>")]
    cells = re.findall(r"<td>(\d+)</td>", table)
    assert cells == ["2", "1", "1", "1", "1", "1", "1", "0", "0"]
    assert "No party or list given" in html
    html_sq = client.get(page.url).text
    assert "Çfarë u bë me zotimet" in html_sq


def test_candidates_are_in_alphabetical_order_and_the_page_says_so(client, campaign):
    page, page_en = campaign
    for name, party in [
        ("Zana", "Lista e Madhe"),
        ("ëngjëll", "Lista e Madhe"),
        ("Çlirim", "Lista e Madhe"),
        ("Dhurata", "Lista e Madhe"),
        ("élodie", "E Vogël"),
        ("Dua", "E Vogël"),
        ("Cena", "E Vogël"),
        ("arben", "Lista e Madhe"),
    ]:
        make_pledge(page, name, party=party)
    expected = ["arben", "Cena", "Çlirim", "Dua", "Dhurata", "élodie", "ëngjëll", "Zana"]
    names = re.compile(r'<h3 class="pledge__name"><a href="[^"]+">([^<]+)</a></h3>')
    for version, sentence in [
        (page, "Kandidatët renditen sipas alfabetit të emrave"),
        (page_en, "Candidates are listed in alphabetical order of their names"),
    ]:
        html = client.get(version.url).text
        assert names.findall(html) == expected
        assert sentence in html
    # the same after the election day as before it
    page.election_date = timezone.localdate() + datetime.timedelta(days=30)
    page.save_revision().publish()
    html = client.get(page.url).text
    assert (
        names.findall(html) == expected and "Kandidatët renditen sipas alfabetit të emrave" in html
    )


def test_alphabetical_key_follows_the_albanian_alphabet():
    words = ["zog", "Xhemë", "xixë", "shtëpi", "Sokol", "rrugë", "Rina", "Llapi", "Lule"]
    words += ["gjak", "Gëzim", "ëndërr", "Erë", "DHE", "Drin", "çelës", "Cana", "Ábel", "agim"]
    assert sorted(words, key=alphabetical_key) == [
        "Ábel",
        "agim",
        "Cana",
        "çelës",
        "Drin",
        "DHE",
        "Erë",
        "ëndërr",
        "Gëzim",
        "gjak",
        "Lule",
        "Llapi",
        "Rina",
        "rrugë",
        "Sokol",
        "shtëpi",
        "xixë",
        "Xhemë",
        "zog",
    ]
    assert alphabetical_key("Ana Berisha") < alphabetical_key("Anabela")


def test_filters_keep_working_with_elected_only(client, campaign):
    page, _page_en = campaign
    add_pledges(page, 4)  # A: 0 prizren e, 2 gjakove e; B: 1 peje, 3 prizren
    response = client.get(page.url, {"elected": "1"})
    assert [p.name for p in response.context["pledges"]] == [
        "Kandidat Shembull 0",
        "Kandidat Shembull 2",
    ]
    html = response.content.decode()
    assert '<input type="checkbox" id="filter-elected" name="elected" value="1" checked>' in html
    assert '<label for="filter-elected">Vetëm të zgjedhurit</label>' in html
    response = client.get(page.url, {"elected": "1", "municipality": "prizren"})
    assert [p.name for p in response.context["pledges"]] == ["Kandidat Shembull 0"]
    response = client.get(page.url, {"elected": "yes", "party": "Lista B"})
    assert len(response.context["pledges"]) == 2


def test_take_the_pledge_link_until_the_election_day(client, org):
    page, page_en = make_campaign(org, demands=2, slug="zgjedhjet")
    text_en = "Are you a candidate? Take the pledge"
    assert text_en not in client.get(page_en.url).text  # the 2019 election has passed
    for days, shown in ((0, False), (1, True), (10, True)):
        # On the election day itself the pledge form is closed: no link to it.
        for version in (page, page_en):
            version.election_date = timezone.localdate() + datetime.timedelta(days=days)
            version.save_revision().publish()
        html = client.get(page_en.url).text
        assert (f'<a class="button" href="{page_en.url}pledge/">{text_en}</a>' in html) is shown
        assert ("Jeni kandidat? Merrni zotimin" in client.get(page.url).text) is shown
    # no demands, nothing to pledge to
    empty, _ = make_campaign(org, demands=0, slug="pa-kerkesa")
    empty.election_date = timezone.localdate() + datetime.timedelta(days=10)
    empty.save_revision().publish()
    assert "Jeni kandidat?" not in client.get(empty.url).text


def test_candidate_pages_are_in_the_sitemap_and_linked_across_languages(client, campaign):
    page, page_en = campaign
    pledge = make_pledge(page, "Arta Kandidatja")
    hidden = make_pledge(page, "Besa Pa Miratim", state=Pledge.State.CONFIRMED)

    sitemap = client.get("/sitemap.xml").content.decode()
    sq_url = page.get_full_url() + f"candidates/{pledge.pk}/"
    en_url = page_en.get_full_url() + f"candidates/{pledge.pk}/"
    assert f"<loc>{sq_url}</loc>" in sitemap and f"<loc>{en_url}</loc>" in sitemap
    assert f'hreflang="en" href="{en_url}"' in sitemap
    assert f"candidates/{hidden.pk}/" not in sitemap

    # The candidate's page leads to the same candidate in the other language.
    body = client.get(page.candidate_url(pledge)).content.decode()
    assert f'<link rel="canonical" href="{sq_url}">' in body
    assert f'hreflang="en" href="{en_url}"' in body
    # The language switcher too.
    assert f'href="{page_en.candidate_url(pledge)}"' in body
