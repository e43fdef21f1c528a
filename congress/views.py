"""Admin views of outcomes and speakers.

Both are scoped to the user's organisation by their permission policies
(``congress.permissions``): the listing, every view of one object, the chooser (the
agenda's speaker blocks, any outcome chooser) and bulk deletion hold only what the
policy lets the user manage (``home.security.snippets.ScopedSnippetViewSet``)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList, PublishingPanel
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from home.security.snippets import ScopedSnippetViewSet

from .forms import OutcomeForm, SpeakerForm
from .models import Outcome, Speaker


class OutcomeViewSet(ScopedSnippetViewSet):
    model = Outcome
    icon = "list-ol"
    menu_label = _("Outcomes")
    list_display = ["__str__", "congress", "happened_at", "kind"]
    list_filter = ["kind", "status"]
    edit_handler = ObjectList(
        [
            FieldPanel("congress"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("number"), FieldPanel("status")]),
            FieldPanel("happened_at"),
            FieldPanel("title"),
            FieldPanel("text"),
            FieldPanel("attribution"),
            FieldPanel("image"),
            FieldPanel("document"),
            PublishingPanel(),
        ],
        base_form_class=OutcomeForm,
    )


class SpeakerViewSet(ScopedSnippetViewSet):
    model = Speaker
    icon = "user"
    menu_label = _("Speakers")
    list_display = ["name", "role", "organisation", "site"]
    search_fields = ["name", "organisation"]
    edit_handler = ObjectList(Speaker.panels, base_form_class=SpeakerForm)


class CongressViewSetGroup(SnippetViewSetGroup):
    items = (OutcomeViewSet, SpeakerViewSet)
    menu_icon = "date"
    menu_label = _("Congresses")
    menu_name = "congress"
