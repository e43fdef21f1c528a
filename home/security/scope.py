"""Per-object checks that Wagtail's add-ons leave to the project.

wagtail-localize lets anyone with the model permission
``wagtail_localize.submit_translation`` submit or sync translations of *any* page or
snippet, whatever the site: with a translator group per organisation, a translator
of one organisation could create and overwrite translated pages in another's tree.
``TranslationScopeMiddleware`` adds the missing check before those views run: the
user must be able to edit the source object itself (a page they have "change" on,
or a snippet their permission policy lets them change).
"""

from django.apps import apps
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from wagtail.models import Page
from wagtail.permissions import policy_registry
from wagtail_localize.models import TranslationSource

GUARDED = {"submit_page_translation", "submit_snippet_translation", "update_translations"}


def can_change(user, instance):
    if isinstance(instance, Page):
        return instance.permissions_for_user(user).can_edit()
    policy = policy_registry.get_by_type(type(instance))
    return policy.user_has_permission_for_instance(user, "change", instance)


def _source_instance(view_name, kwargs):
    if view_name == "submit_page_translation":
        return get_object_or_404(Page, pk=kwargs["page_id"]).specific
    if view_name == "submit_snippet_translation":
        try:
            model = apps.get_model(kwargs["app_label"], kwargs["model_name"])
        except LookupError as exc:
            raise PermissionDenied from exc
        return get_object_or_404(model, pk=unquote(kwargs["pk"]))
    source = get_object_or_404(TranslationSource, pk=kwargs["translation_source_id"])
    return source.get_source_instance()


class TranslationScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.namespace != "wagtail_localize":
            return None
        if match.url_name not in GUARDED:
            return None
        user = request.user
        if not user.is_authenticated:
            return None  # Wagtail's own check sends the visitor to the login
        if not can_change(user, _source_instance(match.url_name, view_kwargs)):
            raise PermissionDenied
        return None
