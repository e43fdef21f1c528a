"""People and what they signed up for (the page types are in ``models.py``).

- ``Supporter``: one person of one organisation (site), unique per normalised email.
- ``SignUp``: a membership application, a volunteer offer or a statement signature,
  with its state, source page and language.
- ``ConsentRecord``: the exact consent text a person agreed to, its language, the
  page revision and the time.
- ``AuditEntry``: who exported or erased whose data, and which people were merged.
- ``PaperImport``: which CSV files of paper signatures were imported (by SHA-256);
  ``PaperUpload``: a checked file waiting to be imported, kept for a short time.
- ``MembershipSettings``: per-site rules (minimum age, retention, volunteer areas).
- ``ExportJob``: a list export built in the background, and its private file.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Locale, Orderable

from home.panels import CompleteInlinePanel
from home.security.choosers import ScopedAdminModelForm

from .constants import (
    AVAILABILITY_CHOICES,
    COMMUNITY_CHOICES,
    MUNICIPALITY_CHOICES,
    OUTSIDE_KOSOVO,
    EmailStatus,
    SignUpKind,
    SignUpSource,
    SignUpState,
)


class Supporter(models.Model):
    """One person of one organisation: whoever joins, volunteers and signs is one row."""

    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="supporters",
        # The unique (site, email) index below serves lookups by site; a second index
        # on the site alone only tempted PostgreSQL into scanning a whole
        # organisation for one address while its statistics were young.
        db_index=False,
    )
    # The address's key (``membership.emails.normalise_email``: one key per mailbox),
    # also where mail goes. Empty (NULL) for paper signatures without an address and
    # for erased people; NULLs never collide in the unique constraint.
    email = models.CharField(_("email"), max_length=254, null=True, blank=True)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    municipality = models.CharField(
        _("municipality"), max_length=32, choices=MUNICIPALITY_CHOICES, blank=True
    )
    country = models.CharField(_("country"), max_length=100, blank=True)
    year_of_birth = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    created_at = models.DateTimeField(_("first seen"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    # Email from the organisation (its messages, ``mailings.py``): since when the person
    # agrees to it (set when a sign-up whose form had the box ticked is confirmed;
    # the words they agreed to are a ``ConsentRecord`` of purpose "contact"), and
    # when they last said no (one-click unsubscribe). Empty consent: never written to.
    contact_consent_at = models.DateTimeField(_("agrees to email since"), null=True, blank=True)
    contact_withdrawn_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["site", "email"], name="one_supporter_per_site_email")
        ]
        # The People page: an organisation's people, newest first, a page at a time.
        indexes = [
            models.Index(fields=["site", "created_at", "id"], name="supporter_site_newest_idx")
        ]
        permissions = [
            ("view_special_category", _("Can see and export the community of signatories")),
            ("export_supporter", _("Can export people")),
            ("erase_supporter", _("Can erase people")),
            ("enter_paper_signatures", _("Can enter paper signatures")),
        ]

    def __str__(self):
        return self.full_name or self.email or _("Person %(id)s") % {"id": self.pk}

    @property
    def full_name(self):
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    @property
    def is_erased(self):
        return self.erased_at is not None

    @property
    def place(self):
        if self.municipality == OUTSIDE_KOSOVO and self.country:
            return f"{self.get_municipality_display()} ({self.country})"
        return self.get_municipality_display()


class SignUp(models.Model):
    Kind = SignUpKind
    State = SignUpState
    Source = SignUpSource
    EmailStatus = EmailStatus

    supporter = models.ForeignKey(
        Supporter, verbose_name=_("person"), on_delete=models.CASCADE, related_name="signups"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.ONLINE
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=12, blank=True)
    created_at = models.DateTimeField(_("signed up"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    # Membership
    motivation = models.TextField(_("motivation"), blank=True)
    age_confirmed = models.BooleanField(_("age confirmed"), default=False)
    # Volunteering
    areas = models.JSONField(_("areas"), default=list, blank=True)
    skills = models.TextField(_("skills"), blank=True)
    availability = models.JSONField(_("availability"), default=list, blank=True)
    languages_spoken = models.CharField(_("languages spoken"), max_length=200, blank=True)
    # Signature (special-category data, only with its own consent)
    community = models.CharField(
        _("community"), max_length=16, choices=COMMUNITY_CHOICES, blank=True
    )

    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # What the submission said about the person (name, phone, place, year of birth,
    # language) while the sign-up waits for its confirmation; applied to the person
    # by ``services.confirm`` and emptied then (and on withdrawal and erasure).
    proposed_details = models.JSONField(
        _("details waiting for confirmation"), default=dict, blank=True
    )

    email_status = models.CharField(
        _("confirmation email"),
        max_length=8,
        choices=EmailStatus.choices,
        default=EmailStatus.NONE,
        blank=True,
    )
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    email_sent_at = models.DateTimeField(_("email sent"), null=True, blank=True)
    # A failed or held-back email is tried again from this time on (backing off), and
    # given up after ``email_retry_until`` (the link's validity from the first failure).
    email_retry_at = models.DateTimeField(_("email retried from"), null=True, blank=True)
    email_retry_until = models.DateTimeField(_("email retried until"), null=True, blank=True)

    # A paper signature without an email address is known by a keyed digest of what
    # the row says (name, place, phone; ``admin_views.paper_row_key``): the same row
    # entered or imported again is found, not added twice. Emptied on erasure.
    paper_key = models.CharField(_("paper row key"), max_length=64, null=True, blank=True)
    # The day written on a paper signature (online ones are dated by ``created_at``).
    signed_on = models.DateField(_("date signed"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["supporter", "kind"],
                condition=Q(kind__in=["membership", "volunteer"]),
                name="one_membership_or_volunteer_offer_per_supporter",
            ),
            models.UniqueConstraint(
                fields=["supporter", "page"],
                condition=Q(kind="signature"),
                name="one_signature_per_supporter_and_page",
            ),
            models.UniqueConstraint(
                fields=["page", "paper_key"], name="one_paper_signature_per_row_and_page"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "state", "page"]),
            # The few sign-ups whose confirmation email the mail server refused.
            models.Index(fields=["email_status", "state"], name="signup_email_status_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    def area_names(self, language=None):
        if not self.areas:
            return []
        settings_ = MembershipSettings.for_site(self.supporter.site)
        names = settings_.area_names(language)
        return [names.get(key, key) for key in self.areas]

    def availability_names(self):
        labels = dict(AVAILABILITY_CHOICES)
        return [str(labels.get(key, key)) for key in self.availability or []]


class LinkToken(models.Model):
    """A link of a confirmation email: only the SHA-256 of its random token is kept.

    A confirmation link confirms ``signup_ids`` (the person's pending sign-ups when
    the email went out) once, until ``expires_at``; a withdrawal link lets the person
    withdraw (what they signed up for on ``page``, or everything) until ``expires_at``,
    or while a later withdrawal link of theirs is valid."""

    class Purpose(models.TextChoices):
        CONFIRM = "confirm", _("Confirm")
        WITHDRAW = "withdraw", _("Withdraw")

    digest = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices)
    supporter = models.ForeignKey(
        Supporter, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signup_ids = models.JSONField(_("sign-ups"), default=list, blank=True)
    # What the forms of those sign-ups said about the person when the email was
    # sent ({sign-up id: details}): confirming applies them only if unchanged since,
    # so a later form by someone else is never confirmed by an earlier link.
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), db_index=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("email link")
        verbose_name_plural = _("email links")

    def __str__(self):
        return f"{self.get_purpose_display()} {self.expires_at:%Y-%m-%d}"


class ConsentRecord(models.Model):
    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("Sign-up")
        COMMUNITY = "community", _("Community (special category)")
        CONTACT = "contact", _("Email from the organisation")

    signup = models.ForeignKey(
        SignUp, verbose_name=_("sign-up"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.SIGNUP
    )
    text = models.TextField(_("consent text shown"))
    language = models.CharField(_("language"), max_length=12)
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The revision id is kept even after old revisions are purged.
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("page revision"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    method = models.CharField(
        _("method"), max_length=16, choices=SignUp.Source.choices, default=SignUp.Source.ONLINE
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["given_at", "pk"]

    def __str__(self):
        return f"{self.get_purpose_display()} {self.given_at:%Y-%m-%d %H:%M}"


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("Viewed a person")
        EXPORT_LIST = "export_list", _("Exported a list")
        EXPORT_PERSON = "export_person", _("Exported a person's data")
        ERASE = "erase", _("Erased a person")
        PAPER = "paper", _("Entered paper signatures")
        IMPORT = "import", _("Imported paper signatures")
        PURGE = "purge", _("Removed expired data")
        MERGE = "merge", _("Merged people with the same mailbox")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribed from messages")
        MAILING = "mailing", _("Worked on a message (test, approval, sending)")
        UNDELIVERABLE = "undeliverable", _("Marked an address undeliverable")

    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    supporter_ref = models.PositiveBigIntegerField(_("person id"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"


class PaperImport(models.Model):
    """A CSV file of paper signatures imported for a statement, known by the SHA-256
    of its content: the database refuses a second import of the same file for the
    same organisation and statement, however many officers press "Import" at once."""

    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE, related_name="+"
    )
    fingerprint = models.CharField(_("SHA-256 of the file"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    rows = models.PositiveIntegerField(_("signatures added"), default=0)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("paper import")
        verbose_name_plural = _("paper imports")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "page", "fingerprint"], name="one_import_per_file_and_page"
            )
        ]

    def __str__(self):
        return f"{self.imported_at:%Y-%m-%d %H:%M} {self.username} {self.fingerprint[:12]}"


class PaperUpload(models.Model):
    """A checked CSV file waiting for its officer's "Import", so that the file is not
    chosen again. Personal data: deleted when it is imported, and once expired (by
    the import page and by ``membership_purge``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE, related_name="+"
    )
    fingerprint = models.CharField(_("SHA-256 of the file"), max_length=64)
    content = models.BinaryField(_("content"))
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("checked paper file")
        verbose_name_plural = _("checked paper files")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "page", "fingerprint"], name="one_checked_file_per_user_and_page"
            )
        ]

    def __str__(self):
        return f"{self.fingerprint[:12]} {self.expires_at:%Y-%m-%d %H:%M}"


@register_setting(icon="group")
class MembershipSettings(ClusterableModel, BaseSiteSetting):
    """The membership rules of one organisation."""

    # Choices of its forms are checked against the user's (home.security.choosers).
    base_form_class = ScopedAdminModelForm

    minimum_age = models.PositiveSmallIntegerField(_("minimum age for members"), default=16)
    ask_year_of_birth = models.BooleanField(
        _("ask for the year of birth"),
        default=True,
        help_text=_(
            "On: members give their year of birth. Off: they only confirm that they are old enough."
        ),
    )
    pending_retention_days = models.PositiveSmallIntegerField(
        _("keep unconfirmed sign-ups for (days)"),
        default=14,
        help_text=_("Sign-ups whose email address was never confirmed are deleted after this."),
    )
    withdrawn_retention_days = models.PositiveSmallIntegerField(
        _("keep withdrawn people for (days)"),
        default=30,
        help_text=_(
            "People whose every sign-up was withdrawn are anonymised after this many days."
        ),
    )
    confirmation_link_days = models.PositiveSmallIntegerField(
        _("confirmation links are valid for (days)"), default=7
    )
    messages_per_minute = models.PositiveSmallIntegerField(
        _("messages sent per minute"),
        default=60,
        validators=[MinValueValidator(1)],
        help_text=_(
            "At most this many emails a minute for each message: the limit of your "
            "mail server or provider."
        ),
    )
    mailings_need_approval = models.BooleanField(
        _("messages need a second person's approval"),
        default=False,
        help_text=_(
            "On: a message is sent only after another membership officer approved it. "
            "Only an administrator of the whole site can change this."
        ),
    )

    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("minimum_age"), FieldPanel("ask_year_of_birth")]),
                    MultiFieldPanel(
                        [
                            FieldPanel("pending_retention_days"),
                            FieldPanel("withdrawn_retention_days"),
                            FieldPanel("confirmation_link_days"),
                        ],
                        heading=_("Retention"),
                    ),
                ],
                heading=_("Rules"),
            ),
            ObjectList(
                [
                    CompleteInlinePanel(
                        "areas",
                        heading=_("Areas volunteers can help in"),
                        help_text=_(
                            "One row per area and language. Rows with the same key are "
                            "the same area: give each area a row in every language."
                        ),
                        label=_("Area"),
                    )
                ],
                heading=_("Volunteer areas"),
            ),
            ObjectList(
                [
                    FieldPanel("messages_per_minute"),
                    # The rule that binds the officers is not theirs to lift.
                    FieldPanel("mailings_need_approval", permission="superuser"),
                ],
                heading=_("Messages"),
            ),
        ]
    )

    class Meta:
        verbose_name = _("membership")

    def area_choices(self, language=None):
        """[(key, name)] in ``language``, falling back to the default language."""
        names = self.area_names(language)
        return list(names.items())

    def area_names(self, language=None):
        language = language or get_language() or settings.LANGUAGE_CODE
        rows = list(self.areas.select_related("locale").order_by("sort_order", "pk"))
        by_key = {}
        for row in rows:
            by_key.setdefault(row.key, {})[row.locale.language_code] = row.name
        names = {}
        for key, labels in by_key.items():
            names[key] = (
                labels.get(language)
                or labels.get(settings.LANGUAGE_CODE)
                or next(iter(labels.values()))
            )
        return names


class VolunteerArea(Orderable):
    settings = ParentalKey(MembershipSettings, related_name="areas", on_delete=models.CASCADE)
    key = models.SlugField(
        _("key"),
        max_length=40,
        help_text=_("A short code that stays the same in every language, e.g. events."),
    )
    locale = models.ForeignKey(
        Locale, verbose_name=_("language"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)

    panels = [FieldRowPanel([FieldPanel("key"), FieldPanel("locale"), FieldPanel("name")])]

    class Meta(Orderable.Meta):
        verbose_name = _("volunteer area")
        verbose_name_plural = _("volunteer areas")
        constraints = [
            models.UniqueConstraint(
                fields=["settings", "key", "locale"], name="one_area_name_per_language"
            )
        ]

    def __str__(self):
        return self.name


class ExportJob(models.Model):
    """A list of sign-ups exported in the background (XLSX, or a CSV too long to
    stream in one request): who asked, for which
    organisations and filters, its state and, once built, its file. The file lies
    in the "private" storage (``export_storage``: ``MEMBERSHIP_EXPORT_ROOT``, or the
    bucket's private/ prefix with object storage; never under the public media), is
    served only by the admin's download view, and is deleted with the job once
    ``MEMBERSHIP_EXPORT_KEEP`` has passed (``membership_purge``, or on a late
    download)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    sites = models.ManyToManyField(
        "wagtailcore.Site", verbose_name=_("organisations"), related_name="+"
    )

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"

    format = models.CharField(
        _("format"), max_length=4, choices=Format.choices, default=Format.XLSX
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    include_special = models.BooleanField(_("with special-category data"), default=False)
    # The language of the column headings and labels (the user's, when asked).
    language = models.CharField(_("language"), max_length=12, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("asked for"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.get_state_display()}"

    @property
    def expires_at(self):
        return self.created_at + settings.MEMBERSHIP_EXPORT_KEEP

    def is_expired(self, now=None):
        return (now or timezone.now()) >= self.expires_at

    @property
    def path(self):
        """The file's path on this machine when the private storage is a local folder
        (None before a name was given); object storage has none (NotImplementedError)."""
        if not self.file_name:
            return None
        return Path(export_storage().path(self.file_name))

    def has_file(self):
        return bool(self.file_name) and export_storage().exists(self.file_name)

    def open_file(self):
        return export_storage().open(self.file_name, "rb")

    def discard(self):
        """Delete the file and the job."""
        if self.file_name:
            export_storage().delete(self.file_name)
        self.delete()


def export_storage():
    """The storage of export files: ``STORAGES["private"]``."""
    return storages["private"]
