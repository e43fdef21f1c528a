"""Admin listings narrowed to what the user may change.

- The translations report of wagtail-localize lists every organisation's
  translations; ``ScopedTranslationsReportView`` (the report's own view, with a
  narrower queryset) lists those whose source page or snippet the user may change,
  and takes its place in the Reports menu. The original URL is for superusers
  (``home/security/scope.py``).
- Wagtail's admin API lists every image and document (its endpoints reuse the
  public API's queryset); ``ScopedImagesAdminAPIViewSet`` and
  ``ScopedDocumentsAdminAPIViewSet`` list those of the collections the user may
  choose from or change, as Wagtail's own choosers do.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from wagtail.documents import get_document_model
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images import get_image_model
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.models import Page, get_translatable_models
from wagtail.permissions import policy_registry
from wagtail_localize.models import TranslationSource
from wagtail_localize.views.report import TranslationsReportView


def changeable_translation_sources(user):
    """Translation sources whose page or snippet ``user`` may change."""
    sources = TranslationSource.objects.all()
    if user.is_active and user.is_superuser:
        return sources
    pages = policy_registry.get_by_type(Page).instances_user_has_permission_for(user, "change")
    query = Q(object_id__in=pages.values("translation_key"))
    for model in get_translatable_models():
        if issubclass(model, Page):
            continue
        instances = policy_registry.get_by_type(model).instances_user_has_permission_for(
            user, "change"
        )
        query |= Q(
            specific_content_type=ContentType.objects.get_for_model(model),
            object_id__in=instances.values("translation_key"),
        )
    return sources.filter(query)


class ScopedTranslationsReportView(TranslationsReportView):
    index_url_name = "security_translations_report"
    index_results_url_name = "security_translations_report_results"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(source__in=changeable_translation_sources(self.request.user))
        )


def _usable(queryset, model, user):
    policy = policy_registry.get_by_type(model)
    usable = policy.instances_user_has_any_permission_for(user, ["choose", "change"])
    return queryset.filter(pk__in=usable.values("pk"))


class ScopedImagesAdminAPIViewSet(ImagesAdminAPIViewSet):
    def get_queryset(self):
        return _usable(super().get_queryset(), get_image_model(), self.request.user)


class ScopedDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    def get_queryset(self):
        return _usable(super().get_queryset(), get_document_model(), self.request.user)
