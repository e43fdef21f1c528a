"""What happens to a sign-up: storing, confirming, rate limiting, erasing, purging.

Views and page types call these functions; nothing here renders a form.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from wagtail.models import Page, Site

from home.cache import invalidate_page_cache

from .models import AuditEntry, ConsentRecord, MembershipSettings, SignUp, Supporter

logger = logging.getLogger(__name__)

CONFIRM_PARAM = "confirm"
CONFIRM_SALT = "membership.confirm"
STORE_ATTEMPTS = 5


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


def membership_settings_for_page(page):
    site = getattr(page, "_membership_site", None) or site_for_page(page)
    page._membership_site = site
    if site is None:
        return MembershipSettings()
    return MembershipSettings.for_site(site)


def canonical_page(page):
    """One page stands for a statement in every language (the first one made)."""
    return Page.objects.filter(translation_key=page.translation_key).order_by("pk").first() or page


# -- rate limit -------------------------------------------------------------------------


def client_address(request):
    """The visitor's address; behind N trusted proxies, the N-th from the right in
    X-Forwarded-For (MEMBERSHIP_TRUSTED_PROXIES)."""
    proxies = settings.MEMBERSHIP_TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def hit_rate_limit(request):
    """Count this submission; True when the address went over the limit."""
    limit, window = settings.MEMBERSHIP_RATE_LIMIT
    digest = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"membership:rate:{digest}"
    if cache.add(key, 1, window):
        return 1 > limit
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, window)
        count = 1
    return count > limit


def rate_limited_response(request, page=None):
    """None, or the translated 429 page when the address is over the limit."""
    if not hit_rate_limit(request):
        return None
    response = TemplateResponse(
        request, "membership/rate_limited.html", {"page": page, "request": request}, status=429
    )
    response["Retry-After"] = str(settings.MEMBERSHIP_RATE_LIMIT[1])
    add_never_cache_headers(response)
    return response


# -- storing a submission --------------------------------------------------------------


def _thanks_redirect(request, page, thanks_param):
    url = page.get_url(request) or "/"
    response = HttpResponseRedirect(f"{url}?{thanks_param}=1")
    add_never_cache_headers(response)
    return response


def handle_submission(request, page, form, thanks_param):
    """Validate and store a bound public form.

    Returns the redirect to the thank-you state, or None when the form has errors
    (the caller shows it again). Spam gets the same redirect and stores nothing.
    """
    reason = form.spam_reason()
    if reason in ("honeypot", "token"):
        logger.info("Spam trap (%s) caught a submission on page %s", reason, page.pk)
        return _thanks_redirect(request, page, thanks_param)
    if not form.is_valid():
        # Errors are shown even to a fast sender: they reveal nothing, and a person
        # who pressed the button on an empty form sees what is missing.
        return None
    if reason == "fast":
        logger.info("Spam trap (too fast) caught a submission on page %s", page.pk)
        return _thanks_redirect(request, page, thanks_param)
    site = site_for_page(page)
    if site is None:  # a page outside any site cannot take sign-ups
        return None
    language = page.locale.language_code if page.locale_id else get_language()
    store_submission(
        site=site,
        page=page,
        language=language,
        email=form.cleaned_data["email"],
        person=form.person(),
        signups=form.signups(),
    )
    return _thanks_redirect(request, page, thanks_param)


def _revision_for(page):
    return page.live_revision_id or page.latest_revision_id


def store_submission(*, site, page, language, email, person, signups, entered_by=None, notify=True):
    """Find or create the supporter and their sign-ups in one transaction.

    Uniqueness is guarded by the database (one supporter per site and email, one
    sign-up of each kind, one signature per statement); a concurrent request that
    loses the race finds the winner's rows. Returns the ids of the sign-ups this
    submission concerns. The confirmation email is queued after commit (unless
    ``notify`` is false); paper signatures (``entered_by``) are confirmed at once.
    """
    for attempt in range(STORE_ATTEMPTS):
        try:
            with transaction.atomic():
                ids, send_email = _store(site, page, language, email, person, signups, entered_by)
            break
        except IntegrityError:
            # Lost a race on a unique constraint in a way get_or_create could not
            # absorb (for example on SQLite after a retry); the rows exist now.
            if attempt == STORE_ATTEMPTS - 1:
                raise
    if notify and send_email and ids:
        transaction.on_commit(lambda: queue_confirmation(ids, language))
    return ids


def _store(site, page, language, email, person, signups, entered_by):
    now = timezone.now()
    defaults = {key: value for key, value in person.items() if value not in (None, "")}
    defaults["language"] = language
    if email:
        supporter, created = Supporter.objects.get_or_create(
            site=site, email=email, defaults=defaults
        )
    else:
        supporter, created = Supporter.objects.create(site=site, email=None, **defaults), True
    if not created:
        # Never overwrite what a person gave before (the form does not prove who is
        # typing); only fill what was empty.
        changed = [key for key, value in defaults.items() if value and not getattr(supporter, key)]
        for key in changed:
            setattr(supporter, key, defaults[key])
        if changed:
            supporter.save(update_fields=changed + ["updated_at"])

    paper = entered_by is not None
    ids = []
    for spec in signups:
        kind = spec["kind"]
        lookup = {"supporter": supporter, "kind": kind}
        signup_defaults = dict(spec.get("fields", {}))
        if kind == SignUp.Kind.SIGNATURE:
            lookup["page"] = canonical_page(page)
        else:
            signup_defaults["page"] = page
        signup_defaults.update(
            {
                "language": language,
                "created_at": now,
                "source": SignUp.Source.PAPER if paper else SignUp.Source.ONLINE,
                "entered_by": entered_by,
                "state": SignUp.State.CONFIRMED if paper else SignUp.State.PENDING,
                "confirmed_at": now if paper else None,
            }
        )
        signup, created = SignUp.objects.get_or_create(**lookup, defaults=signup_defaults)
        reopened = False
        if not created and signup.state == SignUp.State.WITHDRAWN and not paper:
            # Someone who left and signs up again: pending until they confirm.
            signup.state = SignUp.State.PENDING
            signup.withdrawn_at = None
            for key, value in spec.get("fields", {}).items():
                setattr(signup, key, value)
            signup.page = page if kind != SignUp.Kind.SIGNATURE else signup.page
            signup.language = language
            signup.save()
            reopened = True
        if created or reopened:
            ConsentRecord.objects.bulk_create(
                [
                    ConsentRecord(
                        signup=signup,
                        purpose=(
                            purpose
                            if purpose in ConsentRecord.Purpose.values
                            else ConsentRecord.Purpose.SIGNUP
                        ),
                        text=text,
                        language=language,
                        page=page,
                        revision_id=_revision_for(page),
                        method=signup.source,
                        given_at=now,
                    )
                    for purpose, text in spec.get("consents", [])
                ]
            )
        ids.append(signup.pk)
    if not paper and supporter.email:
        SignUp.objects.filter(pk__in=ids).update(email_status=SignUp.EmailStatus.QUEUED)
    return ids, (not paper and bool(supporter.email))


# -- confirmation email ----------------------------------------------------------------


def queue_confirmation(signup_ids, language):
    """Hand the email to the task backend; if even that fails, the retry command
    finds the sign-ups still queued."""
    from .tasks import send_confirmation_email

    try:
        send_confirmation_email.enqueue(signup_ids=list(signup_ids), language=language)
    except Exception:
        logger.exception("Could not queue the confirmation email for %s", signup_ids)


def confirmation_token(signup_ids, days):
    return signing.dumps({"ids": list(signup_ids), "d": int(days)}, salt=CONFIRM_SALT)


def read_confirmation_token(token):
    """The sign-up ids of a valid token, or raise signing.BadSignature
    (signing.SignatureExpired when it is too old)."""
    payload = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.MEMBERSHIP_LINK_MAX_AGE)
    days = int(payload.get("d", 7)) if isinstance(payload, dict) else 0
    payload = signing.loads(token, salt=CONFIRM_SALT, max_age=timedelta(days=days))
    ids = payload.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise signing.BadSignature("malformed")
    return ids


def confirm(signup_ids, site=None):
    """Confirm the pending sign-ups; returns the kinds that are now confirmed."""
    now = timezone.now()
    qs = SignUp.objects.filter(pk__in=signup_ids, supporter__erased_at__isnull=True)
    if site is not None:
        qs = qs.filter(supporter__site=site)
    with transaction.atomic():
        signups = list(qs.select_for_update())
        newly = [s for s in signups if s.state == SignUp.State.PENDING]
        SignUp.objects.filter(pk__in=[s.pk for s in newly]).update(
            state=SignUp.State.CONFIRMED, confirmed_at=now
        )
    if any(s.kind == SignUp.Kind.SIGNATURE for s in newly):
        invalidate_page_cache()
    return {s.kind for s in signups if s.state != SignUp.State.WITHDRAWN}


def confirm_from_request(request):
    """Handle ``?confirm=<token>`` on a page: a dict the templates show."""
    token = request.GET.get(CONFIRM_PARAM, "")
    site = Site.find_for_request(request)
    try:
        ids = read_confirmation_token(token)
    except signing.SignatureExpired:
        return {"status": "expired"}
    except (signing.BadSignature, ValueError, TypeError, AttributeError):
        return {"status": "invalid"}
    kinds = confirm(ids, site=site)
    if not kinds:
        return {"status": "invalid"}
    return {"status": "confirmed", "kinds": sorted(kinds)}


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
    """Anonymise a person and their sign-ups; the sign-ups (and counts) stay."""
    with transaction.atomic():
        supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
        if supporter.erased_at is None:
            Supporter.objects.filter(pk=supporter.pk).update(
                email=None,
                given_name="",
                family_name="",
                phone="",
                country="",
                year_of_birth=None,
                erased_at=timezone.now(),
            )
            SignUp.objects.filter(supporter=supporter).update(
                motivation="",
                skills="",
                languages_spoken="",
                community="",
                areas=[],
                availability=[],
            )
            # The consent texts are the organisation's own words; they stay as proof
            # of what was shown, with no personal data in them.
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
    return {
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
        "signups": signups,
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
    return results
