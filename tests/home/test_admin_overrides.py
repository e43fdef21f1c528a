"""The one Wagtail admin template the project copies rather than extends: its
navigation label is English-only upstream (no block to override, no gettext). The
test fails when Wagtail's template changes, so that the copy is brought in line."""

from pathlib import Path

import wagtail
from django.template.loader import render_to_string
from django.utils import translation

UPSTREAM = (
    Path(wagtail.__file__).parent / "admin/templates/wagtailadmin/shared/headers/_actions.html"
)
KNOWN_UPSTREAM = """{# Actions divider #}
<div class="w-w-px w-h-[30px] w-ml-auto sm:w-ml-0 w-bg-border-furniture"></div>
<nav aria-label="Actions" id="w-slim-header-buttons" class="w-flex w-items-center w-ml-2.5 w-gap-1">
    {{ actions }}
</nav>
"""


def test_wagtails_header_actions_template_is_the_one_the_project_copied():
    assert UPSTREAM.read_text() == KNOWN_UPSTREAM


def test_the_header_actions_are_labelled_in_the_admins_language():
    with translation.override("sq"):
        html = render_to_string("wagtailadmin/shared/headers/_actions.html", {"actions": "x"})
    assert 'aria-label="Veprime"' in html and "x" in html
