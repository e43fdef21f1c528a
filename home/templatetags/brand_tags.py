"""Template tags for an organisation's brand and main calls to action.

The pages the actions lead to belong to other apps (the Join and Volunteer pages
of ``membership``, campaigns of ``movement``); they are looked up by name, so
that ``home`` imports none of them and a site without them shows no button.
"""

from django import template
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Site

from home import brand
from home.cache import limit_page_cache

register = template.Library()

#: How long a page showing a live count may be kept (the statement page's own rule).
COUNT_MAX_AGE = 60


def _model(label):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _home_page(request):
    """This site's home page in the current language (its default one else)."""
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return None
    root = site.root_page
    return root.localized if root.live else None


def _first(label, home):
    model = _model(label)
    if model is None or home is None:
        return None
    return (
        model.objects.live()
        .public()
        .descendant_of(home)
        .filter(locale_id=home.locale_id)
        .order_by("path")
        .first()
    )


def current_campaign(home):
    """(campaign, signing is open): the newest live campaign under ``home`` whose
    statement can be signed now, else the newest with a statement (its signing
    closed or not yet open); (None, False) when there is none."""
    model = _model("movement.CampaignPage")
    if model is None or home is None:
        return None, False
    now = timezone.now()
    campaigns = (
        model.objects.live()
        .public()
        .descendant_of(home)
        .filter(locale_id=home.locale_id)
        .exclude(statement_text="")
        .order_by(F("start_date").desc(nulls_last=True), "-first_published_at", "path")
    )
    open_now = campaigns.filter(
        Q(signing_opens__isnull=True) | Q(signing_opens__lte=now),
        Q(signing_closes__isnull=True) | Q(signing_closes__gt=now),
    ).first()
    if open_now is not None:
        return open_now, True
    return campaigns.first(), False


def _limit_to_signing_change(request, campaign):
    """A cached page showing ``campaign``'s action is kept no longer than until its
    signing opens or closes."""
    seconds = campaign.seconds_until_signing_changes()
    if seconds is not None:
        limit_page_cache(request, seconds)


@register.simple_tag
def brand_stylesheet_url(org):
    """The URL of this site's brand stylesheet, with its version."""
    return reverse("brand_stylesheet", kwargs={"version": brand.brand_version(org.get("settings"))})


@register.simple_tag(takes_context=True)
def header_actions(context, org):
    """The main actions chosen in Settings → Organisation: [{"label", "url"}]."""
    request = context.get("request")
    choice = getattr(org.get("settings"), "header_actions", "")
    if not choice:
        return []
    home = _home_page(request)
    actions = []
    if choice == brand.ACTIONS_SIGN:
        campaign, is_open = current_campaign(home)
        if campaign is not None:
            _limit_to_signing_change(request, campaign)
        if campaign is not None and is_open:
            actions.append({"label": _("Sign"), "url": campaign.statement_sign_url(request)})
        elif campaign is not None:
            actions.append({"label": _("Our campaign"), "url": campaign.get_url(request)})
    if choice in (brand.ACTIONS_JOIN, brand.ACTIONS_JOIN_VOLUNTEER):
        join = _first("membership.JoinPage", home)
        if join is not None:
            actions.append({"label": _("Join"), "url": join.get_url(request)})
    if choice == brand.ACTIONS_JOIN_VOLUNTEER:
        volunteer = _first("membership.VolunteerPage", home)
        if volunteer is not None:
            actions.append({"label": _("Volunteer"), "url": volunteer.get_url(request)})
    return actions


@register.simple_tag(takes_context=True)
def home_lead(context, page):
    """What the organisation asks of a visitor first on its home page: the open
    campaign (with its count) when its main action is Sign, else Join."""
    request = context.get("request")
    org_settings = (context.get("org") or {}).get("settings")
    choice = getattr(org_settings, "header_actions", "")
    if choice == brand.ACTIONS_SIGN:
        campaign, is_open = current_campaign(page)
        if campaign is not None:
            # The count changes with each signature, and the page when signing closes.
            limit_page_cache(request, COUNT_MAX_AGE)
            _limit_to_signing_change(request, campaign)
            return {
                "kind": "campaign",
                "page": campaign,
                "open": is_open,
                "url": campaign.get_url(request),
                "sign_url": campaign.statement_sign_url(request) if is_open else "",
                "signature_stats": campaign.signature_stats(),
            }
    if choice in (brand.ACTIONS_JOIN, brand.ACTIONS_JOIN_VOLUNTEER):
        join = _first("membership.JoinPage", page)
        if join is not None:
            volunteer = None
            if choice == brand.ACTIONS_JOIN_VOLUNTEER:
                volunteer = _first("membership.VolunteerPage", page)
            return {
                "kind": "join",
                "page": join,
                "url": join.get_url(request),
                "volunteer_url": volunteer.get_url(request) if volunteer else "",
            }
    return None


@register.filter
def phone_display(value):
    """An E.164 number in a readable form."""
    return brand.display_phone(value)


@register.filter
def phone_e164(value):
    """A number as people write it ("+383 (0) 38 600 108") in E.164 for a ``tel:``
    link ("+38338600108"), or "" when it is not an international number."""
    try:
        return brand.normalise_phone(value)
    except ValidationError:
        return ""
