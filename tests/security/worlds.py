"""Two organisations with something of every kind the admin manages, for the
cross-organisation tests (test_translation_scope.py, test_permission_matrix.py).

Everything of organisation B that is not public carries ``MARKER`` in its title or
name, so a listing that shows B's items to A's staff is caught by a text search.
"""

import datetime
import json

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale, Workflow
from wagtail_localize.models import Translation, TranslationSource

from congress.constants import OutcomeKind
from congress.models import CongressIndexPage, CongressPage, Outcome, Speaker
from home.models import SiteRole, StandardPage
from home.roles import ensure_site_roles, site_collection
from movement.models import CandidateRecord, Pledge, PledgeCommitment, ProgressUpdate
from tests.conftest import publish
from tests.movement.conftest import make_campaign

MARKER = "Sekretb"
ROLES = (SiteRole.EDITOR, SiteRole.TRANSLATOR, SiteRole.EVENT_STAFF, SiteRole.MEMBERSHIP_OFFICER)


def localize(instance):
    """Translate ``instance`` into English with wagtail-localize (a synced
    translation, as the admin's "Translate" does); returns the Translation."""
    source, _ = TranslationSource.get_or_create_from_instance(instance)
    translation = Translation.objects.create(
        source=source, target_locale=Locale.objects.get(language_code="en")
    )
    translation.save_target(publish=True)
    return translation


def _congress(org, tag):
    index = CongressIndexPage(title=f"Kongreset {tag}", slug=f"kongreset-{org.site.pk}")
    org.home_sq.add_child(instance=index)
    publish(index)
    localize(index)
    start = timezone.now() + datetime.timedelta(days=30)
    congress = CongressPage(
        title=f"Kongresi {tag}",
        slug=f"kongresi-{org.site.pk}",
        number=1,
        start_at=start,
        end_at=start + datetime.timedelta(hours=4),
        venue_name="Salla",
        livestreams=json.dumps([]),
    )
    index.add_child(instance=congress)
    publish(congress)
    localize(congress)
    return congress


def build_side(org, tag, make_user, prefix):
    """Pages, snippets, media, people and translations of one organisation; ``tag``
    goes into every title. Returns a dict of them, and users of each role."""
    site = org.site
    groups = ensure_site_roles(site)
    draft = StandardPage(title=f"Skicë {tag}", slug=f"skice-{site.pk}", intro=tag, live=False)
    org.home_sq.add_child(instance=draft)
    revision = draft.save_revision()
    page = StandardPage(title=f"Faqja {tag}", slug=f"faqja-{site.pk}", intro=tag)
    org.home_sq.add_child(instance=page)
    publish(page)
    page_translation = localize(page)
    congress = _congress(org, tag)
    groups = ensure_site_roles(site)  # again: event staff get the new congress index
    outcome = Outcome(
        congress=congress,
        kind=OutcomeKind.RESOLUTION,
        title=f"Rezoluta {tag}",
        text=f"Teksti {tag}",
        locale=congress.locale,
        live=False,
    )
    outcome.save()
    outcome_revision = outcome.save_revision()
    outcome_translation = localize(outcome)
    speaker_fields = {"site": site} if "site" in {f.name for f in Speaker._meta.fields} else {}
    speaker = Speaker.objects.create(
        name=f"Folësi {tag}", locale=congress.locale, bio=tag, **speaker_fields
    )
    campaign, _ = make_campaign(org, demands=1, slug=f"fushata-{site.pk}")
    pledge = Pledge.objects.create(campaign=campaign, name=f"Kandidati {tag}", party=tag)
    # Made online, address confirmed, waiting for review: private until approved.
    online_pledge = Pledge.objects.create(
        campaign=campaign,
        name=f"Kandidatja {tag}",
        party=tag,
        state=Pledge.State.CONFIRMED,
        source=Pledge.Source.ONLINE,
        email=f"{tag}-kandidatja@example.org",
        language="sq",
        consent_text=f"Pajtohem {tag}",
        confirmed_at=timezone.now(),
        link_digest=f"{site.pk:064d}",
        link_expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    PledgeCommitment.objects.create(
        pledge=online_pledge, demand=campaign.demands.get(), comment=f"Koment {tag}"
    )
    record = CandidateRecord.objects.create(
        pledge=pledge,
        demand=campaign.demands.get(),
        locale=campaign.locale,
        date=datetime.date(2021, 2, 1),
        kind=CandidateRecord.Kind.VOTE,
        summary=f"Votoi {tag}",
        source_url=f"https://example.org/{tag}",
    )
    update = ProgressUpdate.objects.create(
        demand=campaign.demands.get(),
        locale=campaign.locale,
        date=datetime.date(2021, 1, 1),
        status="stalled",
        value=3,
        note=tag,
    )
    collection = site_collection(site)
    image = get_image_model().objects.create(
        title=f"Foto {tag}", file=get_test_image_file(), collection=collection
    )
    image.tags.add(f"etiketa-{tag}")
    document = get_document_model().objects.create(
        title=f"Dokument {tag}",
        file=ContentFile(b"%PDF-1.4 test", name=f"doc-{site.pk}.pdf"),
        collection=collection,
    )
    document.tags.add(f"etiketa-{tag}")
    users = {role: make_user(f"{prefix}_{role}", groups[role]) for role in ROLES}
    workflow_state = Workflow.objects.first().start(draft, users[SiteRole.EDITOR])
    return {
        "org": org,
        "site": site,
        "groups": groups,
        "users": users,
        "draft": draft,
        "revision": revision,
        "page": page,
        "page_translation": page_translation,
        "congress": congress,
        "outcome": outcome,
        "outcome_revision": outcome_revision,
        "outcome_translation": outcome_translation,
        "speaker": speaker,
        "campaign": campaign,
        "pledge": pledge,
        "online_pledge": online_pledge,
        "record": record,
        "update": update,
        "collection": collection,
        "image": image,
        "document": document,
        "workflow_state": workflow_state,
    }


def add_congress_participation(side):
    """People registered for the side's congress (one with a place and checked in,
    one waiting, one pending) and questions (pending, approved and answered); every
    name and text carries the side's tag. Returns the dict with them added."""
    from congress.questions import Question
    from congress.registrations import Registration
    from membership import services as membership_services
    from membership.constants import SignUpKind
    from membership.records import SignUp

    congress = side["congress"]
    tag = congress.title.split()[-1]
    registrations = []
    for n, status in enumerate(("place", "waitlist", "pending")):

        def on_store(signup, status=status):
            Registration.objects.update_or_create(
                signup=signup,
                defaults={
                    "congress": congress,
                    "mode": "in_person",
                    "status": status,
                    "organisation": f"OJQ {tag}",
                    "accessibility": f"Nevoja {tag}",
                },
            )

        ids = membership_services.store_submission(
            site=side["site"],
            page=congress,
            language="sq",
            email=f"{tag.lower()}-{n}-registrant@example.org",
            person={"given_name": tag, "family_name": f"Pjesëmarrësi{n}"},
            signups=[
                {
                    "kind": SignUpKind.REGISTRATION,
                    "consents": [("signup", f"Pajtohem {tag}")],
                    "on_store": on_store,
                }
            ],
            notify=False,
        )
        if status != "pending":
            SignUp.objects.filter(pk__in=ids).update(
                state=SignUp.State.CONFIRMED, confirmed_at=timezone.now()
            )
        registrations.append(Registration.objects.get(signup_id=ids[0]))
    Registration.objects.filter(pk=registrations[0].pk).update(checked_in_at=timezone.now())
    questions = [
        Question.objects.create(
            congress=congress,
            name=f"Pyetësi {tag}",
            text=f"Pyetja {tag} {status}",
            language="sq",
            status=status,
        )
        for status in ("pending", "approved", "rejected")
    ]
    side |= {"registrations": registrations, "registration": registrations[0]}
    side |= {"questions": questions, "question": questions[0]}
    return side


def add_mailings(side, people):
    """Messages of the side, in each state the admin acts on: a draft, one waiting
    for approval and one being sent, with copies to ``people`` (one sent, the others
    waiting). Names and subjects carry the side's tag."""
    from membership.mailings import Delivery, Mailing, MailingVersion

    tag = side["congress"].title.split()[-1]
    officer = side["users"][SiteRole.MEMBERSHIP_OFFICER]
    made = {}
    for key, status in (
        ("draft", Mailing.Status.DRAFT),
        ("approval", Mailing.Status.AWAITING_APPROVAL),
        ("sending", Mailing.Status.SENDING),
    ):
        mailing = Mailing.objects.create(
            site=side["site"],
            name=f"Mesazhi {tag} {key}",
            status=status,
            created_by=officer,
            submitted_by=officer if status != Mailing.Status.DRAFT else None,
        )
        for language in ("sq", "en"):
            MailingVersion.objects.create(
                mailing=mailing,
                language=language,
                subject=f"Lënda {tag} {language}",
                preview_text=f"Parathënie {tag}",
                body=f"<p>Teksti {tag} {{name}}</p>",
            )
        made[key] = mailing
    sending = made["sending"]
    for n, person in enumerate(people):
        Delivery.objects.create(
            mailing=sending,
            supporter=person,
            language="sq",
            status=Delivery.Status.SENT if n == 0 else Delivery.Status.QUEUED,
            sent_at=timezone.now() if n == 0 else None,
        )
    Mailing.objects.filter(pk=sending.pk).update(recipients=len(people), queued_at=timezone.now())
    side |= {"mailings": made, "mailing": made["draft"]}
    return side


def build_world(make_org, make_user):
    a = make_org("org-a.example", default=True)
    b = make_org("org-b.example", name="Organizata B", name_en="Organisation B")
    root = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    return {
        "a": build_side(a, "Alfa", make_user, "a"),
        "b": build_side(b, MARKER, make_user, "b"),
        "root": root,
    }
