"""The snippets of congress pages: speakers, shared between congresses and chosen in
their agendas, and outcomes, which event staff publish during and after a congress
without editing its page. ``congress.models`` imports this module, so both belong to
the congress app."""

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import DraftStateMixin, RevisionMixin, TranslatableMixin
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField, TranslatableField

from .constants import NUMBERED_KINDS, OutcomeKind, OutcomeStatus


class Speaker(TranslatableMixin, index.Indexed, models.Model):
    """A person who speaks at the congresses of one organisation (``site``); chosen
    in the agendas of its congresses. Translations share the site."""

    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("organisation's site"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The organisation whose congresses this speaker appears at."),
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    bio = models.TextField(_("short biography"), blank=True, max_length=1000)

    panels = [
        FieldPanel("site"),
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("role"), FieldPanel("organisation")]),
        FieldPanel("photo"),
        FieldPanel("bio"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("organisation"),
        index.FilterField("locale"),
        index.FilterField("site"),
    ]
    translatable_fields = [
        SynchronizedField("site", overridable=False),
        SynchronizedField("name", overridable=True),
        TranslatableField("role"),
        TranslatableField("organisation"),
        SynchronizedField("photo"),
        TranslatableField("bio"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Outcome(TranslatableMixin, DraftStateMixin, RevisionMixin, models.Model):
    """Something the congress produced: a result, resolution or decision, a quote, a
    photo or a document. Published on its own; the congress page shows every live
    outcome as a running record, so no page edit is needed."""

    congress = models.ForeignKey(
        "congress.CongressPage",
        verbose_name=_("congress"),
        on_delete=models.CASCADE,
        related_name="outcomes",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=OutcomeKind, default=OutcomeKind.RESOLUTION
    )
    number = models.PositiveSmallIntegerField(
        _("number"), null=True, blank=True, help_text=_("For results, resolutions and decisions.")
    )
    title = models.CharField(_("title"), max_length=250, blank=True)
    text = models.TextField(
        _("text"), blank=True, help_text=_("The text of the resolution, or the words quoted.")
    )
    status = models.CharField(_("status"), max_length=20, choices=OutcomeStatus, blank=True)
    attribution = models.CharField(
        _("who said it"), max_length=200, blank=True, help_text=_("For quotes.")
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Minutes, a declaration or any other document."),
    )
    happened_at = models.DateTimeField(
        _("time"), default=timezone.now, help_text=_("When it happened (Kosovo time).")
    )
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="outcome")

    # The admin form (panels, choice of congress) is in views.OutcomeViewSet.
    translatable_fields = [
        SynchronizedField("congress"),
        SynchronizedField("kind"),
        SynchronizedField("number"),
        SynchronizedField("status"),
        SynchronizedField("happened_at"),
        TranslatableField("title"),
        TranslatableField("text"),
        TranslatableField("attribution"),
        SynchronizedField("image"),
        SynchronizedField("document"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("congress outcome")
        verbose_name_plural = _("congress outcomes")
        ordering = ["happened_at", "pk"]
        indexes = [models.Index(fields=["congress", "happened_at"], name="outcome_congress_time")]

    def __str__(self):
        label = self.get_kind_display()
        if self.number and self.kind in NUMBERED_KINDS:
            label = f"{label} {self.number}"
        detail = self.title or self.text[:60] or (self.attribution if self.attribution else "")
        return f"{label}: {detail}" if detail else str(label)

    def clean(self):
        super().clean()
        errors = {}
        if self.kind in NUMBERED_KINDS | {OutcomeKind.QUOTE} and not (self.text or self.title):
            errors["text"] = _("Write the text of this outcome.")
        if self.kind == OutcomeKind.PHOTO and not self.image_id:
            errors["image"] = _("Choose the photo.")
        if self.kind == OutcomeKind.DOCUMENT and not self.document_id:
            errors["document"] = _("Choose the document.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_numbered(self):
        return self.kind in NUMBERED_KINDS

    @property
    def revisions(self):
        return self._revisions
