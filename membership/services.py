"""What happens to a sign-up: storing, confirming, rate limiting, erasing, purging.

Views and page types call these functions; nothing here renders a form.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.models import Page, Site

from home.models import OrganisationSettings
from home.security import ratelimit
from home.security.net import client_ip

from .constants import (
    CONFIRM_PARAM,
    CONFIRMED_PARAM,
    LINK_PARAMS,
    PER_PAGE_KINDS,
    WITHDRAW_PARAM,
    WITHDRAWN_PARAM,
)
from .emails import InvalidEmail, normalise_email
from .mailings import Delivery, MailingVersion, UndeliverableAddress
from .records import (
    AuditEntry,
    ConsentRecord,
    LinkToken,
    MembershipSettings,
    PaperUpload,
    SignUp,
    Supporter,
)
from .tasks import pending_by_person, send_confirmation_email
from .tokens import ExpiredLink, InvalidLink, delete_expired, mark_used, read_link

logger = logging.getLogger(__name__)

# Fields of the small forms the links of the emails show.
ACTION_FIELD = "membership-action"
TOKEN_FIELD = "membership-token"  # noqa: S105 - a field name, not a secret
SCOPE_FIELD = "membership-scope"
STORE_ATTEMPTS = 5
# What a sign-up may say about its person (``Supporter`` fields).
DETAIL_FIELDS = (
    "given_name",
    "family_name",
    "phone",
    "municipality",
    "country",
    "year_of_birth",
    "language",
)


# -- sites and pages ------------------------------------------------------------------


def site_for_page(page):
    """The organisation (Site) a page belongs to, in any language.

    Translations of a site's home page are siblings of it, so the page's own
    ancestors are matched by translation key against every site's root page.
    """
    site = page.get_site()
    if site is not None:
        return site
    roots = {s.root_page.translation_key: s for s in Site.objects.select_related("root_page")}
    for ancestor in page.get_ancestors(inclusive=True).filter(depth__gte=2):
        if ancestor.translation_key in roots:
            return roots[ancestor.translation_key]
    return None


def site_for_request_page(request, page):
    """``site_for_page``, without a query in the usual case: the request's site when
    the page is served under it (Wagtail finds both once per request)."""
    site = Site.find_for_request(request) if request is not None else None
    if site is not None:
        url_parts = page.get_url_parts(request)
        if url_parts is not None and url_parts[0] == site.pk:
            return site
    return site_for_page(page)


def membership_settings_for_page(page, request=None):
    """The membership rules of the page's organisation (defaults outside any site)."""
    site = site_for_request_page(request, page)
    if site is None:
        return MembershipSettings()
    return MembershipSettings.for_site(site)


def canonical_page(page):
    """One page stands for a statement in every language (the first one made)."""
    return Page.objects.filter(translation_key=page.translation_key).order_by("pk").first() or page


def canonical_page_id(page):
    """The id of ``canonical_page(page)``."""
    first = (
        Page.objects.filter(translation_key=page.translation_key)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return first or page.pk


def page_language(page):
    """The page's language code."""
    if page.locale_id is None:
        return get_language()
    return page.locale.language_code


# -- rate limit -------------------------------------------------------------------------


def client_address(request):
    """The visitor's address; behind N trusted proxies, the N-th from the right in
    X-Forwarded-For (MEMBERSHIP_TRUSTED_PROXIES), read only from a trusted proxy."""
    return client_ip(request, proxies=settings.MEMBERSHIP_TRUSTED_PROXIES)


def _sender(form):
    """The email address a bound form gives, as its key ("" without one)."""
    if form is None:
        return ""
    value = str(form.data.get(form.add_prefix("email"), ""))[:254]
    try:
        return normalise_email(value)
    except InvalidEmail:  # refused by the form; counted as typed
        return value.casefold()


def hit_rate_limit(request, form=None):
    """Count this submission; the window in seconds of the limit it went over, or None.

    Two limits: MEMBERSHIP_RATE_LIMIT per address and email together (one person
    sending again and again), and MEMBERSHIP_ADDRESS_RATE_LIMIT per address alone,
    high enough for many people behind one address (a mobile carrier's shared
    address, a canvasser signing people up on one phone). Counted where every
    worker sees it (Redis, else the database; see home/security/ratelimit.py). When
    that store cannot be reached the limit is not applied and a warning is logged:
    a sign-up is never lost to it."""
    address = client_address(request)
    sender = _sender(form)
    limit, window = settings.MEMBERSHIP_RATE_LIMIT
    # A form without an address (a question to a congress) has only the limit per
    # address: a whole hall on the venue's network asks through one.
    if sender and not ratelimit.allow(f"membership:signup:{address}:{sender}", limit, window):
        return window
    limit, window = settings.MEMBERSHIP_ADDRESS_RATE_LIMIT
    if not ratelimit.allow(f"membership:signup-address:{address}", limit, window):
        return window
    return None


def rate_limited_response(request, page=None, form=None):
    """None, or the translated 429 page when the submission is over a limit; the page
    shows the form again with what the visitor typed (``form``, bound)."""
    window = hit_rate_limit(request, form)
    if window is None:
        return None
    context = {"page": page, "request": request, "action": request.path}
    if form is not None:
        context["form"] = form.copy_to_send_again()
    response = TemplateResponse(request, "membership/rate_limited.html", context, status=429)
    response["Retry-After"] = str(window)
    add_never_cache_headers(response)
    return response


# -- storing a submission --------------------------------------------------------------


def _thanks_redirect(request, page, thanks_param, url=None):
    url = url or page.get_url(request) or "/"
    response = HttpResponseRedirect(f"{url}?{thanks_param}=1")
    add_never_cache_headers(response)
    return response


def handle_submission(request, page, form, thanks_param, url=None, store=None):
    """Validate and store a bound public form.

    Returns the redirect to the thank-you state (``url``, by default the page's URL,
    with ``?<thanks_param>=1``), or None when the form has errors (the caller shows
    it again). Spam gets the same redirect and stores nothing. ``store(site)`` stores
    a valid form of another kind than sign-ups (a candidate's pledge).
    """
    reason = form.spam_reason()
    if reason in ("honeypot", "token"):
        logger.info("Spam trap (%s) caught a submission on page %s", reason, page.pk)
        return _thanks_redirect(request, page, thanks_param, url)
    if not form.is_valid():
        # Errors are shown even to a fast sender: they reveal nothing, and a person
        # who pressed the button on an empty form sees what is missing.
        return None
    if reason == "fast":
        # Browser autofill sends as fast as a robot: ask the person to send it again
        # (the form keeps what they typed and gets a token of the time it was shown).
        logger.info("Form sent too fast on page %s: shown again", page.pk)
        form.add_error(
            None,
            ValidationError(
                _(
                    "Your form arrived very quickly, so we did not save it yet. "
                    "Please check it and send it once more."
                ),
                code="fast",
            ),
        )
        return None
    site = site_for_request_page(request, page)
    if site is None:  # a page outside any site cannot take sign-ups
        return None
    if store is not None:
        store(site)
        return _thanks_redirect(request, page, thanks_param, url)
    language = page_language(page)
    store_submission(
        site=site,
        page=page,
        language=language,
        email=form.cleaned_data["email"],
        person=form.person(),
        signups=form.signups(),
    )
    return _thanks_redirect(request, page, thanks_param, url)


def run_hooks(name, *args):
    """Let the apps that keep records beside sign-ups follow what happened to them
    (``membership_signups_confirmed``, ``membership_signups_withdrawn`` with the
    sign-ups, ``membership_supporter_erased`` with the person), inside the
    transaction that changed them. ``membership_person_export`` hooks return a dict
    of sections added to a person's export."""
    for hook in hooks.get_hooks(name):
        hook(*args)


def _revision_for(page):
    return page.live_revision_id or page.latest_revision_id


def store_submission(
    *,
    site,
    page,
    language,
    email,
    person,
    signups,
    entered_by=None,
    notify=True,
    paper_key=None,
):
    """Find or create the supporter and their sign-ups in one transaction.

    Uniqueness is guarded by the database (one supporter per site and email, one
    sign-up of each kind, one signature per statement, one paper signature per
    ``paper_key`` and statement); a concurrent request that loses the race finds the
    winner's rows. Returns the ids of the sign-ups this submission concerns. The
    confirmation email is queued after commit (unless ``notify`` is false); paper
    signatures (``entered_by``) are confirmed at once. ``email`` is taken as its key
    (``normalise_email``), whoever calls. ``paper_key`` (a paper signature without an
    address) finds the signature that the same paper row made before.
    """
    email = normalise_email(email) or None
    paper_key = paper_key if entered_by is not None and email is None else None
    for attempt in range(STORE_ATTEMPTS):
        try:
            with transaction.atomic():
                ids, send_email = _store(
                    site, page, language, email, person, signups, entered_by, paper_key
                )
            break
        except IntegrityError:
            # Lost a race on a unique constraint in a way get_or_create could not
            # absorb (for example on SQLite after a retry); the rows exist now.
            if attempt == STORE_ATTEMPTS - 1:
                raise
    if notify and send_email and ids:
        transaction.on_commit(lambda: queue_confirmation(ids, language))
    return ids


def _store(site, page, language, email, person, signups, entered_by, paper_key=None):
    """The rows of one submission, in as few queries as the guarantees allow.

    No savepoints and no existence checks the database makes anyway: a concurrent
    request that wins the race on a unique constraint makes this one raise
    IntegrityError, the whole transaction is rolled back and ``store_submission``
    runs it again, when the winner's rows are found.
    """
    now = timezone.now()
    details = {
        key: value
        for key, value in person.items()
        if key in DETAIL_FIELDS and value not in (None, "")
    }
    details["language"] = language
    paper = entered_by is not None
    # Kinds had once per page hang on the page's first version (any language).
    signature_page_id = None
    if any(spec["kind"] in PER_PAGE_KINDS for spec in signups):
        signature_page_id = canonical_page_id(page)
    supporter = None
    if email:
        supporter = Supporter.objects.filter(site=site, email=email).order_by().first()
    elif paper_key and signature_page_id is not None:
        # The same paper row, entered before: its (anonymous) person.
        earlier = (
            SignUp.objects.filter(page_id=signature_page_id, paper_key=paper_key)
            .select_related("supporter")
            .order_by()
            .first()
        )
        supporter = earlier.supporter if earlier is not None else None
    created = supporter is None
    if created:
        # Nobody had this address: the person starts with what the form said (until
        # a confirmation decides, see ``apply_details``).
        supporter = Supporter(site=site, email=email or None, **details)
        supporter.save(force_insert=True)
    elif paper:
        # Staff typed it from a signed paper: it counts like a confirmation.
        first = not SignUp.objects.filter(supporter=supporter, confirmed_at__isnull=False).exists()
        apply_details(supporter, [details], first_confirmation=first)
    # An online form does not prove who is typing: what it says about a known person
    # waits with the sign-up (``proposed_details``) until that sign-up is confirmed.
    proposal = {} if paper else details
    notify = not paper and bool(supporter.email)

    def key(kind, page_id):
        return (kind, page_id if kind in PER_PAGE_KINDS else None)

    existing = {}
    if not created:
        # A new supporter has no sign-ups: only a known one is looked up.
        kinds = {spec["kind"] for spec in signups}
        condition = Q(kind__in=kinds - PER_PAGE_KINDS)
        if signature_page_id is not None:
            condition |= Q(kind__in=kinds & PER_PAGE_KINDS, page_id=signature_page_id)
        existing = {
            key(s.kind, s.page_id): s
            for s in SignUp.objects.filter(condition, supporter=supporter).order_by()
        }

    revision_id = _revision_for(page)
    # ``contact_only``: sign-ups sent again before their confirmation, whose form's
    # box agreeing to email counts as ticked or not (the newest email's link
    # confirms what the newest submission says).
    ordered, new, consented, resent, contact_only, unconfirmed = [], [], [], [], [], []
    for spec in signups:
        kind = spec["kind"]
        page_id = signature_page_id if kind in PER_PAGE_KINDS else page.pk
        signup = existing.get(key(kind, page_id))
        if signup is None:
            signup = SignUp(
                supporter=supporter,
                kind=kind,
                page_id=page_id,
                language=language,
                created_at=now,
                source=SignUp.Source.PAPER if paper else SignUp.Source.ONLINE,
                entered_by=entered_by,
                state=SignUp.State.CONFIRMED if paper else SignUp.State.PENDING,
                confirmed_at=now if paper else None,
                email_status=SignUp.EmailStatus.QUEUED if notify else SignUp.EmailStatus.NONE,
                proposed_details=proposal,
                paper_key=paper_key if kind == SignUp.Kind.SIGNATURE else None,
                **spec.get("fields", {}),
            )
            new.append(signup)
            consented.append((signup, spec))
        elif signup.state == SignUp.State.WITHDRAWN and not paper:
            # Someone who left and signs up again: pending until they confirm.
            signup.state = SignUp.State.PENDING
            signup.withdrawn_at = None
            for name, value in spec.get("fields", {}).items():
                setattr(signup, name, value)
            if kind not in PER_PAGE_KINDS:
                signup.page_id = page.pk
            signup.language = language
            signup.proposed_details = proposal
            signup.save()
            consented.append((signup, spec))
            if signup.confirmed_at is None:
                # A box ticked before it was withdrawn was never confirmed either.
                unconfirmed.append((signup, spec))
        elif signup.state == SignUp.State.PENDING and not paper:
            # Sent again before it was confirmed: the link in the newest email
            # confirms what this submission says.
            resent.append(signup.pk)
            contact_only.append((signup, spec))
        ordered.append(signup)
    if new:
        SignUp.objects.bulk_create(new)
    given = [
        (signup, purpose, text)
        for signup, spec in consented
        for purpose, text in spec.get("consents", [])
    ] + [
        (signup, purpose, text)
        for signup, spec in contact_only
        for purpose, text in spec.get("consents", [])
        if purpose == ConsentRecord.Purpose.CONTACT
    ]
    consents = [
        ConsentRecord(
            signup=signup,
            purpose=(
                purpose if purpose in ConsentRecord.Purpose.values else ConsentRecord.Purpose.SIGNUP
            ),
            text=text,
            language=language,
            page=page,
            revision_id=revision_id,
            method=signup.source,
            given_at=now,
        )
        for signup, purpose, text in given
    ]
    # The newest submission decides: a box left unticked now takes back the tick of
    # an earlier submission of the same sign-up that was never confirmed.
    unticked = [
        signup.pk
        for signup, spec in contact_only + unconfirmed
        if not any(
            purpose == ConsentRecord.Purpose.CONTACT for purpose, _text in spec.get("consents", [])
        )
    ]
    if unticked:
        ConsentRecord.objects.filter(
            signup_id__in=unticked, purpose=ConsentRecord.Purpose.CONTACT
        ).delete()
    if consents:
        ConsentRecord.objects.bulk_create(consents)
    for signup, spec in zip(ordered, signups, strict=True):
        # What another app keeps beside a sign-up (a congress registration's mode),
        # stored in the same transaction.
        if spec.get("on_store") is not None:
            spec["on_store"](signup)
    ids = [signup.pk for signup in ordered]
    created_now = {id(signup) for signup in new}
    known = [signup.pk for signup in ordered if id(signup) not in created_now]
    queued = {"email_status": SignUp.EmailStatus.QUEUED} if notify else {}
    if resent:
        SignUp.objects.filter(pk__in=resent).update(proposed_details=details, **queued)
    others = [pk for pk in known if pk not in resent]
    if notify and others:
        SignUp.objects.filter(pk__in=others).update(**queued)
    return ids, notify


def apply_details(supporter, proposals, first_confirmation):
    """Apply what confirmed sign-ups said about the person (``proposals``, newest
    first) and save what changed.

    The rule: a person's details are those of their first confirmed sign-up, and
    each later confirmation only fills what is still empty. So on the first
    confirmation the newest proposal replaces everything (what the row held came
    from forms nobody confirmed, perhaps typed by someone else); after that nothing
    a person confirmed is overwritten by a form (staff correct it in the admin).
    The municipality and the country go together.
    """
    proposals = [details for details in proposals if details]
    changed = []

    def put(name, value):
        if getattr(supporter, name) != value:
            setattr(supporter, name, value)
            changed.append(name)

    for index, details in enumerate(proposals):
        if index == 0 and first_confirmation:
            for name in DETAIL_FIELDS:
                put(name, details.get(name, None if name == "year_of_birth" else ""))
            continue
        if not supporter.municipality and details.get("municipality"):
            put("municipality", details["municipality"])
            put("country", details.get("country", ""))
        for name in DETAIL_FIELDS:
            value = details.get(name)
            if name not in ("municipality", "country") and value and not getattr(supporter, name):
                put(name, value)
    if changed:
        supporter.save(update_fields=[*dict.fromkeys(changed), "updated_at"])


# -- confirmation email ----------------------------------------------------------------


def queue_confirmation(signup_ids, language):
    """Hand the email to the task backend; if even that fails, the retry command
    finds the sign-ups still queued."""
    try:
        send_confirmation_email.enqueue(signup_ids=list(signup_ids), language=language)
    except Exception:
        logger.exception("Could not queue the confirmation email for %s", signup_ids)


def resend_confirmations(signups):
    """Send the confirmation email again (staff): one per person, covering their
    pending sign-ups, retried afresh. Returns how many people it goes to."""
    # An email being sent right now is left to its sender (it may be arriving).
    signups = signups.exclude(
        email_status=SignUp.EmailStatus.SENDING, email_retry_at__gt=timezone.now()
    )
    people = pending_by_person(signups)
    SignUp.objects.filter(pk__in=[pk for ids, _ in people.values() for pk in ids]).update(
        email_status=SignUp.EmailStatus.QUEUED,
        email_attempts=0,
        email_retry_at=None,
        email_retry_until=None,
    )
    for ids, language in people.values():
        transaction.on_commit(lambda ids=ids, language=language: queue_confirmation(ids, language))
    return len(people)


def confirm(signup_ids, site=None, issued_details=None):
    """Confirm the pending sign-ups; returns the kinds that are now confirmed.

    ``issued_details`` (from the link that confirms them: {"id": details}) limits
    the details applied to those the email was sent for: a sign-up whose details
    were replaced since (another form with the same address) is confirmed, but its
    new details wait for nobody and are dropped. None (staff, paper) applies them."""
    now = timezone.now()
    qs = SignUp.objects.filter(pk__in=signup_ids, supporter__erased_at__isnull=True)
    if site is not None:
        qs = qs.filter(supporter__site=site)
    with transaction.atomic():
        signups = list(qs.select_for_update())
        newly = [s for s in signups if s.state == SignUp.State.PENDING]
        if issued_details is not None:
            for signup in newly:
                if issued_details.get(str(signup.pk)) != signup.proposed_details:
                    signup.proposed_details = {}
        _apply_proposed_details(newly)
        SignUp.objects.filter(pk__in=[s.pk for s in newly]).update(
            state=SignUp.State.CONFIRMED, confirmed_at=now, proposed_details={}
        )
        for signup in newly:
            signup.state, signup.confirmed_at, signup.proposed_details = (
                SignUp.State.CONFIRMED,
                now,
                {},
            )
        _start_contact_consent(newly, now)
        run_hooks("membership_signups_confirmed", newly)
    return {s.kind for s in signups if s.state != SignUp.State.WITHDRAWN}


def _start_contact_consent(newly, now):
    """People who ticked the box agreeing to email on a sign-up confirmed now may be
    written to from now on. An earlier agreement in force stays (its time is kept);
    a box ticked before the person's last unsubscribe brings nothing back: the
    later "no" wins."""
    agreed = (
        ConsentRecord.objects.filter(
            signup_id__in=[s.pk for s in newly], purpose=ConsentRecord.Purpose.CONTACT
        )
        .values("signup__supporter_id")
        .annotate(latest=Max("given_at"))
        .order_by()
    )
    for row in agreed:
        Supporter.objects.filter(
            Q(contact_withdrawn_at__isnull=True) | Q(contact_withdrawn_at__lt=row["latest"]),
            pk=row["signup__supporter_id"],
            contact_consent_at__isnull=True,
            erased_at__isnull=True,
        ).update(contact_consent_at=now, updated_at=now)


def _apply_proposed_details(newly):
    """What the sign-ups being confirmed said about their people (``apply_details``)."""
    proposals = {}
    for signup in sorted(newly, key=lambda s: (s.created_at, s.pk), reverse=True):
        if signup.proposed_details:
            proposals.setdefault(signup.supporter_id, []).append(signup.proposed_details)
    if not proposals:
        return
    # People locked first: a confirmation of the same person in parallel has then
    # committed, and is seen as confirmed before.
    people = list(Supporter.objects.filter(pk__in=proposals).order_by("pk").select_for_update())
    confirmed_before = set(
        SignUp.objects.filter(supporter_id__in=proposals, confirmed_at__isnull=False)
        .values_list("supporter_id", flat=True)
        .distinct()
    )
    for supporter in people:
        apply_details(
            supporter,
            proposals[supporter.pk],
            first_confirmation=supporter.pk not in confirmed_before,
        )


def withdraw(supporter, page_id=None):
    """Withdraw a person's sign-ups (those of the page ``page_id`` in any language,
    or all of them): they stop counting and are purged after the site's retention
    time. Returns how many were withdrawn."""
    qs = SignUp.objects.filter(supporter=supporter)
    if page_id is not None:
        keys = Page.objects.filter(pk=page_id).values("translation_key")
        qs = qs.filter(page__translation_key__in=keys)
    return _withdraw(qs)


def withdraw_signups(signup_ids):
    """Withdraw these sign-ups (staff, at the person's request); how many were."""
    return _withdraw(SignUp.objects.filter(pk__in=signup_ids))


def _withdraw(qs):
    with transaction.atomic():
        signups = list(qs.exclude(state=SignUp.State.WITHDRAWN).select_for_update(of=("self",)))
        SignUp.objects.filter(pk__in=[s.pk for s in signups]).update(
            state=SignUp.State.WITHDRAWN, withdrawn_at=timezone.now(), proposed_details={}
        )
        run_hooks("membership_signups_withdrawn", signups)
    return len(signups)


def _read_confirm(token, site):
    """(status, link, sign-ups) of a confirmation token within the site: the sign-ups
    its email was sent for and, until it is used, those of its person whose email
    was held back since (the per-address limit), so that nobody is left unable to
    confirm."""
    try:
        link = read_link(token, site, [LinkToken.Purpose.CONFIRM])
    except ExpiredLink:
        return "expired", None, []
    except InvalidLink:
        return "invalid", None, []
    covered = Q(pk__in=link.signup_ids)
    if link.supporter is not None and not link.used:
        covered |= Q(
            supporter=link.supporter,
            state=SignUp.State.PENDING,
            email_status=SignUp.EmailStatus.HELD,
        )
    signups = SignUp.objects.filter(
        covered, supporter__site=site, supporter__erased_at__isnull=True
    )
    return "valid", link, [s for s in signups if s.state != SignUp.State.WITHDRAWN]


def _link_redirect(url, query, anchor=""):
    response = HttpResponseRedirect(f"{url}?{query}{anchor}")
    add_never_cache_headers(response)
    return response


def is_link_request(request):
    """True for the links of the emails (GET) and the forms they show (POST)."""
    if request.method == "POST":
        return request.POST.get(ACTION_FIELD) in ("confirm", "withdraw")
    return request.method in ("GET", "HEAD") and any(p in request.GET for p in LINK_PARAMS)


def handle_link(request, page, url=None, anchor=""):
    """The confirmation and withdrawal links on a page.

    GET never changes anything: it shows a button (or the state after a POST); only
    the POST of that button confirms or withdraws, then redirects (POST/redirect/GET),
    so that email scanners that open links confirm nothing. Returns a redirect, or
    the dict the template ``membership/includes/confirmation.html`` shows (with
    ``http_status`` for the response). ``url`` is where the links and their forms
    are answered: the page's URL unless given.
    """
    site = Site.find_for_request(request)
    url = url or page.get_url(request) or "/"
    data = request.POST if request.method == "POST" else request.GET
    action = request.POST.get(ACTION_FIELD) if request.method == "POST" else None
    base = {"action": url, "anchor": anchor, "http_status": 200}

    shown = next((p for p in (CONFIRM_PARAM, CONFIRMED_PARAM) if p in data), None)
    if action == "confirm" or (action is None and shown):
        token = data.get(TOKEN_FIELD if action else shown, "")
        status, link, signups = _read_confirm(token, site)
        if status == "valid" and not signups:
            status = "invalid"
        if status != "valid":
            return {**base, "status": status, "http_status": 400 if action else 200}
        if action == "confirm":
            if not link.used:  # a second press, or a double click, changes nothing
                confirm([s.pk for s in signups], site=site, issued_details=link.details)
                mark_used(link)
            return _link_redirect(url, f"{CONFIRMED_PARAM}={token}", anchor)
        return _confirmation_state(base, token, link, signups)

    if action is None and WITHDRAWN_PARAM in data:
        return {**base, "status": "withdrawn"}

    token = data.get(TOKEN_FIELD if action else WITHDRAW_PARAM, "")
    try:
        # A confirmation link also lets its person withdraw while it is valid.
        link = read_link(token, site, [LinkToken.Purpose.WITHDRAW, LinkToken.Purpose.CONFIRM])
    except InvalidLink:
        link = None
    if link is None or link.supporter is None:
        return {**base, "status": "withdraw_invalid", "http_status": 400 if action else 200}
    if action == "withdraw":
        scope = request.POST.get(SCOPE_FIELD, "page")
        withdraw(link.supporter, link.page_id if scope != "all" else None)
        return _link_redirect(url, f"{WITHDRAWN_PARAM}=1", anchor)
    return {**base, "status": "withdraw", "token": token, "organisation": _org_name(site)}


def _confirmation_state(base, token, link, signups):
    """The button while something is left to confirm (never a claim that it is
    done), else what is confirmed, with a way out."""
    pending = [s for s in signups if s.state == SignUp.State.PENDING]
    if pending and not link.used:
        kinds = sorted({s.kind for s in pending})
        labels = [SignUp.Kind(kind).label for kind in kinds]
        return {**base, "status": "ask", "token": token, "labels": labels}
    confirmed = [s for s in signups if s.state == SignUp.State.CONFIRMED]
    if not confirmed:
        return {**base, "status": "invalid"}
    withdraw_url = None
    if link.supporter is not None:
        withdraw_url = f"{base['action']}?{WITHDRAW_PARAM}={token}"
    return {
        **base,
        "status": "confirmed",
        "kinds": sorted({s.kind for s in confirmed}),
        "withdraw_url": withdraw_url,
    }


def _org_name(site):
    org = OrganisationSettings.objects.filter(site=site).first()
    text = org.text_for(get_language()) if org else None
    return text.name if text else (site.site_name or site.hostname)


# -- erasure, access requests and retention --------------------------------------------


def audit(site, user, action, supporter=None, **detail):
    return AuditEntry.objects.create(
        site=site,
        user=user if user is not None and user.is_authenticated else None,
        username=getattr(user, "get_username", lambda: "")() if user else "system",
        action=action,
        supporter_ref=supporter.pk if supporter is not None else None,
        detail=detail,
    )


def erase_supporter(supporter, user=None, reason="request"):
    """Anonymise a person and their sign-ups; the sign-ups (and counts) stay.

    Their copies of messages stay counted but lose the link to them and the mail
    server's answer (which may quote the address); copies still waiting are not
    sent; the mark of their address as undeliverable goes with the address."""
    with transaction.atomic():
        supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
        if supporter.erased_at is None:
            email = supporter.email
            Supporter.objects.filter(pk=supporter.pk).update(
                email=None,
                given_name="",
                family_name="",
                phone="",
                country="",
                year_of_birth=None,
                contact_consent_at=None,
                contact_withdrawn_at=None,
                erased_at=timezone.now(),
            )
            Delivery.objects.filter(supporter=supporter, status=Delivery.Status.QUEUED).update(
                status=Delivery.Status.SKIPPED, reason=Delivery.Reason.ERASED
            )
            Delivery.objects.filter(supporter=supporter).update(supporter=None, error="")
            if email:
                UndeliverableAddress.objects.filter(site_id=supporter.site_id, email=email).delete()
            SignUp.objects.filter(supporter=supporter).update(
                motivation="",
                skills="",
                languages_spoken="",
                community="",
                areas=[],
                availability=[],
                proposed_details={},
                paper_key=None,
            )
            # The consent texts are the organisation's own words; they stay as proof
            # of what was shown, with no personal data in them.
            run_hooks("membership_supporter_erased", supporter)
        audit(supporter.site, user, AuditEntry.Action.ERASE, supporter, reason=reason)
    supporter.refresh_from_db()
    return supporter


def person_export(supporter, include_special=False):
    """Everything stored about one person (a subject access request)."""

    def when(value):
        return value.isoformat() if value else None

    signups = []
    for signup in supporter.signups.select_related("page").prefetch_related("consents"):
        item = {
            "kind": signup.kind,
            "state": signup.state,
            "source": signup.source,
            "page": signup.page.title if signup.page else None,
            "page_url": signup.page.full_url if signup.page else None,
            "language": signup.language,
            "created_at": when(signup.created_at),
            "confirmed_at": when(signup.confirmed_at),
            "withdrawn_at": when(signup.withdrawn_at),
            "motivation": signup.motivation,
            "areas": signup.area_names(),
            "skills": signup.skills,
            "availability": signup.availability,
            "languages_spoken": signup.languages_spoken,
            "details_waiting_for_confirmation": signup.proposed_details,
            "consents": [
                {
                    "purpose": consent.purpose,
                    "text": consent.text,
                    "language": consent.language,
                    "page_revision": consent.revision_id,
                    "method": consent.method,
                    "given_at": when(consent.given_at),
                }
                for consent in signup.consents.all()
            ],
        }
        if include_special:
            item["community"] = signup.community
        signups.append(item)
    messages = []
    deliveries = (
        supporter.deliveries.select_related("mailing")
        .prefetch_related(
            Prefetch("mailing__versions", queryset=MailingVersion.objects.order_by("pk"))
        )
        .order_by("pk")
    )
    for delivery in deliveries:
        # The message's name is the staff's own label: the person sees the subject.
        messages.append(
            {
                "message": delivery.mailing_id,
                "subject": delivery.subject(),
                "language": delivery.language,
                "status": delivery.status,
                "reason": delivery.reason,
                "error": delivery.error,
                "sent_at": when(delivery.sent_at),
            }
        )
    undeliverable = None
    if supporter.email:
        mark = UndeliverableAddress.objects.filter(
            site_id=supporter.site_id, email=supporter.email
        ).first()
        if mark is not None:
            undeliverable = {
                "reason": mark.reason,
                "note": mark.note,
                "marked_at": when(mark.created_at),
            }
    extra = {}
    for hook in hooks.get_hooks("membership_person_export"):
        extra.update(hook(supporter))
    return {
        **extra,
        "organisation": supporter.site.site_name or supporter.site.hostname,
        "id": supporter.pk,
        "email": supporter.email,
        "given_name": supporter.given_name,
        "family_name": supporter.family_name,
        "phone": supporter.phone,
        "municipality": supporter.municipality,
        "country": supporter.country,
        "year_of_birth": supporter.year_of_birth,
        "language": supporter.language,
        "created_at": when(supporter.created_at),
        "erased_at": when(supporter.erased_at),
        "contact_consent_at": when(supporter.contact_consent_at),
        "unsubscribed_at": when(supporter.contact_withdrawn_at),
        "signups": signups,
        "messages": messages,
        "undeliverable": undeliverable,
    }


def purge(now=None, stdout=None):
    """Apply every site's retention settings. Returns counts per site."""
    now = now or timezone.now()
    results = {}
    for site in Site.objects.all():
        rules = MembershipSettings.for_site(site)
        pending_cutoff = now - timedelta(days=rules.pending_retention_days)
        withdrawn_cutoff = now - timedelta(days=rules.withdrawn_retention_days)
        with transaction.atomic():
            stale = SignUp.objects.filter(
                supporter__site=site, state=SignUp.State.PENDING, created_at__lt=pending_cutoff
            )
            deleted_signups = stale.count()
            stale.delete()
            # People left with nothing: gone entirely.
            orphans = Supporter.objects.filter(site=site, signups__isnull=True)
            deleted_people = orphans.count()
            orphans.delete()
        withdrawn = (
            Supporter.objects.filter(site=site, erased_at__isnull=True)
            .exclude(signups__state__in=[SignUp.State.PENDING, SignUp.State.CONFIRMED])
            .filter(signups__withdrawn_at__lt=withdrawn_cutoff)
            # Counted from the last withdrawal: someone who withdrew yesterday too
            # is kept for the whole time.
            .exclude(signups__withdrawn_at__gte=withdrawn_cutoff)
            .distinct()
        )
        erased = 0
        for supporter in withdrawn:
            erase_supporter(supporter, None, reason="retention")
            erased += 1
        if deleted_signups or deleted_people or erased:
            audit(
                site,
                None,
                AuditEntry.Action.PURGE,
                signups_deleted=deleted_signups,
                people_deleted=deleted_people,
                people_erased=erased,
            )
        results[site.pk] = {
            "signups_deleted": deleted_signups,
            "people_deleted": deleted_people,
            "people_erased": erased,
        }
    delete_expired(now)  # links that can no longer be used
    delete_expired_paper_uploads(now)
    return results


def delete_expired_paper_uploads(now=None):
    """Delete the checked paper files nobody imported in time (personal data)."""
    PaperUpload.objects.filter(expires_at__lte=now or timezone.now()).delete()
