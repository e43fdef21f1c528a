from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail import hooks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Locale, Orderable, Page
from wagtail.search import index

from .blocks import BaseStreamBlock, CallToActionBlock
from .brand import (
    HEADER_ACTION_CHOICES,
    HEX_COLOUR,
    TYPEFACE_CHOICES,
    normalise_phone,
    validate_brand_colour,
)
from .panels import CompleteInlinePanel
from .search import page_stems
from .security.choosers import ScopedAdminModelForm, ScopedAdminPageForm


def in_language(by_language, language_code):
    """From ``{language code: item}``, the item in ``language_code``, else in the
    default language, else any; None when there is none."""
    return (
        by_language.get(language_code)
        or by_language.get(django_settings.LANGUAGE_CODE)
        or next(iter(by_language.values()), None)
    )


class BasePage(Page):
    """Behaviour every public page shares.

    Content pages are served to anonymous visitors from the page cache (see
    ``home/cache.py``); a page type that shows per-visitor content (a form) sets
    ``page_cache = False`` and is never stored there.
    """

    page_cache = True
    # What an editor chooses (images, documents, pages, snippets) must be theirs.
    base_form_class = ScopedAdminPageForm

    class Meta:
        abstract = True

    @classmethod
    def get_search_fields(cls):
        # The stems of the indexed words beside the words: Albanian search (home/search.py).
        return [*super().get_search_fields(), index.SearchField("search_stems")]

    def search_stems(self):
        return page_stems(self, exclude={"search_stems"})

    def permissions_for_user(self, user):
        # A translation's privacy is its source page's (home/translations_tree.py).
        from .translations_tree import TranslationPermissionTester

        return TranslationPermissionTester(user, self)


class IntroMixin(models.Model):
    """A short introduction shown under the title and used as the page summary."""

    intro = models.TextField(
        _("introduction"),
        blank=True,
        max_length=600,
        help_text=_("One or two sentences shown under the title and in listings."),
    )

    search_fields = [index.SearchField("intro")]
    # Not named content_panels: listed before Page among a page type's bases, it would
    # replace Page.content_panels (the title) in a page type that declares none.
    intro_panels = [FieldPanel("intro")]

    class Meta:
        abstract = True


class HomePage(BasePage):
    """The root of one organisation's site, one per site and language.

    It does not list its subpage types: every other page type names HomePage in its
    ``parent_page_types``, so ``home`` depends on no other app of ours.
    """

    hero_heading = models.CharField(_("hero heading"), max_length=200)
    hero_intro = models.TextField(_("hero introduction"), blank=True, max_length=600)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hero_actions = StreamField(
        [("action", CallToActionBlock())],
        verbose_name=_("calls to action"),
        blank=True,
        max_num=3,
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True)

    parent_page_types = ["wagtailcore.Page"]

    search_fields = Page.search_fields + [
        index.SearchField("hero_heading"),
        index.SearchField("hero_intro"),
        index.SearchField("body"),
    ]

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("hero_heading"),
                FieldPanel("hero_intro"),
                FieldPanel("hero_image"),
                FieldPanel("hero_actions"),
            ],
            heading=_("Hero"),
        ),
        FieldPanel("body"),
    ]

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Other apps add panels to the home page (the next congress, a live banner)
        # through this hook, so that home never imports them.
        panels = []
        for hook in hooks.get_hooks("home_page_panels"):
            html = hook(request, self)
            if html:
                panels.append(html)
        context["home_panels"] = panels
        return context


class StandardPage(IntroMixin, BasePage):  # noqa: DJ008 - Page.__str__ is the title
    """Privacy notice, contact and any other page of plain content."""

    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True)

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["home.StandardPage"]

    search_fields = Page.search_fields + IntroMixin.search_fields + [index.SearchField("body")]
    content_panels = Page.content_panels + IntroMixin.intro_panels + [FieldPanel("body")]

    class Meta:
        verbose_name = _("standard page")
        verbose_name_plural = _("standard pages")


@register_setting(icon="group")
class OrganisationSettings(ClusterableModel, BaseSiteSetting):
    """Who runs this site: shown in the header and footer of every page.

    Texts that change with the language (name, tagline, address) are kept per
    locale in ``OrganisationText``; the rest is the same in every language.
    """

    base_form_class = ScopedAdminModelForm

    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    share_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("default share image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Shown when a page without an image of its own is shared on social media "
            "(1200 × 630 pixels works best)."
        ),
    )
    primary_colour = models.CharField(
        _("primary colour"),
        max_length=7,
        blank=True,
        validators=[validate_brand_colour],
        help_text=_(
            "Header and footer, with white text on it. For example #4b2a85. Empty: the "
            "site's standard colour."
        ),
    )
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        blank=True,
        validators=[validate_brand_colour],
        help_text=_("Buttons, and their text on white. Empty: the site's standard colour."),
    )
    typeface = models.CharField(
        _("typeface"), max_length=20, choices=TYPEFACE_CHOICES, blank=True, default=""
    )
    header_actions = models.CharField(
        _("main actions in the header"),
        max_length=20,
        choices=HEADER_ACTION_CHOICES,
        blank=True,
        default="",
        help_text=_(
            "Buttons at the top of every page: the site's Join and Volunteer pages, or "
            "the sign form of its open campaign."
        ),
    )
    phone = models.CharField(
        _("phone"),
        max_length=40,  # as typed in the form; stored in E.164 (at most 16)
        blank=True,
        help_text=_("In international form, for example +383 38 600 108."),
    )
    email = models.EmailField(_("email"), blank=True)
    facebook_url = models.URLField(_("Facebook"), blank=True)
    instagram_url = models.URLField(_("Instagram"), blank=True)
    x_url = models.URLField(_("X (Twitter)"), blank=True)
    youtube_url = models.URLField(_("YouTube"), blank=True)
    tiktok_url = models.URLField(_("TikTok"), blank=True)
    linkedin_url = models.URLField(_("LinkedIn"), blank=True)
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("privacy notice page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Linked from the footer and from every form. Its translation is used in each language."
        ),
    )
    translation_digest = models.BooleanField(
        _("Email translators a weekly list of out-of-date translations"),
        default=False,
        help_text=_(
            "Every Monday, each translator of this site gets one email listing the pages "
            "and snippets whose translation lacks some of the source's current text. "
            "Nothing is sent when every translation is up to date."
        ),
    )

    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    CompleteInlinePanel(
                        "texts",
                        heading=_("Name, tagline and address in each language"),
                        label=_("Language"),
                        min_num=1,
                    ),
                    FieldPanel("translation_digest"),
                ],
                heading=_("Texts"),
            ),
            ObjectList(
                [
                    FieldPanel("logo"),
                    FieldRowPanel([FieldPanel("primary_colour"), FieldPanel("accent_colour")]),
                    FieldPanel("typeface"),
                    FieldPanel("share_image"),
                    FieldPanel("header_actions"),
                ],
                heading=_("Brand"),
            ),
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
                    FieldPanel("privacy_page"),
                ],
                heading=_("Contact"),
            ),
            ObjectList(
                [
                    FieldPanel("facebook_url"),
                    FieldPanel("instagram_url"),
                    FieldPanel("x_url"),
                    FieldPanel("youtube_url"),
                    FieldPanel("tiktok_url"),
                    FieldPanel("linkedin_url"),
                ],
                heading=_("Social media"),
            ),
        ]
    )

    class Meta:
        verbose_name = _("organisation")

    def clean(self):
        super().clean()
        try:
            self.phone = normalise_phone(self.phone)
        except ValidationError as error:
            raise ValidationError({"phone": error}) from None
        for name in ("primary_colour", "accent_colour"):
            setattr(self, name, (getattr(self, name) or "").lower())

    @property
    def theme_colour(self):
        """The primary colour for the browser's ``theme-color``, or "" when it is
        empty or not a ``#rrggbb`` colour (stored without the form's checks)."""
        colour = self.primary_colour or ""
        return colour if HEX_COLOUR.match(colour) else ""

    def text_for(self, language_code):
        """The texts for a language, falling back to the default language, then any."""
        return in_language(
            {t.locale.language_code: t for t in self.texts.select_related("locale")},
            language_code,
        )

    def social_links(self):
        links = [
            ("Facebook", self.facebook_url),
            ("Instagram", self.instagram_url),
            ("X", self.x_url),
            ("YouTube", self.youtube_url),
            ("TikTok", self.tiktok_url),
            ("LinkedIn", self.linkedin_url),
        ]
        return [(name, url) for name, url in links if url]


class OrganisationText(Orderable):
    settings = ParentalKey(OrganisationSettings, related_name="texts", on_delete=models.CASCADE)
    locale = models.ForeignKey(
        Locale, verbose_name=_("language"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    tagline = models.CharField(_("tagline"), max_length=250, blank=True)
    postal_address = models.TextField(_("postal address"), blank=True, max_length=500)

    panels = [
        FieldPanel("locale"),
        FieldRowPanel([FieldPanel("name"), FieldPanel("short_name")]),
        FieldPanel("tagline"),
        FieldPanel("postal_address"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("organisation text")
        constraints = [
            models.UniqueConstraint(
                fields=["settings", "locale"], name="one_organisation_text_per_language"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def display_short_name(self):
        return self.short_name or self.name


class SiteRole(models.Model):
    """Ties a Wagtail group to one organisation's site and a role there.

    Groups are made per organisation by ``home.roles.ensure_site_roles``; apps ask
    ``home.roles.sites_for_user(user, role)`` which sites a user acts for.
    """

    EDITOR = "editor"
    TRANSLATOR = "translator"
    EVENT_STAFF = "event_staff"
    MEMBERSHIP_OFFICER = "membership_officer"
    ROLE_CHOICES = [
        (EDITOR, _("Editors")),
        (TRANSLATOR, _("Translators")),
        (EVENT_STAFF, _("Event staff")),
        (MEMBERSHIP_OFFICER, _("Membership officers")),
    ]

    group = models.OneToOneField(
        "auth.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="site_role"
    )
    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=32, choices=ROLE_CHOICES)

    class Meta:
        verbose_name = _("site role")
        verbose_name_plural = _("site roles")
        constraints = [
            models.UniqueConstraint(fields=["site", "role"], name="one_group_per_site_role")
        ]

    def __str__(self):
        return f"{self.site.site_name or self.site.hostname}: {self.get_role_display()}"
