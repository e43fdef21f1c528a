"""Organisations applying to join a platform: storing, reviewing, listing.

- The form (``organisation_forms.OrganisationApplicationForm``) is a sign-up of the
  contact person; ``store_application`` (its ``on_store``) keeps what the
  organisation says about itself beside it, in the same transaction. A later form
  with the same address replaces a pending application (the newest email's link
  confirms it); for a confirmed contact it is kept in ``proposed`` for staff to
  read and apply (a form proves nobody's identity), and the review is left as it was.
- Staff decide (``review``): approve, ask for more, decline; each decision is
  emailed to the contact in the language of their application.
- The public list (``member_organisations``) holds approved organisations whose
  contact confirmed, did not withdraw and was not erased, in Albanian alphabetical
  order. An erased contact takes the organisation off the list: nobody is left to
  speak for it (it may apply again with a new contact).
- Withdrawn sign-ups are purged by membership after its retention time; the
  application goes with them (CASCADE).
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from home.alphabet import alphabetical_key
from home.cache import invalidate_sites

from .constants import WITHDRAW_PARAM, SignUpKind, SignUpState
from .organisations import OrganisationApplication
from .records import MembershipSettings
from .tasks import page_link, sender_identity
from .tokens import issue_links

logger = logging.getLogger(__name__)

#: What an application says about the organisation, and so what a later form of a
#: confirmed contact may propose to change.
APPLICATION_FIELDS = ("name", "kind", "registration_number", "municipality", "website", "work")


# -- storing ----------------------------------------------------------------------------


def store_application(signup, details):
    """Create or update the application beside ``signup`` (run by store_submission
    inside its transaction, perhaps twice on a retry: the result is the same)."""
    application = OrganisationApplication.objects.filter(signup=signup).first()
    approved = (
        application is not None and application.review == OrganisationApplication.Review.APPROVED
    )
    if application is not None and (signup.state == SignUpState.CONFIRMED or approved):
        # What a member (or a confirmed contact) says now waits for staff: the public
        # list never shows a name or a website nobody reviewed.
        changes = {
            name: value for name, value in details.items() if getattr(application, name) != value
        }
        application.proposed = changes
        application.save(update_fields=["proposed"])
        return application
    site_id = signup.supporter.site_id
    defaults = {
        **details,
        "site_id": site_id,
        "principles_agreed": True,
        "proposed": {},
        "created_at": timezone.now(),
    }
    # A pending or withdrawn application sent again is a new one for review.
    defaults.update(review=OrganisationApplication.Review.WAITING, review_message="")
    application, _created = OrganisationApplication.objects.update_or_create(
        signup=signup, defaults=defaults
    )
    return application


def apply_proposed(application):
    """Staff take over what a later form of the confirmed contact proposed."""
    for name, value in application.proposed.items():
        if name in APPLICATION_FIELDS:
            setattr(application, name, value)
    application.proposed = {}
    application.full_clean(exclude=["signup", "site", "reviewed_by"])
    application.save()


# -- the public list ----------------------------------------------------------------


def member_organisations(site):
    """The approved member organisations of ``site`` (name, kind, municipality,
    website), in Albanian alphabetical order."""

    if site is None:
        return []
    rows = OrganisationApplication.objects.members().filter(site=site)
    organisations = [
        {
            "name": application.name,
            "kind": application.get_kind_display(),
            "municipality": application.get_municipality_display(),
            "website": application.website,
            "pk": application.pk,
        }
        for application in rows.only("pk", "name", "kind", "municipality", "website")
    ]
    return sorted(organisations, key=lambda row: (alphabetical_key(row["name"]), row["pk"]))


# -- review -----------------------------------------------------------------------------


def review(application, decision, message, user, now=None):
    """Record a decision and email it to the contact person (after the commit);
    returns whether the email went out (None: nobody to email)."""
    now = now or timezone.now()
    Review = OrganisationApplication.Review
    with transaction.atomic():
        application = OrganisationApplication.objects.select_for_update().get(pk=application.pk)
        application.review = decision
        application.review_message = "" if decision == Review.APPROVED else message
        application.reviewed_at = now
        application.reviewed_by = user
        if decision == Review.APPROVED and application.approved_at is None:
            application.approved_at = now
        application.save()
    return send_review_email(application, now=now)


def send_review_email(application, now=None):
    """The decision, in the contact's language; False when the mail server refused,
    None when the contact has no address (erased)."""
    signup = application.signup
    supporter = signup.supporter
    if not supporter.email:
        return None
    language = signup.language or settings.LANGUAGE_CODE
    site = supporter.site
    page_id, page_url = page_link(signup.page_id, language)
    days = MembershipSettings.for_site(site).confirmation_link_days
    tokens = issue_links(supporter, page_id, [signup.pk], days, now=now)
    base = (page_url or site.root_url + "/").rstrip("/") + "/"
    name, reply_to = sender_identity(site, language)
    with translation.override(language):
        context = {
            "application": application,
            "supporter": supporter,
            "decision": application.review,
            "message": application.review_message,
            "list_url": base,
            "apply_url": base + "apply/",
            "withdraw_link": f"{base}apply/?{WITHDRAW_PARAM}={tokens[1]}",
            "organisation": name,
        }
        subject = render_to_string("membership/email/organisation_review_subject.txt", context)
        body = render_to_string("membership/email/organisation_review.txt", context)
    email = EmailMultiAlternatives(
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [supporter.email],
        reply_to=[reply_to] if reply_to else None,
    )
    try:
        email.send()
    except Exception:
        logger.exception("Review email of organisation application %s not sent", application.pk)
        return False
    return True


# -- what happens to the contact's sign-up (membership's hooks) ----------------------------


def _listed_sites(signups):
    ids = [s.pk for s in signups if s.kind == SignUpKind.ORGANISATION]
    if not ids:
        return set()
    return set(
        OrganisationApplication.objects.filter(signup_id__in=ids, approved_at__isnull=False)
        .values_list("site_id", flat=True)
        .distinct()
    )


def signups_confirmed(signups):
    """An approved organisation whose contact confirms now joins the list."""
    sites = _listed_sites(signups)
    if sites:
        invalidate_sites(sites)


def signups_withdrawn(signups):
    """A contact who withdraws takes the organisation off the list."""
    sites = _listed_sites(signups)
    if sites:
        invalidate_sites(sites)


def supporter_erased(supporter):
    """The contact's words waiting for confirmation go; the organisation leaves the
    public list (``members`` skips erased contacts)."""
    applications = OrganisationApplication.objects.filter(signup__supporter=supporter)
    applications.update(proposed={})
    sites = set(applications.filter(approved_at__isnull=False).values_list("site_id", flat=True))
    if sites:
        invalidate_sites(sites)


def person_export(supporter):
    """The applications a person sent as contact, for their subject-access export."""

    def when(value):
        return value.isoformat() if value else None

    rows = [
        {
            "organisation": application.name,
            "kind": application.kind,
            "registration_number": application.registration_number,
            "municipality": application.municipality,
            "website": application.website,
            "work": application.work,
            "principles_agreed": application.principles_agreed,
            "changes_waiting": application.proposed,
            "received": when(application.created_at),
            "review": application.review,
            "review_message": application.review_message,
            "reviewed_at": when(application.reviewed_at),
            "member_since": when(application.approved_at),
        }
        for application in OrganisationApplication.objects.filter(
            signup__supporter=supporter
        ).order_by("pk")
    ]
    return {"organisation_applications": rows} if rows else {}
