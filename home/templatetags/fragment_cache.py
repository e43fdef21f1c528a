# TRANSITION-SHIM: removed once no template uses it.
from django import template

register = template.Library()


class Node(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        return self.nodelist.render(context)


@register.tag("cached_fragment")
def cached_fragment(parser, token):
    nodelist = parser.parse(("endcached_fragment",))
    parser.delete_first_token()
    return Node(nodelist)
