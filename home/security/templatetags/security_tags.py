from django import template
from wagtail.images import get_image_model

from ..tags import popular_tags_for_user

register = template.Library()


@register.simple_tag(takes_context=True)
def popular_image_tags(context):
    """The image chooser's popular tags, of the user's own images only."""
    return popular_tags_for_user(get_image_model(), context["request"].user)
