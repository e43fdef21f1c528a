"""``{% cached_fragment "name" value ... %}…{% endcached_fragment %}``: a part of a
page kept in the cache until the page-cache generation moves on.

For parts that cost the most to render and are the same for every visitor (a
campaign's demands, a list of pledges): pages rendered outside the page cache (a
filtered list, a visitor with a session, the first view after a publish of another
page) reuse them. The key holds the name, the values given (what the part depends
on beyond the page's language, host and the generation), the language, the scheme
and the host. The part is kept no longer than the page itself may be
(``limit_page_cache``), never in previews, and never when it holds a CSRF token.
"""

import hashlib

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from home.cache import GENERATION_CACHE_SECONDS, cached_per_generation

register = template.Library()


class CachedFragmentNode(template.Node):
    def __init__(self, nodelist, name, vary_on):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context):
        request = context.get("request")
        if request is None or getattr(request, "is_preview", False):
            return self.nodelist.render(context)
        limit = getattr(request, "page_cache_max_seconds", None)
        timeout = (
            GENERATION_CACHE_SECONDS if limit is None else min(limit, GENERATION_CACHE_SECONDS)
        )
        if timeout <= 0:
            return self.nodelist.render(context)
        parts = [request.scheme, request.get_host(), get_language() or ""]
        parts += [str(value.resolve(context)) for value in self.vary_on]
        digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()

        def render():
            html = self.nodelist.render(context)
            # A form's token is the visitor's own: such a part is never shared.
            return None if "csrfmiddlewaretoken" in html else html

        html = cached_per_generation(
            f"fragment:{self.name.resolve(context)}:{digest}", render, timeout
        )
        return mark_safe(html) if html is not None else self.nodelist.render(context)  # noqa: S308 - rendered by our templates


@register.tag("cached_fragment")
def cached_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' needs a name")
    nodelist = parser.parse(("endcached_fragment",))
    parser.delete_first_token()
    return CachedFragmentNode(
        nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]]
    )
