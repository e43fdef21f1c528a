"""The list of what public pages show (home/invalidation.py), walked: for each
model, create, edit and delete a row, and check that the public page shows the change
on the very next request, although it was served from the page cache just before."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.rect import Rect
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale, Page, PageViewRestriction, Site

from home.invalidation import SHOWN_ON_PUBLIC_PAGES, unlisted_site_settings
from home.models import OrganisationSettings, OrganisationText, StandardPage
from tests.congress import conftest as congress_fixtures
from tests.movement import conftest as movement_fixtures

pytestmark = pytest.mark.django_db

congress_index = congress_fixtures.congress_index
make_congress = congress_fixtures.make_congress

SCENARIOS = {}


def scenario(label):
    def register(function):
        SCENARIOS[label] = function
        return function

    return register


class Visitor:
    """An anonymous visitor who checks what a page shows."""

    def __init__(self, client, host):
        self.client = client
        self.host = host

    def get(self, url, host=None):
        response = self.client.get(url, HTTP_HOST=host or self.host)
        assert response.status_code == 200, (url, response.status_code)
        return response

    def sees(self, url, present=(), absent=(), host=None, cached=True):
        """The page shows ``present`` and not ``absent`` on this request; and (for a
        cached page) it is then served from the cache, so the next change must reach
        the cache to be seen."""
        html = self.get(url, host).text
        for text in present:
            assert text in html, (url, text)
        for text in absent:
            assert text not in html, (url, text)
        if cached:
            assert self.get(url, host)["X-Cache"] == "HIT", url
        return html


def test_every_listed_model_is_walked():
    assert set(SCENARIOS) == set(SHOWN_ON_PUBLIC_PAGES)


def test_every_site_setting_and_its_rows_are_listed():
    assert unlisted_site_settings() == []


@pytest.mark.parametrize("label", sorted(SHOWN_ON_PUBLIC_PAGES))
def test_a_change_shows_on_the_next_request(label, client, org, request):
    SCENARIOS[label](Visitor(client, org.hostname), org, request)


# -- wagtailcore ------------------------------------------------------------------------


@scenario("wagtailcore.Site")
def _site(visitor, org, request):
    other = request.getfixturevalue("make_org")(
        "org-b.example", name="Organizata B", name_en="Organisation B"
    )
    # create: a hostname served by the default site until it becomes a site of its own
    visitor.sees("/sq/", ["Organizata A"], ["Organizata B"], host="org-c.example")
    site = Site.objects.create(hostname="org-c.example", port=80, root_page=other.home_sq)
    visitor.sees("/sq/", ["Organizata B"], host="org-c.example")
    # edit: the old name falls back to the default site at once
    site.hostname = "org-d.example"
    site.save()
    visitor.sees("/sq/", ["Organizata A"], ["Organizata B"], host="org-c.example")
    visitor.sees("/sq/", ["Organizata B"], host="org-d.example")
    # delete
    site.delete()
    visitor.sees("/sq/", ["Organizata A"], ["Organizata B"], host="org-d.example")


@scenario("wagtailcore.PageViewRestriction")
def _restriction(visitor, org, request):
    page, _ = request.getfixturevalue("standard_page")
    visitor.sees("/sq/", ['href="/sq/rreth-nesh/"'])
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="fjalëkalim"
    )
    visitor.sees("/sq/", absent=['href="/sq/rreth-nesh/"'])
    restriction.restriction_type = PageViewRestriction.LOGIN
    restriction.save()
    assert visitor.get("/sq/")["X-Cache"] == "MISS"
    assert visitor.client.get("/sq/rreth-nesh/", HTTP_HOST=org.hostname).status_code == 302
    restriction.delete()
    visitor.sees("/sq/", ['href="/sq/rreth-nesh/"'])
    visitor.sees("/sq/rreth-nesh/", ["Hyrje"])


# -- media ------------------------------------------------------------------------------


def _hero(org, image):
    home = Page.objects.get(pk=org.home_sq.pk).specific
    home.hero_image = image
    home.save_revision().publish()


@scenario("wagtailimages.Image")
def _image(visitor, org, request):
    from movement.models import Pledge

    image = Image.objects.create(title="Foto", file=get_test_image_file(filename="a.png"))
    page, _ = movement_fixtures.make_campaign(org)
    Pledge.objects.create(
        campaign=page, name="Drita", photo=image, signed_on=datetime.date(2019, 9, 1)
    )
    before = visitor.sees(page.url, ["pledge__photo"])
    # edit: a new focal point gives the cropped photo new renditions at new addresses
    image.set_focal_point(Rect(1, 1, 20, 20))
    image.save()
    after = visitor.sees(page.url, ["pledge__photo"])
    assert before != after
    # a new file, as the admin's "Change image file" (which drops the old renditions)
    image.file = get_test_image_file(filename="b.png", colour="red")
    image.save()
    image.renditions.all().delete()
    assert visitor.sees(page.url, ["pledge__photo"]) != after
    image.delete()
    visitor.sees(page.url, ["Drita"], ["pledge__photo"])


@scenario("wagtailimages.Rendition")
def _rendition(visitor, org, request):
    import re

    from django.conf import settings

    image = Image.objects.create(title="Kryesore", file=get_test_image_file())
    _hero(org, image)
    visitor.sees("/sq/", ["hero--image"])
    # renditions are made by the page that shows them: making one empties nothing
    image.get_rendition("width-100")
    assert visitor.get("/sq/")["X-Cache"] == "HIT"
    # deleted (and their files with them): the page is rendered again with new ones
    for rendition in image.renditions.all():
        rendition.file.delete(save=False)
        rendition.delete()
    html = visitor.sees("/sq/", ["hero--image"])
    for url in re.findall(r'src(?:set)?="(/media/[^" ]+)', html):
        assert (settings.MEDIA_ROOT / url.removeprefix("/media/")).exists(), url


@scenario("wagtaildocs.Document")
def _document(visitor, org, request):
    document = Document.objects.create(
        title="Raporti vjetor", file=SimpleUploadedFile("raporti.pdf", b"%PDF-1.4 test")
    )
    page = StandardPage(
        title="Dokumente",
        slug="dokumente",
        body=[("document", {"document": document, "title": ""})],
    )
    org.add_page(page)
    visitor.get("/sq/dokumente/")  # Wagtail stores the file's size on its first use
    visitor.sees("/sq/dokumente/", ["Raporti vjetor"])
    document.refresh_from_db()
    document.title = "Raporti vjetor 2024"
    document.save()
    visitor.sees("/sq/dokumente/", ["Raporti vjetor 2024"])
    document.delete()
    visitor.sees("/sq/dokumente/", absent=["Raporti vjetor"])


# -- site settings ------------------------------------------------------------------------


@scenario("home.OrganisationSettings")
def _organisation_settings(visitor, org, request):
    OrganisationSettings.objects.filter(site=org.site).delete()
    visitor.sees("/sq/", absent=["+383 38 000 000", "Slogani shqip"])
    settings = OrganisationSettings.objects.create(site=org.site, phone="+383 44 111 222")
    visitor.sees("/sq/", ["+383 44 111 222"])
    settings.phone = "+383 49 333 444"
    settings.save()
    visitor.sees("/sq/", ["+383 49 333 444"], ["+383 44 111 222"])
    settings.delete()
    visitor.sees("/sq/", absent=["+383 49 333 444"])


@scenario("home.OrganisationText")
def _organisation_text(visitor, org, request):
    OrganisationText.objects.filter(settings=org.settings).delete()
    visitor.sees("/sq/", absent=["Slogani shqip"])
    text = OrganisationText.objects.create(
        settings=org.settings,
        locale=Locale.objects.get(language_code="sq"),
        name="Organizata A",
        tagline="Slogani i parë",
    )
    visitor.sees("/sq/", ["Slogani i parë"])
    text.tagline = "Slogani i dytë"
    text.save()
    visitor.sees("/sq/", ["Slogani i dytë"], ["Slogani i parë"])
    text.delete()
    visitor.sees("/sq/", absent=["Slogani i dytë"])


# -- movement ---------------------------------------------------------------------------


@scenario("movement.Pledge")
def _pledge(visitor, org, request):
    from movement.models import Pledge

    page, _ = movement_fixtures.make_campaign(org)
    visitor.sees(page.url, absent=["Drita Kandidatja"])
    pledge = Pledge.objects.create(
        campaign=page, name="Drita Kandidatja", party="Lista A", signed_on=datetime.date(2019, 9, 1)
    )
    visitor.sees(page.url, ["Drita Kandidatja"])
    pledge.name = "Drita Kandidatja e Re"
    pledge.save()
    visitor.sees(page.url, ["Drita Kandidatja e Re"])
    pledge.delete()
    visitor.sees(page.url, absent=["Drita Kandidatja"])
    # A candidate's pledge waiting for review is not shown: it moves no generation,
    # whatever visitors send; its approval and a later withdrawal do.
    visitor.get(page.url)
    waiting = Pledge.objects.create(
        campaign=page, name="Besa Pret", state=Pledge.State.CONFIRMED, email="besa@example.org"
    )
    waiting.commitments.create(demand=page.demands.first())
    waiting.name = "Besa Pret Ende"
    waiting.save()
    assert visitor.get(page.url)["X-Cache"] == "HIT"
    waiting.state, waiting.approved_at = Pledge.State.APPROVED, timezone.now()
    waiting.save()
    visitor.sees(page.url, ["Besa Pret Ende"])
    waiting.state, waiting.withdrawn_on = Pledge.State.WITHDRAWN, timezone.localdate()
    waiting.save()
    assert visitor.get(page.url)["X-Cache"] == "MISS"


def _approved_pledge(page, name="Drita Kandidatja"):
    from django.utils import timezone

    from movement.models import Pledge

    return Pledge.objects.create(
        campaign=page,
        name=name,
        party="Lista A",
        signed_on=datetime.date(2019, 9, 1),
        approved_at=timezone.now(),
        elected=True,
    )


@scenario("movement.PledgeCommitment")
def _pledge_commitment(visitor, org, request):
    from movement.models import PledgeCommitment

    page, page_en = movement_fixtures.make_campaign(org)
    pledge = _approved_pledge(page)
    demand = page.demands.first()
    url, url_en = page.candidate_url(pledge), page_en.candidate_url(pledge)
    visitor.sees(url, ["commitment--no"], ["commitment--yes", "Komenti i parë"])
    visitor.sees(url_en, absent=["commitment--yes"])
    commitment = PledgeCommitment.objects.create(
        pledge=pledge, demand=demand, comment="Komenti i parë"
    )
    visitor.sees(url, ["commitment--yes", "Komenti i parë"])
    visitor.sees(url_en, ["commitment--yes", "Komenti i parë"])  # every language version
    commitment.comment = "Komenti i dytë"
    commitment.save()
    visitor.sees(url, ["Komenti i dytë"], ["Komenti i parë"])
    commitment.delete()
    visitor.sees(url, absent=["commitment--yes", "Komenti i dytë"])


@scenario("movement.CandidateRecord")
def _candidate_record(visitor, org, request):
    from movement.models import CandidateRecord, PledgeCommitment

    page, _ = movement_fixtures.make_campaign(org)
    pledge = _approved_pledge(page)
    PledgeCommitment.objects.create(pledge=pledge, demand=page.demands.first())
    url = page.candidate_url(pledge)
    visitor.sees(url, absent=["Votimi i parë"])
    # the campaign page's summary: one elected pledger committed, no record yet
    summary_row = "Kërkesa 1</a></th><td>1</td><td>{}</td>"
    visitor.sees(page.url, [summary_row.format(0)])
    record = CandidateRecord.objects.create(
        pledge=pledge,
        demand=page.demands.first(),
        locale=page.locale,
        date=datetime.date(2020, 3, 1),
        kind=CandidateRecord.Kind.VOTE,
        summary="Votimi i parë",
        source_url="https://www.kuvendikosoves.org/",
    )
    visitor.sees(url, ["Votimi i parë"])
    visitor.sees(page.url, [summary_row.format(1)])
    record.summary = "Votimi i dytë"
    record.save()
    visitor.sees(url, ["Votimi i dytë"], ["Votimi i parë"])
    record.delete()
    visitor.sees(url, absent=["Votimi i dytë"])


@scenario("movement.ProgressUpdate")
def _progress_update(visitor, org, request):
    from movement.choices import Status
    from movement.models import ProgressUpdate

    page, _ = movement_fixtures.make_campaign(org)
    demand = page.demands.first()
    visitor.sees(page.url, absent=["Shënim i parë"])
    update = ProgressUpdate.objects.create(
        demand=demand,
        locale=demand.locale,
        date=datetime.date(2020, 1, 1),
        status=Status.IN_THE_WORKS,
        note="Shënim i parë",
    )
    visitor.sees(page.url, ["Shënim i parë"])
    update.note = "Shënim i dytë"
    update.save()
    visitor.sees(page.url, ["Shënim i dytë"], ["Shënim i parë"])
    update.delete()
    visitor.sees(page.url, absent=["Shënim i dytë"])


# -- congress ---------------------------------------------------------------------------


@scenario("congress.Outcome")
def _outcome(visitor, org, request):
    page, _ = request.getfixturevalue("make_congress")()  # in 2019: over
    visitor.sees(page.url, absent=["Rezoluta e parë"])
    outcome = congress_fixtures.add_outcome(page, text="Rezoluta e parë")
    visitor.sees(page.url, ["Rezoluta e parë"])
    outcome.text = "Rezoluta e ndryshuar"
    outcome.save_revision().publish()
    visitor.sees(page.url, ["Rezoluta e ndryshuar"])
    outcome.unpublish()
    visitor.sees(page.url, absent=["Rezoluta e ndryshuar"])
    outcome.delete()
    visitor.sees(page.url, absent=["Rezoluta"])


@scenario("congress.Question")
def _question(visitor, org, request):
    from congress.models import Question

    page, _ = request.getfixturevalue("make_congress")(questions_enabled=True)
    # A question waiting for moderation changes nothing the public sees.
    question = Question.objects.create(congress=page, text="Pyetja e parë", language="sq")
    visitor.sees(page.url, absent=["Pyetja e parë"])
    question.status = Question.Status.APPROVED
    question.moderated_at = timezone.now()
    question.save()
    visitor.sees(page.url, ["Pyetja e parë"])
    question.answer = "Përgjigjja jonë"
    question.answered_at = timezone.now()
    question.save()
    visitor.sees(page.url, ["Përgjigjja jonë"])
    question.status = Question.Status.REJECTED
    question.save()
    visitor.sees(page.url, absent=["Pyetja e parë"])
    question.delete()
    visitor.sees(page.url, absent=["Pyetja e parë"])


@scenario("membership.OrganisationApplication")
def _organisation(visitor, org, request):
    from membership.models import (
        MemberOrganisationsPage,
        OrganisationApplication,
        SignUp,
        Supporter,
    )

    page, _ = org.add_page(
        MemberOrganisationsPage(title="Organizatat anëtare", slug="organizatat", consent_text="Po.")
    )
    contact = Supporter.objects.create(site=org.site, email="kontakt@example.org")
    signup = SignUp.objects.create(
        supporter=contact,
        kind=SignUp.Kind.ORGANISATION,
        page=page,
        state=SignUp.State.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    # An application waiting for review changes nothing the public sees.
    application = OrganisationApplication.objects.create(
        signup=signup, site=org.site, name="Shoqata Drita", kind="association", work="Arsim."
    )
    visitor.sees(page.url, absent=["Shoqata Drita"])
    application.review = OrganisationApplication.Review.APPROVED
    application.approved_at = timezone.now()
    application.save()
    visitor.sees(page.url, ["Shoqata Drita"])
    application.name = "Shoqata Drita e Re"
    application.save()
    visitor.sees(page.url, ["Shoqata Drita e Re"])
    application.delete()
    visitor.sees(page.url, absent=["Shoqata Drita"])


@scenario("congress.Speaker")
def _speaker(visitor, org, request):
    speaker = congress_fixtures.add_speaker(name="Arta Folësja")
    page, _ = request.getfixturevalue("make_congress")(
        agenda=[congress_fixtures.session("Hapja", speakers=[speaker])]
    )
    visitor.sees(page.url, ["Arta Folësja"])
    speaker.name = "Arta Folësja e Re"
    speaker.save()
    visitor.sees(page.url, ["Arta Folësja e Re"])
    speaker.delete()
    visitor.sees(page.url, absent=["Arta Folësja"])
