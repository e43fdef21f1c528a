"""StreamField blocks of the movement app: who we are, what we want, what we do.

They sit beside the shared blocks of ``home/blocks.py`` in ``MovementStreamBlock``,
so that every organisation's "About us" page has the same sections but editors can
order and repeat them freely.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.models import Page, Site

from home.blocks import GROUP_ACTIONS, BaseStreamBlock

GROUP_MOVEMENT = _("Who we are")


class PointBlock(blocks.StructBlock):
    """A titled point: a goal, a value, a point of the vision."""

    title = blocks.CharBlock(label=_("Title"), max_length=200)
    text = blocks.TextBlock(label=_("Text"), required=False)

    class Meta:
        icon = "tick"
        label = _("Point")


class MissionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    statement = blocks.TextBlock(label=_("Mission statement"))
    goals = blocks.ListBlock(PointBlock(), label=_("Goals"), min_num=1)

    class Meta:
        icon = "crosshairs"
        template = "movement/blocks/mission.html"
        group = GROUP_MOVEMENT
        label = _("Mission")
        description = _("A short mission statement with the goals that follow from it")
        preview_value = {
            "heading": "Misioni ynë",
            "statement": "Duam një shoqëri ku secili merr pjesë në vendime.",
            "goals": [
                {"title": "Angazhim qytetar", "text": "Takime të hapura në çdo komunë."},
                {"title": "Bashkëpunim rajonal", "text": "Lidhje me diasporën."},
            ],
        }


class VisionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    intro = blocks.TextBlock(label=_("Introduction"), required=False)
    points = blocks.ListBlock(PointBlock(), label=_("Points"), min_num=1)

    class Meta:
        icon = "view"
        template = "movement/blocks/vision.html"
        group = GROUP_MOVEMENT
        label = _("Vision")
        description = _("The society the organisation works for, point by point")
        preview_value = {
            "heading": "Vizioni ynë",
            "intro": "",
            "points": [{"title": "Barazi për të gjithë", "text": ""}],
        }


class ValuesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    values = blocks.ListBlock(PointBlock(), label=_("Values"), min_num=1)

    class Meta:
        icon = "pick"
        template = "movement/blocks/values.html"
        group = GROUP_MOVEMENT
        label = _("Values")
        description = _("The values the organisation holds, each with a title and a text")
        preview_value = {
            "heading": "Vlerat tona",
            "values": [
                {"title": "Transparencë", "text": "Publikojmë si marrim vendime."},
                {"title": "Solidaritet", "text": "Ndihmojmë njëri-tjetrin."},
            ],
        }


class WorkAreaBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Area of work"), max_length=200)
    text = blocks.TextBlock(label=_("Description"), required=False)
    activities = blocks.ListBlock(
        blocks.CharBlock(label=_("Activity"), max_length=300), label=_("Activities"), min_num=0
    )

    class Meta:
        icon = "list-ul"
        label = _("Area of work")


class WorkAreasBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    intro = blocks.TextBlock(label=_("Introduction"), required=False)
    areas = blocks.ListBlock(WorkAreaBlock(), label=_("Areas of work"), min_num=1)

    class Meta:
        icon = "cogs"
        template = "movement/blocks/work_areas.html"
        group = GROUP_MOVEMENT
        label = _("What we do")
        description = _("Areas of work, each with its activities")
        preview_value = {
            "heading": "Çfarë bëjmë",
            "intro": "",
            "areas": [
                {
                    "title": "Komunitetet lokale",
                    "text": "Punojmë me qytetarët aty ku jetojnë.",
                    "activities": ["Takime në lagje", "Fushata sensibilizimi"],
                }
            ],
        }


JOIN = "join"
VOLUNTEER = "volunteer"
# The page types of the membership app the actions look for, by content type, so
# that this app does not import membership's models.
ACTION_PAGE_TYPES = {JOIN: ("membership", "joinpage"), VOLUNTEER: ("membership", "volunteerpage")}


def find_action_pages(request, page):
    """{"join": Page, "volunteer": Page} of the site that ``page`` belongs to, in the
    page's language (one query, remembered on the request)."""
    locale_id = getattr(page, "locale_id", None)
    cache_key = ("_movement_action_pages", locale_id)
    store = getattr(request, "_movement_action_pages", None) if request is not None else None
    if store is not None and cache_key in store:
        return store[cache_key]
    found = {}
    site = Site.find_for_request(request) if request is not None else None
    root = site.root_page if site is not None else (page.get_site().root_page if page else None)
    if root is not None and locale_id is not None:
        content_types = {}
        for kind, natural_key in ACTION_PAGE_TYPES.items():
            try:  # cached by Django after the first lookup
                content_types[ContentType.objects.get_by_natural_key(*natural_key).id] = kind
            except ContentType.DoesNotExist:
                continue
        if content_types:
            root_paths = Page.objects.filter(translation_key=root.translation_key).values_list(
                "path", flat=True
            )
            candidates = (
                Page.objects.live()
                .public()
                .filter(content_type_id__in=content_types, locale_id=locale_id)
                .order_by("path")
            )
            for candidate in candidates:
                if any(candidate.path.startswith(p) for p in root_paths):
                    found.setdefault(content_types[candidate.content_type_id], candidate)
    if request is not None:
        if store is None:
            store = request._movement_action_pages = {}
        store[cache_key] = found
    return found


class MembershipActionBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Action"),
        choices=[(JOIN, _("Become a member")), (VOLUNTEER, _("Volunteer"))],
        default=JOIN,
    )
    text = blocks.CharBlock(label=_("Button text"), max_length=80)
    description = blocks.TextBlock(label=_("Description"), required=False)
    page = blocks.PageChooserBlock(
        label=_("Page"),
        required=False,
        help_text=_(
            "Leave empty to link this organisation's membership or volunteer form "
            "in the page's language."
        ),
    )

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        parent_context = parent_context or {}
        request = parent_context.get("request")
        page = parent_context.get("page")
        url = ""
        if value.get("page"):
            chosen = value["page"]
            if page is not None and getattr(page, "locale_id", None) != chosen.locale_id:
                chosen = chosen.get_translation_or_none(page.locale_id) or chosen
            url = chosen.get_url(request)
        elif page is not None:
            target = find_action_pages(request, page).get(value.get("kind"))
            if target is not None:
                url = target.get_url(request)
        context["url"] = url
        return context

    class Meta:
        icon = "user"
        template = "movement/blocks/membership_action.html"
        group = GROUP_ACTIONS
        label = _("Join or volunteer")


class ClosingActionsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    text = blocks.TextBlock(label=_("Text"), required=False)
    actions = blocks.ListBlock(MembershipActionBlock(), label=_("Actions"), min_num=1, max_num=3)

    class Meta:
        icon = "pick"
        template = "movement/blocks/closing_actions.html"
        group = GROUP_ACTIONS
        label = _("Closing calls to action")
        description = _(
            "The invitation at the end of the page: become a member, volunteer. Links to "
            "the organisation's forms by themselves."
        )
        preview_value = {
            "heading": "Bashkohu me ne",
            "text": "Në Kosovë apo në diasporë, ka vend për ty.",
            "actions": [
                {"kind": JOIN, "text": "Bëhu anëtar", "description": ""},
                {"kind": VOLUNTEER, "text": "Vullnetarizo", "description": ""},
            ],
        }


class MovementStreamBlock(BaseStreamBlock):
    mission = MissionBlock()
    vision = VisionBlock()
    values = ValuesBlock()
    work_areas = WorkAreasBlock()
    closing_actions = ClosingActionsBlock()


class AimBlock(PointBlock):
    class Meta:
        icon = "crosshairs"
        template = "movement/blocks/aim.html"
        group = GROUP_MOVEMENT
        label = _("Aim")
        description = _("One aim of the campaign")
        preview_value = {"title": "Pjesëmarrje në zgjedhje", "text": "Çdo votë numërohet."}
