"""What happens to a candidate's pledge taken online: storing it, the candidate's
link, confirming, editing, withdrawing, and the emails about it.

- A pledge hangs on the campaign's first page (``membership.services.canonical_page``)
  whatever the language it was taken in, and commits to that page's demands (found
  by the translation keys of the demands ticked); ``language`` is the candidate's.
- One pledge per campaign and address (a unique constraint). The form never changes
  a stored pledge: the same address again only gets its link again (a few times an
  hour at most), and the visitor sees the same thank-you as for a new pledge, so
  the form reveals nothing about anyone. The candidate edits through the link.
- The candidate's link (``movement.links``): every email carries a new one, which
  replaces the ones before.
- Changes that the public cannot see (a pending pledge, its confirmation, the
  email's progress) are written without the signals that empty the page cache;
  a change of a public pledge (a withdrawal) saves it, so the pages follow.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Collection

from home.roles import site_collection
from home.security import ratelimit
from membership import services
from membership.emails import normalise_email
from membership.services import canonical_page, page_language

from .progress import local_today
from .records import Pledge, PledgeCommitment
from .tasks import WORKER_GRACE, queue_email

logger = logging.getLogger(__name__)

#: The emails about a pledge (``notify``). "link" answers the form sent again with
#: the address of a pledge that is past its confirmation: a new link, nothing else
#: (the form never changes a stored pledge; the candidate edits through the link).
MESSAGES = ("confirm", "approved", "proof", "declined", "withdrawn", "link")
#: States in which the candidate's link may change a pledge.
EDITABLE = (Pledge.State.PENDING, Pledge.State.CONFIRMED, Pledge.State.PROOF)
#: States from which the candidate can no longer withdraw.
FINAL = (Pledge.State.DECLINED, Pledge.State.WITHDRAWN)
STORE_ATTEMPTS = 3
#: Query string parameter of the thank-you state after the form.
THANKS_PARAM = "sent"


# -- when and where --------------------------------------------------------------------


def pledging_is_open(page, today=None):
    """Pledges are taken online while the page is published and before its election
    day (always, without one)."""
    if not page.live:
        return False
    election = page.election_date
    return election is None or (today or local_today()) < election


# -- emails ------------------------------------------------------------------------------


def notify(pledge, message):
    """Email the candidate about their pledge, after the transaction commits (a new
    link in each). Nothing for a pledge without an address (entered from paper)."""
    if message not in MESSAGES:
        raise ValueError(f"unknown message {message!r}")
    if not pledge.email:
        return False

    due = timezone.now() + WORKER_GRACE
    Pledge.objects.filter(pk=pledge.pk).update(
        email_status="queued", email_attempts=0, email_due_at=due
    )
    pledge.email_status, pledge.email_attempts, pledge.email_due_at = "queued", 0, due
    transaction.on_commit(lambda: queue_email(pledge.pk, message))
    return True


# -- storing ------------------------------------------------------------------------------


def _write(pledge, fields, was_public=False):
    """Write ``fields`` of ``pledge``: saved (the signals empty the page cache) if the
    public could see it before or after, else a plain update."""
    if was_public or pledge.is_public:
        pledge.save(update_fields=fields)
    else:
        Pledge.objects.filter(pk=pledge.pk).update(
            **{name: getattr(pledge, name) for name in fields}
        )


def _find(campaign_id, email):
    """The pledge of this address for this campaign, locked until the end of the
    transaction."""
    return (
        Pledge.objects.select_for_update()
        .filter(campaign_id=campaign_id, email=email)
        .select_related("campaign")
        .first()
    )


def _save_photo(upload, site, title):
    """The uploaded photo as a Wagtail image in the organisation's collection."""
    collection = site_collection(site) if site is not None else Collection.get_first_root_node()
    upload.seek(0)
    image = get_image_model()(title=title[:255], file=upload, collection=collection)
    image.file_size = upload.size
    image.save()
    image.get_file_hash()
    return image


def _delete_images(ids):
    """Delete the photos a candidate replaced (with their files and renditions)."""
    ids = [pk for pk in ids if pk]
    if ids:
        transaction.on_commit(lambda: get_image_model().objects.filter(pk__in=ids).delete())


def _commitments(pledge, keys, comments):
    """Replace the pledge's commitments: ``comments`` is [(demand key, comment)]."""
    PledgeCommitment.objects.filter(pledge_id=pledge.pk).delete()
    PledgeCommitment.objects.bulk_create(
        [
            PledgeCommitment(
                pledge_id=pledge.pk, demand_id=keys[key], comment=comment, sort_order=n
            )
            for n, (key, comment) in enumerate(comments)
            if key in keys
        ]
    )


def _demand_ids(campaign):
    """{translation key: id} of the demands of ``campaign`` (a CampaignPage)."""
    return dict(campaign.demands.values_list("translation_key", "pk"))


def submit(page, form, site=None, now=None):
    """Store the pledge of a valid ``CandidatePledgeForm`` sent on ``page`` and queue
    its email; returns the pledge (the one of this address, which the form never
    changes once stored)."""
    canonical = canonical_page(page)
    language = page_language(page)
    email = normalise_email(form.cleaned_data["email"])
    for attempt in range(STORE_ATTEMPTS):
        made = []
        try:
            with transaction.atomic():
                return _submit(page, form, site, canonical.pk, language, email, made, now)
        except IntegrityError:
            # Two identical forms at once: the other one stored it first; its row is
            # found on the next round (and its link sent again).
            for image in made:
                image.file.storage.delete(image.file.name)
            if attempt == STORE_ATTEMPTS - 1:
                raise
    return None  # pragma: no cover - the loop returns or raises


def _submit(page, form, site, campaign_id, language, email, made, now):
    now = now or timezone.now()
    pledge = _find(campaign_id, email)
    if pledge is not None:
        # The form never changes a stored pledge (only the candidate's link does):
        # the address gets its link again, at most a few times an hour.
        limit, window = settings.MEMBERSHIP_EMAILS_PER_ADDRESS
        if ratelimit.allow(f"movement:pledge-resend:{email}", limit, window):
            notify(pledge, "confirm" if pledge.state == Pledge.State.PENDING else "link")
        return pledge
    upload = form.cleaned_data.get("photo")
    photo = _save_photo(upload, site, form.cleaned_data["name"]) if upload else None
    if photo is not None:
        made.append(photo)
    values = {
        **form.pledge_fields(),
        "language": language,
        "consent_text": form.consent_text,
        "state": Pledge.State.PENDING,
        "source": Pledge.Source.ONLINE,
        "signed_on": timezone.localdate(now),
        "confirmed_at": None,
        "photo_id": photo.pk if photo else None,
    }
    pledge = Pledge(campaign_id=campaign_id, email=email, created_at=now, **values)
    # No signals: nobody sees a pending pledge, the page cache stays.
    Pledge.objects.bulk_create([pledge])
    pledge = Pledge.objects.select_related("campaign").get(pk=pledge.pk)
    _commitments(pledge, _demand_ids(pledge.campaign), form.commitments())
    notify(pledge, "confirm")
    return pledge


def save_edit(pledge, form, site=None):
    """The candidate's changes (through their link) to a pledge not yet approved; it
    keeps its state (a pledge asked for proof still is) and counts a new version."""
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().select_related("campaign").get(pk=pledge.pk)
        if locked.state not in EDITABLE:
            return False
        values = {
            **form.pledge_fields(),
            "consent_text": form.consent_text,
            "version": locked.version + 1,
        }
        old_photo = None
        upload = form.cleaned_data.get("photo")
        if upload or form.cleaned_data.get("remove_photo"):
            old_photo = locked.photo_id
            photo = _save_photo(upload, site, form.cleaned_data["name"]) if upload else None
            values["photo_id"] = photo.pk if photo else None
        for name, value in values.items():
            setattr(locked, name, value)
        _write(locked, list(values))
        _delete_images([old_photo])
        _commitments(locked, _demand_ids(locked.campaign), form.commitments())
    pledge.refresh_from_db()
    return True


def confirm(pledge, now=None):
    """The candidate confirmed their address: PENDING → CONFIRMED (waiting for
    review). A second press changes nothing. True when it was confirmed now."""
    changed = Pledge.objects.filter(pk=pledge.pk, state=Pledge.State.PENDING).update(
        state=Pledge.State.CONFIRMED, confirmed_at=now or timezone.now()
    )
    pledge.refresh_from_db()
    return bool(changed)


def withdraw(pledge, today=None):
    """The candidate withdraws their pledge (any state but declined or withdrawn).
    Before the election day it leaves the public pages; after it the record stays
    and says it was withdrawn. Emails a confirmation. True when withdrawn now."""
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().select_related("campaign").get(pk=pledge.pk)
        if locked.state in FINAL:
            return False
        was_public = locked.is_public
        locked.state = Pledge.State.WITHDRAWN
        locked.withdrawn_on = today or local_today()
        _write(locked, ["state", "withdrawn_on"], was_public=was_public)
        notify(locked, "withdrawn")
    pledge.refresh_from_db()
    return True


# -- the form's POST ------------------------------------------------------------------------


def handle_submission(request, page, form, url):
    """Validate and store a bound pledge form as the other public forms are
    (``membership.services.handle_submission``: spam traps, too-fast forms shown
    again). The redirect to the thank-you state, or None to show the form again."""
    return services.handle_submission(
        request, page, form, THANKS_PARAM, url=url, store=lambda site: submit(page, form, site)
    )
