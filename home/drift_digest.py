"""The weekly email to translators: what is out of date in their sites' languages.

For every site whose organisation settings ask for it (``translation_digest``),
each translator of the site (an active user with an email address in the site's
translator group, ``SiteRole.TRANSLATOR``) gets one email, in the language they
chose for the admin, listing the out-of-date translations of all such sites of
theirs, with links to the translation editor. A translator with nothing out of date
gets nothing.
"""

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.models import Site
from wagtail.users.models import UserProfile

from . import drift
from .dates import format_day
from .models import SiteRole
from .roles import sites_for_user

logger = logging.getLogger(__name__)


def digest_sites():
    """Sites whose organisation settings ask for the weekly list."""
    return (
        Site.objects.filter(organisationsettings__translation_digest=True)
        .select_related("root_page")
        .order_by("site_name", "pk")
    )


def digest_translators(sites):
    """{user: [site]}: each active translator with an email address, and those of
    ``sites`` where they translate."""
    site_ids = {site.pk for site in sites}
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            groups__site_role__role=SiteRole.TRANSLATOR,
            groups__site_role__site_id__in=site_ids,
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    result = {}
    for user in users:
        theirs = sites_for_user(user, SiteRole.TRANSLATOR).filter(pk__in=site_ids)
        if user.is_superuser:
            # a superuser acts for every site: list those they translate for only
            theirs = theirs.filter(
                roles__role=SiteRole.TRANSLATOR, roles__group__user=user
            ).distinct()
        their_ids = set(theirs.values_list("pk", flat=True))
        chosen = [site for site in sites if site.pk in their_ids]
        if chosen:
            result[user] = chosen
    return result


def _absolute(url):
    return f"{settings.WAGTAILADMIN_BASE_URL}{url}" if url else ""


def render_digest(user, found):
    """(subject, body) of one translator's email, in their admin language.
    ``found``: [(site, locale, [OutOfDate])]."""
    language = UserProfile.get_for_user(user).get_preferred_language()
    with translation.override(language):
        sections = []
        total = 0
        for site, locale, items in found:
            if not items:
                continue
            total += len(items)
            sections.append(
                {
                    "site": site.site_name or site.hostname,
                    "language": locale.get_display_name(),
                    "items": [
                        {
                            "title": item.title,
                            "type": item.type_label,
                            "changed": format_day(timezone.localtime(item.source_changed_at)),
                            "missing": ngettext(
                                "%(count)d text awaits translation",
                                "%(count)d texts await translation",
                                item.missing,
                            )
                            % {"count": item.missing},
                            "never_published": not item.published,
                            "url": _absolute(item.edit_url),
                        }
                        for item in items
                    ],
                }
            )
        subject = ngettext(
            "%(count)d translation is out of date",
            "%(count)d translations are out of date",
            total,
        ) % {"count": total}
        body = render_to_string(
            "home/drift/digest_email.txt",
            {
                "user": user,
                "sections": sections,
                "report_url": _absolute(reverse("home_drift_report")),
                "greeting": gettext("Hello %(name)s,")
                % {"name": user.get_short_name() or user.get_username()},
            },
        )
    return total, subject, body


def send_digests():
    """Send the weekly emails; returns (how many were sent, how many failed). A mail
    server that refuses one email does not stop the others (each failure is logged)."""
    sites = list(digest_sites())
    if not sites:
        return 0, 0
    url_finder = AdminURLFinder()
    by_site = {}
    sent = failed = 0
    for user, theirs in digest_translators(sites).items():
        found = []
        for site in theirs:
            if site.pk not in by_site:
                by_site[site.pk] = drift.out_of_date_for_sites([site], url_finder=url_finder)
            found += by_site[site.pk]
        total, subject, body = render_digest(user, found)
        if not total:
            continue
        try:
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
        except (OSError, smtplib.SMTPException):
            logger.exception("The translation digest to user %s was not sent", user.pk)
            failed += 1
            continue
        sent += 1
    return sent, failed
