"""Admin panels shared by the apps."""

from modelcluster.forms import BaseChildFormSet
from wagtail.admin.panels import InlinePanel


class CompleteChildFormSet(BaseChildFormSet):
    """The rows of an inline panel, where the submitted form lists every row.

    django-modelcluster keeps a row of the object that the submitted form does not
    mention (a formset may show only some rows). An admin edit form always sends
    every row, so such a row is one the editor's browser did not know of: it was
    made by an earlier submission of the same form whose answer (the new rows' ids)
    had not reached the form yet, such as an autosave racing "Save draft" (reported
    to Wagtail as wagtail/wagtail#14568). Kept, it would be a duplicate; the form's
    rows replace it, as the form's values replace every other field.
    """

    def save(self, commit=True):
        listed = {form.instance.pk for form in self.initial_forms if form.instance.pk}
        rows = getattr(self.instance, self.rel_name)
        unlisted = [row for row in rows.all() if row.pk is not None and row.pk not in listed]
        if unlisted:
            rows.remove(*unlisted)
        return super().save(commit=commit)


class CompleteInlinePanel(InlinePanel):
    """Wagtail's ``InlinePanel`` whose rows are exactly those of the submitted form
    (``CompleteChildFormSet``); it looks and works the same for editors."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = CompleteChildFormSet
        return options
