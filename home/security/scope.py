"""Per-object checks that Wagtail and its add-ons leave to the project.

wagtail-localize checks only model permissions (``submit_translation``, or the
snippet model's "change"), whatever the organisation: with one group per site, an
editor or translator of one organisation could submit, sync, rewrite, download,
upload, machine-translate or stop the translations of another's pages and snippets.
``AdminScopeMiddleware`` adds the missing check before any of its views runs: every
view of the ``wagtail_localize`` namespace is listed in ``LOCALIZE_RULES`` with the
object its URL names; the user must be able to translate that object
(``can_translate``: a page they may edit, a snippet its permission policy lets them
change or see). A view of those namespaces that is not listed is refused (fail
closed), so a new view in a wagtail-localize upgrade stays shut until someone
decides how to check it.

Nothing puts the source's text live in a translation (``LOCALIZE_GUARDS``): "Sync
translated pages" with "Publish immediately" and converting a translation into an
alias of its source are for superusers only (the option is left out of the form for
others), a translation is published from the translation editor once every text is
translated (``home.translations.refuse_unfinished_publish``), and a page is
translated only under its parent's translation, never under a copy of the parent
that wagtail-localize would otherwise make and publish in the source language.

The same middleware keeps Wagtail's and wagtail-localize's site-wide reports, which
list every organisation's items, to superusers (``SUPERUSER_VIEWS``); others get the
translations report of their own sites (``home/security/reports.py``).

``WAGTAIL_GUARDS`` add what a few of Wagtail's own views lack: the explorer and the
page chooser open only pages of the user's own organisation (and the ancestors to
reach them), the move confirmation asks for the move permission on GET too, image
and document choosers are for users who may choose or upload media, and the
external link form's POST without its field is a 400 instead of Wagtail's 500, and
the tag autocomplete suggests only the tags of the user's own images and documents.
Media listings' tag filters are narrowed to the user's items on the way out
(``process_template_response``, ``home/security/tags.py``).
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.admin.views.chooser import page_models_from_string
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Locale, Page
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import policy_registry
from wagtail.snippets.views.snippets import get_snippet_model_from_url_params
from wagtail.users.models import UserProfile
from wagtail_localize.models import Translation, TranslationSource

from .choosers import browsable_pages
from .tags import autocomplete_for_user, scope_tag_filter


def can_change(user, instance):
    """Whether ``user`` may change ``instance`` (a page or a snippet)."""
    if isinstance(instance, Page):
        return instance.permissions_for_user(user).can_edit()
    policy = policy_registry.get_by_type(type(instance))
    return policy.user_has_permission_for_instance(user, "change", instance)


def can_translate(user, instance):
    """Whether ``user`` may translate ``instance``: start, sync, write and preview its
    translations. A page they may edit; a snippet they may change or see (translators
    see their organisation's snippets in every language, ``home.roles``)."""
    if isinstance(instance, Page):
        return instance.permissions_for_user(user).can_edit()
    policy = policy_registry.get_by_type(type(instance))
    return policy.user_has_any_permission_for_instance(user, ["change", "view"], instance)


def _source_instance(source):
    try:
        return source.get_source_instance()
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


# What a URL's keyword arguments point at: fn(kwargs) -> the object to check.


def _page(kwargs):
    return get_object_or_404(Page, pk=kwargs["page_id"]).specific


def _snippet(kwargs):
    model = get_snippet_model_from_url_params(kwargs["app_label"], kwargs["model_name"])
    try:
        return get_object_or_404(model, pk=unquote(kwargs["pk"]))
    except (ValueError, ValidationError) as exc:  # not a key of this model ("abc")
        raise Http404 from exc


def _translation_source(kwargs):
    return _source_instance(
        get_object_or_404(TranslationSource, pk=kwargs["translation_source_id"])
    )


def _translation(kwargs):
    """The source object of a translation (the segment ids of the string and
    override views are checked against the translation by wagtail-localize)."""
    translation = get_object_or_404(
        Translation.objects.select_related("source"), pk=kwargs["translation_id"]
    )
    return _source_instance(translation.source)


# Names no organisation's object, or objects every organisation shares (locales):
# Wagtail's own check is enough.
OPEN = "open"
SUPERUSER = "superuser"  # lists every organisation's objects

LOCALIZE_RULES = {
    "wagtail_localize:javascript_catalog": OPEN,
    "wagtail_localize:submit_page_translation": _page,
    "wagtail_localize:convert_to_alias": _page,
    "wagtail_localize:submit_snippet_translation": _snippet,
    "wagtail_localize:snippets_api_detail": _snippet,
    "wagtail_localize:update_translations": _translation_source,
    "wagtail_localize:edit_string_translation": _translation,
    "wagtail_localize:edit_override": _translation,
    "wagtail_localize:download_pofile": _translation,
    "wagtail_localize:upload_pofile": _translation,
    "wagtail_localize:machine_translate": _translation,
    "wagtail_localize:preview_translation": _translation,
    "wagtail_localize:stop_translation": _translation,
    # Not used by wagtail-localize's own screens (its snippet chooser reads the
    # detail view); it would list every organisation's snippets.
    "wagtail_localize:snippets_api_listing": SUPERUSER,
    # Every organisation's translations; others get home/security/reports.py's.
    "wagtail_localize:translations_report": SUPERUSER,
    "wagtail_localize:translations_report_results": SUPERUSER,
}
# Locales (wagtail_localize.locales) are shared by every organisation: Wagtail's
# locale permissions decide, for all of its views.
NAMESPACE_RULES = {"wagtaillocales": OPEN}

# Wagtail's reports that list every organisation's pages and snippets (site history:
# their log entries; page types: the last page edited of each type).
SUPERUSER_VIEWS = {
    "wagtailadmin_reports:site_history",
    "wagtailadmin_reports:site_history_results",
    "wagtailadmin_reports:page_types_usage",
    "wagtailadmin_reports:page_types_usage_results",
}


def rule_for(view_name):
    """The rule for a view: OPEN, SUPERUSER, a resolver fn(kwargs), or
    None when the view is not guarded here. A view of wagtail-localize's namespace
    without a rule gets SUPERUSER (fail closed)."""
    if view_name in SUPERUSER_VIEWS:
        return SUPERUSER
    namespace = view_name.split(":", 1)[0] if ":" in view_name else ""
    if namespace in NAMESPACE_RULES:
        return NAMESPACE_RULES[namespace]
    if namespace == "wagtail_localize":
        return LOCALIZE_RULES.get(view_name, SUPERUSER)
    return None


def is_allowed(user, view_name, kwargs):
    rule = rule_for(view_name)
    if rule is None or rule == OPEN:
        return True
    if user.is_active and user.is_superuser:
        return True
    if rule == SUPERUSER:
        return False
    return can_translate(user, rule(kwargs))


# What makes a translation live: fn(request, kwargs) -> None (go on) or a response;
# it may raise PermissionDenied. Run after the view's rule.

# The option of "Sync translated pages" (wagtail_localize.views.update_translations)
# that publishes every translation.
PUBLISH_OPTION = "publish_translations"


def _sync_publishes_what_the_user_may(request, kwargs):
    """ "Publish immediately" publishes every translation of the source at once, with
    the source's text wherever the changed source brings a string not translated yet;
    a translation goes live only from the translation editor once every text is
    translated (``home.translations.refuse_unfinished_publish``). Syncing without it
    is for whoever may translate."""
    if request.method != "POST":
        return None
    option = forms.BooleanField(required=False)
    value = option.widget.value_from_datadict(request.POST, {}, PUBLISH_OPTION)
    if option.clean(value) and not request.user.is_superuser:
        raise PermissionDenied
    return None


def _alias_publishes_the_source(request, kwargs):
    """Converting a translation into an alias puts the source's live content, in the
    source's language, in its place at once: not for staff, whatever their rights."""
    if not request.user.is_superuser:
        raise PermissionDenied
    return None


def _parent_is_translated(request, kwargs):
    """wagtail-localize puts a page's translation under its parent's translation; where
    the parent has none, it makes a copy (an alias) of the parent, live at once with
    the source's text. Translate the parent first."""
    if request.method != "POST":
        return None
    page = _page(kwargs)
    parent = page.get_parent()
    if parent is None or parent.is_root():
        return None
    wanted = [pk for pk in request.POST.getlist("locales") if pk.isdigit()]
    translated = Page.objects.filter(
        translation_key=parent.translation_key, alias_of__isnull=True
    ).values("locale_id")
    missing = Locale.objects.filter(pk__in=wanted).exclude(pk__in=translated)
    if not missing:
        return None
    language = UserProfile.get_for_user(request.user).get_preferred_language()
    with translation.override(language):
        message = _(
            "Translate the page “%(parent)s” into %(languages)s first: a page's "
            "translation goes under its parent's translation."
        ) % {
            "parent": parent.get_admin_display_title(),
            "languages": ", ".join(locale.get_display_name() for locale in missing),
        }
    messages.error(request, message)
    return redirect(request.get_full_path())


LOCALIZE_GUARDS = {
    "wagtail_localize:update_translations": _sync_publishes_what_the_user_may,
    "wagtail_localize:convert_to_alias": _alias_publishes_the_source,
    "wagtail_localize:submit_page_translation": _parent_is_translated,
}


def hide_publish_option(request, response):
    """Leave "Publish immediately" out of "Sync translated pages" for staff (the POST
    is refused anyway)."""
    match = request.resolver_match
    if match is None or match.view_name != "wagtail_localize:update_translations":
        return
    form = (getattr(response, "context_data", None) or {}).get("form")
    if form is None or PUBLISH_OPTION not in form.fields:
        return
    if not request.user.is_superuser:
        del form.fields[PUBLISH_OPTION]


# Wagtail's own views that show a page, or take input, without the check the rest of
# the admin makes. Each guard: fn(request, kwargs) -> None (go on) or a response;
# it may raise PermissionDenied.


def _not_superuser(user):
    return not (user.is_active and user.is_superuser)


def _explorable_parent(request, kwargs):
    """The explorer lets a user open any page below their "explorable root", the
    common ancestor of the pages they hold permissions on. Each role holds them on
    its site's root page in every language, sibling trees, so that root is the tree
    root and every organisation's page could be opened (its title, draft title and
    status shown; only the children listed are filtered). The parent itself must be
    explorable (a page they hold a permission on, or an ancestor of one)."""
    page_id = kwargs.get("parent_page_id")
    if page_id is None or not _not_superuser(request.user):
        return None
    explorable = PagePermissionPolicy().explorable_instances(request.user)
    if not explorable.filter(pk=page_id).exists():
        return redirect("wagtailadmin_explore_root")
    return None


def _chooser_start(request):
    url = reverse("wagtailadmin_choose_page")
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


def _browsable_parent(request, kwargs):
    """The page chooser shows the page it browses (title, status) whatever it is;
    another organisation's page sends the user back to the chooser's start."""
    browsable = browsable_pages(request.user)
    if browsable is not None and not browsable.filter(pk=kwargs["parent_page_id"]).exists():
        return _chooser_start(request)
    return None


def _chooser_root(request, kwargs):
    """Without a page to browse and with a page type, Wagtail starts at the common
    ancestor of every page of that type, possibly another organisation's page;
    start at the common ancestor of the user's own pages of that type instead (the
    tree root, whose children the chooser hook filters, when they have none)."""
    browsable = browsable_pages(request.user)
    if browsable is None or not request.GET.get("page_type"):
        return None
    try:
        models = page_models_from_string(request.GET["page_type"])
    except (ValueError, LookupError):
        return None  # Wagtail answers 404
    own = browsable.type(*models)
    start = own.first_common_ancestor() if own.exists() else None
    if start is None or not browsable.filter(pk=start.pk).exists():
        start = Page.get_first_root_node()
    url = reverse("wagtailadmin_choose_page_child", args=[start.pk])
    return redirect(f"{url}?{request.GET.urlencode()}")


def _chosen_pages(request, kwargs):
    """The chooser's answer for several pages gives their titles: only the user's."""
    browsable = browsable_pages(request.user)
    if browsable is None:
        return None
    ids = set(request.GET.getlist("id"))
    if not all(pk.isdigit() for pk in ids) or browsable.filter(pk__in=ids).count() < len(ids):
        raise PermissionDenied
    return None


def _movable(request, kwargs):
    """Wagtail's move confirmation shows the page and destination on GET and
    checks the permission only when the move is made (POST)."""
    page = get_object_or_404(Page, pk=kwargs["page_to_move_id"])
    destination = get_object_or_404(Page, pk=kwargs["destination_id"])
    if not page.permissions_for_user(request.user).can_move_to(destination):
        raise PermissionDenied
    return None


def _media_chooser(request, kwargs):
    """Image and document choosers list what the user may choose; a user who may
    neither choose from nor upload to any collection (a membership officer) has
    nothing to open there."""
    model = MEDIA_CHOOSERS[request.resolver_match.namespace]()
    policy = policy_registry.get_by_type(model)
    if _not_superuser(request.user) and not policy.user_has_any_permission(
        request.user, ["choose", "add"]
    ):
        raise PermissionDenied
    return None


def _external_link_form(request, kwargs):
    """Wagtail's external link form fails (500) on a POST without its URL field
    (``URLOrAbsolutePathField.to_python(None)``); browsers always send it."""
    if request.method == "POST" and "external-link-chooser-url" not in request.POST:
        language = UserProfile.get_for_user(request.user).get_preferred_language()
        with translation.override(language):
            message = _("The link form arrived incomplete. Close this window and try again.")
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return None


def _tag_autocomplete(request, kwargs):
    """Wagtail suggests every organisation's tag names; others get their own."""
    if _not_superuser(request.user):
        return autocomplete_for_user(request)
    return None


WAGTAIL_GUARDS = {
    "wagtailadmin_explore": _explorable_parent,
    "wagtailadmin_explore_results": _explorable_parent,
    "wagtailadmin_choose_page": _chooser_root,
    "wagtailadmin_choose_page_child": _browsable_parent,
    "wagtailadmin_choose_page_chosen_multiple": _chosen_pages,
    "wagtailadmin_pages:move_confirm": _movable,
    "wagtailadmin_choose_page_external_link": _external_link_form,
    "wagtailadmin_tag_autocomplete": _tag_autocomplete,
    "wagtailadmin_tag_model_autocomplete": _tag_autocomplete,
}
MEDIA_CHOOSERS = {
    "wagtailimages_chooser": get_image_model,
    "wagtaildocs_chooser": get_document_model,
}


def guard_for(view_name):
    if view_name.split(":", 1)[0] in MEDIA_CHOOSERS:
        return _media_chooser
    return LOCALIZE_GUARDS.get(view_name) or WAGTAIL_GUARDS.get(view_name)


class AdminScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not request.user.is_authenticated:
            return None  # Wagtail's own check sends the visitor to the login
        if not is_allowed(request.user, match.view_name, view_kwargs):
            raise PermissionDenied
        guard = guard_for(match.view_name)
        return guard(request, view_kwargs) if guard is not None else None

    def process_template_response(self, request, response):
        if request.user.is_authenticated:
            scope_tag_filter(request, response)
            hide_publish_option(request, response)
        return response
