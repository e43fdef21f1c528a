"""Candidates' pledges and what became of them: records staff keep up after the
election, outside the page tree, pointing at a campaign page (any language) and at
its demands.

- ``Pledge``: one candidate's pledge, from the pledge page (double opt-in, then
  staff review) or entered from paper; its candidate's email stays private.
- ``PledgeCommitment``: a demand the candidate commits to, with their comment.
- ``CandidateRecord``: a statement, vote or action of a pledging candidate since,
  with its source (translated like progress updates).
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib import admin
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Orderable, TranslatableMixin
from wagtail_localize.fields import SynchronizedField, TranslatableField

from home.panels import CompleteInlinePanel

from .choices import MUNICIPALITIES, municipality_name


def localized_rows(rows, locale_id, fallback_language=None):
    """Of rows that are translations of each other (same ``translation_key``), keep
    the one in ``locale_id``, else the one in ``fallback_language``, else the first.
    The rows come with their locale (``select_related("locale")``)."""
    groups = defaultdict(list)
    for row in rows:
        groups[row.translation_key].append(row)
    chosen = set()
    for group in groups.values():
        best = next((r for r in group if r.locale_id == locale_id), None)
        if best is None:
            best = next((r for r in group if r.locale.language_code == fallback_language), group[0])
        chosen.add(best.pk)
    return [row for row in rows if row.pk in chosen]


class PledgeQuerySet(models.QuerySet):
    def public(self):
        """Pledges the public sees: approved ones, and those withdrawn from the
        election day on (the record is kept and says so: from the morning the polls
        open, a pledge can no longer leave the site)."""
        return self.filter(
            models.Q(state=Pledge.State.APPROVED)
            | models.Q(
                state=Pledge.State.WITHDRAWN,
                approved_at__isnull=False,
                withdrawn_on__gte=models.F("campaign__election_date"),
            )
        )


class Pledge(ClusterableModel):
    """A candidate's pledge to the campaign's demands.

    Online: the candidate fills in the pledge page, confirms their address by the
    emailed link (``PENDING`` → ``CONFIRMED``), and the organisation's staff approve
    it (``APPROVED``: public), ask for proof (``PROOF``) or decline it. On paper:
    staff enter it with the scan, approved at once. The candidate's email address is
    private: it is used for the links and the messages about the pledge only, and
    never shown or published."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the candidate's confirmation")
        CONFIRMED = "confirmed", _("Waiting for review")
        PROOF = "proof", _("Proof asked for")
        APPROVED = "approved", _("Approved (public)")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("On paper")

    class Office(models.TextChoices):
        ASSEMBLY = "assembly", _("Assembly of Kosovo")
        MAYOR = "mayor", _("Mayor")
        MUNICIPAL_ASSEMBLY = "municipal_assembly", _("Municipal assembly")

    campaign = models.ForeignKey(
        "movement.CampaignPage",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="pledges",
    )
    name = models.CharField(_("name"), max_length=200)
    gender = models.CharField(
        _("gender"),
        max_length=10,
        choices=[("female", _("woman")), ("male", _("man"))],
        blank=True,
        help_text=_(
            "Only for the grammar of the page: in Albanian “elected” agrees with it "
            "(e zgjedhur / i zgjedhur). Leave empty to use a neutral wording."
        ),
    )
    party = models.CharField(_("party or list"), max_length=200, blank=True)
    list_number = models.PositiveSmallIntegerField(_("number on the list"), null=True, blank=True)
    office = models.CharField(_("standing for"), max_length=20, choices=Office.choices, blank=True)
    municipality = models.CharField(
        _("municipality"),
        max_length=40,
        choices=MUNICIPALITIES,
        blank=True,
        help_text=_(
            "For a municipal election, its municipality; otherwise where the candidate lives."
        ),
    )
    profile_url = models.URLField(
        _("public contact or profile link"),
        blank=True,
        help_text=_("Published with the pledge, for example a website or a public profile."),
    )
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_on = models.DateField(_("date signed"), default=datetime.date.today)
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("scanned pledge"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    elected = models.BooleanField(
        _("elected"),
        null=True,
        blank=True,
        help_text=_("After the election: was the candidate elected? Leave unknown before."),
    )

    # Verification (none of it is public)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.APPROVED, db_index=True
    )
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.PAPER
    )
    email = models.CharField(_("candidate's email (private)"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    consent_text = models.TextField(_("consent given"), blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("address confirmed"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_message = models.TextField(
        _("message to the candidate"),
        blank=True,
        help_text=_("Why it was declined, or what proof is asked for; emailed to the candidate."),
    )
    # Counted up by each of the candidate's edits: a review decides on the version
    # the reviewer saw, never on text they have not read.
    version = models.PositiveIntegerField(default=0)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    # The candidate's link (confirm, edit, withdraw, print): only its SHA-256 is kept;
    # every email about the pledge carries a new one, which replaces the last.
    link_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(_("email"), max_length=8, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    # When the email waiting (queued, or failed and backing off) is due to be sent
    # by ``movement_send_emails`` if the worker has not sent it.
    email_due_at = models.DateTimeField(null=True, blank=True)

    objects = PledgeQuerySet.as_manager()

    panels = [
        FieldPanel("campaign"),
        FieldRowPanel([FieldPanel("name"), FieldPanel("gender")]),
        FieldRowPanel([FieldPanel("party"), FieldPanel("list_number"), FieldPanel("office")]),
        FieldRowPanel([FieldPanel("municipality"), FieldPanel("signed_on")]),
        FieldPanel("profile_url"),
        FieldRowPanel([FieldPanel("photo"), FieldPanel("document")]),
        CompleteInlinePanel("commitments", heading=_("Commitments"), label=_("Commitment")),
        FieldPanel("elected"),
    ]

    class Meta:
        verbose_name = _("candidate's pledge")
        verbose_name_plural = _("candidates' pledges")
        ordering = ["name"]
        indexes = [models.Index(fields=["campaign", "party"])]
        # One online pledge per candidate's address and campaign (online pledges hang
        # on the campaign's first page, ``membership.services.canonical_page``).
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "email"],
                condition=~models.Q(email=""),
                name="one_pledge_per_campaign_email",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.party})" if self.party else self.name

    @property
    def municipality_name(self):
        return municipality_name(self.municipality)

    @admin.display(description=_("elected"))
    def elected_label(self):
        """Elected, not elected or not known yet, in words (the admin's listing)."""
        if self.elected is None:
            return _("Not known yet")
        return _("Yes") if self.elected else _("No")

    @property
    def shown_on(self):
        """The campaign page on which the public sees or saw this pledge; None for
        one never approved (a candidate's pending pledge changes no cached page)."""
        if self.state == self.State.APPROVED or self.approved_at is not None:
            return self.campaign
        return None

    @property
    def is_public(self):
        if self.state == self.State.APPROVED:
            return True
        election = self.campaign.election_date
        return bool(
            self.state == self.State.WITHDRAWN
            and self.approved_at
            and election
            and self.withdrawn_on
            and self.withdrawn_on >= election
        )


class PledgeCommitment(Orderable):
    """One demand a candidate commits to, with their optional public comment."""

    pledge = ParentalKey(Pledge, related_name="commitments", on_delete=models.CASCADE)
    demand = models.ForeignKey(
        "movement.Demand", verbose_name=_("demand"), on_delete=models.CASCADE, related_name="+"
    )
    comment = models.TextField(_("public comment"), blank=True, max_length=1000)

    panels = [FieldPanel("demand"), FieldPanel("comment")]

    class Meta(Orderable.Meta):
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "demand"], name="one_commitment_per_demand")
        ]


class CandidateRecord(TranslatableMixin, models.Model):
    """What a pledging candidate said or did since: a public statement, a vote, an
    initiative, with its date and source; optionally about one demand."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", _("Public statement")
        VOTE = "vote", _("Vote")
        ACTION = "action", _("Initiative or action")

    class Stance(models.TextChoices):
        KEPT = "kept", _("In line with the pledge")
        BROKEN = "broken", _("Against the pledge")
        NEUTRAL = "neutral", _("Neither")

    pledge = models.ForeignKey(
        Pledge, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="records"
    )
    demand = models.ForeignKey(
        "movement.Demand",
        verbose_name=_("demand"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The demand it is about, if any."),
    )
    date = models.DateField(_("date"), default=datetime.date.today)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.STATEMENT)
    stance = models.CharField(
        _("compared with the pledge"), max_length=8, choices=Stance.choices, default=Stance.NEUTRAL
    )
    summary = models.TextField(_("what was said or done"))
    source_url = models.URLField(_("source link"))

    panels = [
        FieldPanel("pledge"),
        FieldPanel("demand"),
        FieldRowPanel([FieldPanel("date"), FieldPanel("kind"), FieldPanel("stance")]),
        FieldPanel("summary"),
        FieldPanel("source_url"),
    ]

    translatable_fields = [
        TranslatableField("summary"),
        SynchronizedField("pledge"),
        SynchronizedField("demand"),
        SynchronizedField("date"),
        SynchronizedField("kind"),
        SynchronizedField("stance"),
        SynchronizedField("source_url"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("candidate's record")
        verbose_name_plural = _("candidates' records")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} · {self.pledge} · {self.get_kind_display()}"


@receiver(post_delete, sender=Pledge)
def delete_candidates_photo(sender, instance, **kwargs):
    """A photo the candidate sent with their pledge (online) goes with the pledge;
    staff's photos (paper pledges) are the organisation's images and stay."""
    if instance.source == Pledge.Source.ONLINE and instance.photo_id:
        from wagtail.images import get_image_model

        get_image_model().objects.filter(pk=instance.photo_id).delete()
