"""What an editor may choose, checked on the server.

Wagtail's choosers only *show* a user the images, documents, pages and snippets they
may use; a POST can still carry any id. Every admin form of the project (page types
through ``home.models.BasePage.base_form_class``, snippets and settings through
``ScopedAdminModelForm``) mixes in ``ChooserScopeMixin``, which

- narrows the queryset of each ``ModelChoiceField`` (foreign keys, many-to-many) to
  what ``choosable(user, model)`` allows, in inline panels too, so another
  organisation's id is "not one of the available choices";
- checks every reference inside StreamFields and rich text (image, document, page
  and snippet choosers at any depth of StructBlock, ListBlock and StreamBlock, and
  links and images in rich text, all found with Wagtail's ``extract_references``)
  and puts a field error on the field that holds a reference the user may not use.

What is already stored on the object stays valid, so an editor can still save an
object a superuser set up with someone else's image. A form made without
``for_user`` (not an admin view) is not narrowed.

``choosable`` is also what the scoped chooser views (``ScopedChooserViewSet``) list,
so the choosers and the server-side check agree.
"""

from collections import defaultdict

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.http import Http404
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.documents.models import AbstractDocument
from wagtail.images.models import AbstractImage
from wagtail.models import Page, Site
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import policy_registry
from wagtail.snippets.views import chooser as snippet_chooser

# A snippet may be chosen by whoever may do any of these with it.
SNIPPET_ACTIONS = ["add", "change", "delete", "publish", "view"]

NOT_YOURS = _("Choose one of your own organisation’s items: this one is not available to you.")


def user_sites(user):
    """Sites where ``user`` holds any role (``home.models.SiteRole``)."""
    return Site.objects.filter(roles__group__user=user).distinct()


def _site_roots(user):
    """The root pages of the user's sites, in every language."""
    return Page.objects.filter(
        translation_key__in=user_sites(user).values("root_page__translation_key")
    )


def _site_pages(user):
    query = Q(pk__in=[])
    for root in _site_roots(user):
        query |= Q(path__startswith=root.path)
    return query


def choosable(user, model):
    """The instances of ``model`` that ``user`` may choose in a form, or None when
    there is no limit (superusers, and models nobody owns such as locales)."""
    if user is None or (user.is_active and user.is_superuser):
        return None
    if issubclass(model, (AbstractImage, AbstractDocument)):
        # Wagtail's collection policy: "choose" is given per collection.
        policy = policy_registry.get_by_type(model)
        return policy.instances_user_has_any_permission_for(user, ["choose"])
    if issubclass(model, Page):
        explorable = PagePermissionPolicy().explorable_instances(user)
        return Page.objects.filter(_site_pages(user) | Q(pk__in=explorable.values("pk")))
    if issubclass(model, Site):
        return user_sites(user)
    if getattr(model, "snippet_viewset", None) is not None:
        policy = policy_registry.get_by_type(model)
        return policy.instances_user_has_any_permission_for(user, SNIPPET_ACTIONS)
    return None


def browsable_pages(user):
    """What the page chooser may show ``user`` (None: everything): the pages they
    may choose, and the tree root and the ancestors of their sites' root pages to
    browse down to them. Another organisation's pages are neither listed nor
    opened."""
    allowed = choosable(user, Page)
    if allowed is None:
        return None
    ancestors = Q(depth=1)  # the tree root, where the chooser starts
    for root in _site_roots(user):
        ancestors |= Q(pk__in=Page.objects.ancestor_of(root).values("pk"))
    return Page.objects.filter(Q(pk__in=allowed.values("pk")) | ancestors)


def scoped(queryset, user):
    """``queryset`` limited to what ``user`` may choose. For the same model the two
    querysets are combined, so that the result keeps the policy's own filters (a
    chooser's search can only filter on a model's ``FilterField``s)."""
    allowed = choosable(user, queryset.model)
    if allowed is None:
        return queryset
    if allowed.model is queryset.model:
        return queryset & allowed
    return queryset.filter(pk__in=allowed.values("pk"))


def _current_pks(form, name):
    """Primary keys the saved object already holds in field ``name``."""
    instance = form.instance
    if instance is None or instance.pk is None:
        return []
    try:
        model_field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        return []
    value = model_field.value_from_object(instance)
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [getattr(item, "pk", item) for item in value]
    return [value]


def narrow_choice_fields(form, user):
    """Narrow every ModelChoiceField of ``form`` (and of its inline formsets)."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        allowed = choosable(user, field.queryset.model)
        if allowed is None:
            continue
        keep = Q(pk__in=allowed.values("pk"))
        current = _current_pks(form, name)
        if current:
            keep |= Q(pk__in=current)
        field.queryset = field.queryset.filter(keep)
        field.error_messages = {
            **field.error_messages,
            "invalid_choice": NOT_YOURS,
            "invalid_pk_value": NOT_YOURS,
        }
    for formset in getattr(form, "formsets", {}).values():
        for child in formset.forms:
            narrow_choice_fields(child, user)


def _references(model_field, value):
    """(model, id) of every object ``value`` of ``model_field`` refers to."""
    extract = getattr(model_field, "extract_references", None)
    if extract is None or value is None:
        return set()
    return {(model, str(object_id)) for model, object_id, _path, _content in extract(value)}


def reference_errors(form, user):
    """{field name: message} for reference-holding fields (StreamField, rich text)
    that use an object ``user`` may not choose."""
    errors = {}
    for name in form.fields:
        if name not in form.cleaned_data:
            continue
        try:
            model_field = form.instance._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        used = _references(model_field, form.cleaned_data[name])
        if form.instance.pk is not None:
            used -= _references(model_field, model_field.value_from_object(form.instance))
        by_model = defaultdict(set)
        for model, object_id in used:
            by_model[model].add(object_id)
        refused = []
        for model, ids in by_model.items():
            allowed = choosable(user, model)
            if allowed is None:
                continue
            ok = {str(pk) for pk in allowed.filter(pk__in=ids).values_list("pk", flat=True)}
            refused += [(model, object_id) for object_id in sorted(ids - ok)]
        if refused:
            items = ", ".join(
                f"{capfirst(model._meta.verbose_name)} {object_id}" for model, object_id in refused
            )
            errors[name] = _(
                "You may not use %(items)s here: choose one of your own organisation’s."
            ) % {"items": items}
    return errors


class ChooserScopeMixin:
    """Form mixin: what the user (``for_user``) chooses must be theirs to choose."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None:
            narrow_choice_fields(self, self.for_user)

    def clean(self):
        cleaned_data = super().clean()
        if self.for_user is not None:
            for name, message in reference_errors(self, self.for_user).items():
                self.add_error(name, forms.ValidationError(message, code="not_choosable"))
        return cleaned_data


class ScopedAdminModelForm(ChooserScopeMixin, WagtailAdminModelForm):
    """Base form of every snippet and setting of the project."""


class ScopedAdminPageForm(ChooserScopeMixin, WagtailAdminPageForm):
    """Base form of every page type of the project (``BasePage.base_form_class``)."""


# Choosers that list only what ``choosable`` allows (for snippets whose permission
# policy limits them to their organisation).


class ScopedChooseView(snippet_chooser.ChooseView):
    def get_object_list(self):
        return scoped(super().get_object_list(), self.request.user)


class ScopedChooseResultsView(snippet_chooser.ChooseResultsView):
    def get_object_list(self):
        return scoped(super().get_object_list(), self.request.user)


class ScopedChosenView(snippet_chooser.SnippetChosenView):
    def get_object(self, pk):
        return scoped(self.model_class.objects.all(), self.request.user).get(pk=pk)


class ScopedChosenMultipleView(snippet_chooser.SnippetChosenMultipleView):
    def get_objects(self, pks):
        return scoped(self.model_class.objects.filter(pk__in=pks), self.request.user)


class ScopedCreateView(snippet_chooser.SnippetCreateView):
    """Wagtail registers a chooser's "create" URL even when the chooser has no
    creation form (none of ours has one), and a POST to it then fails with a 500
    (``self.form`` is None in ``CreateViewMixin.post``). Without a form: not found."""

    def dispatch(self, request, *args, **kwargs):
        if self.get_creation_form_class() is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ScopedChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView
    create_view_class = ScopedCreateView
