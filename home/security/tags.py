"""Tag lists of images and documents limited to the user's own items.

Wagtail's "popular tags" (``wagtail.admin.models.popular_tags_for_model``: the tag
filter of the image and document listings, the tag links of the image chooser)
count the tags of every image or document, whatever its collection, so one
organisation's staff would read the tag names of another's private media
(wagtail/wagtail#7959, #7161). ``popular_tags_for_user`` counts only the items
the user may choose or change, the same items the listings and choosers show.
Wagtail's tag autocomplete (``/admin/tag-autocomplete/``) suggests every tag name
that begins with what was typed: ``autocomplete_for_user`` answers it in Wagtail's
place for users who are not superusers, from their own items' tags.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.http import JsonResponse
from taggit.models import Tag
from wagtail.admin.filters import BaseMediaFilterSet
from wagtail.admin.models import popular_tags_for_model
from wagtail.admin.views.tags import TAGS_AUTOCOMPLETE_LIMIT
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.permissions import policy_registry


def popular_tags_for_user(model, user, count=10):
    if user.is_active and user.is_superuser:
        return popular_tags_for_model(model, count)
    usable = policy_registry.get_by_type(model).instances_user_has_any_permission_for(
        user, ["choose", "change"]
    )
    return (
        Tag.objects.filter(
            taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(model),
            taggit_taggeditem_items__object_id__in=usable.values("pk"),
        )
        .annotate(item_count=Count("taggit_taggeditem_items"))
        .order_by("-item_count", "name")[:count]
    )


def tags_for_user(user):
    """The tags of the images and documents ``user`` may choose or change (the only
    tagged models of the project)."""
    query = Q(pk__in=[])
    for model in (get_image_model(), get_document_model()):
        usable = policy_registry.get_by_type(model).instances_user_has_any_permission_for(
            user, ["choose", "change"]
        )
        query |= Q(
            taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(model),
            taggit_taggeditem_items__object_id__in=usable.values("pk"),
        )
    return Tag.objects.filter(query).distinct()


def autocomplete_for_user(request):
    """Wagtail's tag autocomplete answer, from the user's own items' tags."""
    term = request.GET.get("term", "")
    names = []
    if term:
        names = (
            tags_for_user(request.user)
            .filter(name__istartswith=term)
            .order_by("name")
            .values_list("name", flat=True)[:TAGS_AUTOCOMPLETE_LIMIT]
        )
    return JsonResponse(list(names), safe=False)


def scope_tag_filter(request, response):
    """For a media listing's TemplateResponse (Wagtail's ``BaseMediaFilterSet`` in
    its ``filters``): the tag filter offers only the tags of the user's own items."""
    filters = (getattr(response, "context_data", None) or {}).get("filters")
    if not isinstance(filters, BaseMediaFilterSet) or "tag" not in filters.form.fields:
        return
    tags = popular_tags_for_user(filters.queryset.model, request.user)
    filters.form.fields["tag"].choices = [(tag.name, tag.name) for tag in tags]
