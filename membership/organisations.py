"""Organisations joining a platform (Kosovo We Want's member organisations).

An application is a membership sign-up of its contact person
(``SignUp.Kind.ORGANISATION``, on the members page: consent and double opt-in as
every sign-up, the person's details on their ``Supporter``); ``OrganisationApplication``
keeps beside it what the organisation says about itself and the staff's review.
Approved organisations whose contact confirmed are listed on the members page
(``organisation_pages.MemberOrganisationsPage``) and on congress pages that choose
to show them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import MUNICIPALITY_CHOICES, SignUpState


class OrganisationQuerySet(models.QuerySet):
    def members(self):
        """Approved organisations whose contact person confirmed and did not withdraw
        (nor was erased: nobody would be left to speak for the organisation)."""
        return self.filter(
            review=OrganisationApplication.Review.APPROVED,
            signup__state=SignUpState.CONFIRMED,
            signup__supporter__erased_at__isnull=True,
        )


class OrganisationApplication(models.Model):
    class Kind(models.TextChoices):
        NGO = "ngo", _("Non-governmental organisation")
        ASSOCIATION = "association", _("Association")
        INFORMAL = "informal", _("Informal group")
        PUBLIC_INTEREST = "public_interest", _("Public-interest group")

    class Review(models.TextChoices):
        WAITING = "waiting", _("Waiting for review")
        MORE = "more", _("More information asked for")
        APPROVED = "approved", _("Member (public)")
        DECLINED = "declined", _("Declined")

    signup = models.OneToOneField(
        "membership.SignUp",
        verbose_name=_("sign-up of the contact person"),
        on_delete=models.CASCADE,
        related_name="organisation_application",
    )
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("platform"),
        on_delete=models.CASCADE,
        related_name="organisation_applications",
    )
    name = models.CharField(_("name of the organisation"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    registration_number = models.CharField(
        _("registration number"), max_length=40, blank=True, help_text=_("If registered.")
    )
    municipality = models.CharField(
        _("municipality"), max_length=32, choices=MUNICIPALITY_CHOICES, blank=True
    )
    website = models.URLField(_("website"), blank=True)
    work = models.TextField(_("what the organisation works on"), max_length=2000)
    principles_agreed = models.BooleanField(_("agrees with the principles"), default=False)
    # What a later form with the same contact address asked to change, applied when
    # the contact person confirms it by the emailed link.
    proposed = models.JSONField(_("changes waiting for confirmation"), default=dict, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    review = models.CharField(
        _("review"), max_length=10, choices=Review.choices, default=Review.WAITING, db_index=True
    )
    review_message = models.TextField(
        _("message to the contact person"),
        blank=True,
        help_text=_("Why it was declined, or what more is asked for; emailed to the contact."),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("member since"), null=True, blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation's application")
        verbose_name_plural = _("organisations' applications")
        ordering = ["name", "pk"]
        permissions = [("review_organisationapplication", _("Can review organisations"))]

    def __str__(self):
        return self.name

    @property
    def shown_on(self):
        """The site whose pages list (or listed) this organisation; None while it was
        never approved."""
        if self.review == self.Review.APPROVED or self.approved_at is not None:
            return self.site
        return None
