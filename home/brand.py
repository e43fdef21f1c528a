"""An organisation's look and contact details: brand colours, typeface, phone.

The colours and typeface of Settings → Organisation reach the pages through CSS
custom properties in a small per-site stylesheet (``home.views.brand_stylesheet``), linked
from every page after static/css/site.css. The Content-Security-Policy allows no
inline style, and a stylesheet of its own keeps pages cacheable (no nonce). Its
URL carries a version (``/brand/<version>.css``, a fingerprint of its content), so
browsers and proxies keep it for a year and a change of the settings gives a new
URL; it is not put in the page cache, which would cut that to a minute.
"""

import hashlib
import re

from django.core.exceptions import ValidationError
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

#: The colour the brand colours are shown with (text on them, and the page under
#: them as text colour); WCAG AA for normal text.
PAPER = "#ffffff"
MINIMUM_CONTRAST = 4.5

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

#: Self-hosted typefaces (static/fonts/, subset by tools/subset_fonts.py).
TYPEFACES = {
    "": {"label": _("System fonts of the visitor's device"), "family": "", "files": ""},
    "inter": {"label": _("Inter (modern, neutral)"), "family": "Inter", "files": "inter"},
    "lato": {"label": _("Lato (warm, rounded)"), "family": "Lato", "files": "lato"},
    "noto_serif": {
        "label": _("Noto Serif (classic, for reading)"),
        "family": "Noto Serif",
        "files": "noto-serif",
    },
}
TYPEFACE_CHOICES = [(key, value["label"]) for key, value in TYPEFACES.items()]
SYSTEM_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Ubuntu, sans-serif'
SERIF_STACK = 'Georgia, "Times New Roman", serif'

# Calls to action in the header of every page.
ACTIONS_JOIN_VOLUNTEER = "join_volunteer"
ACTIONS_JOIN = "join"
ACTIONS_SIGN = "sign"
HEADER_ACTION_CHOICES = [
    ("", _("None")),
    (ACTIONS_JOIN_VOLUNTEER, _("Join and Volunteer")),
    (ACTIONS_JOIN, _("Join")),
    (ACTIONS_SIGN, _("Sign the open campaign's statement")),
]


# Colours


def _channel(value):
    value = value / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour):
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first, second):
    """The WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def validate_brand_colour(value):
    """A ``#rrggbb`` colour that white text on it, and it as text on white, can be
    read with (WCAG AA, 4.5:1): the site uses brand colours both ways."""
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(
            _("Enter a colour as # and six hexadecimal digits, for example #4b2a85."),
            code="invalid_colour",
        )
    ratio = contrast_ratio(value, PAPER)
    if ratio < MINIMUM_CONTRAST:
        raise ValidationError(
            _(
                "This colour has a contrast of %(ratio)s:1 with white; text on it and "
                "it as text on white need at least %(minimum)s:1 (WCAG AA). Choose a "
                "darker colour."
            ),
            code="low_contrast",
            params={"ratio": f"{int(ratio * 100) / 100:.2f}", "minimum": MINIMUM_CONTRAST},
        )


# Phone numbers

# No "/": "+383 38 600 108/109" is two numbers, not one.
PHONE_ALLOWED = re.compile(r"^[0-9+ ().-]+$")
TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")


def normalise_phone(value):
    """The number in E.164 (``+38338600108``) from how people write it:
    ``+383 (0) 38 600 108``, ``00383 38 600 108``, ``+383-38-600-108``.
    Raises ValidationError for anything that is not an international number."""
    # Any whitespace, such as the no-break space of a pasted number, is a space.
    value = re.sub(r"\s", " ", value or "").strip()
    if not value:
        return ""
    message = _(
        "Enter the number in international form: + and the country code, then the "
        "number, for example +383 38 600 108."
    )
    if not PHONE_ALLOWED.match(value):
        raise ValidationError(message, code="invalid_phone")
    value = TRUNK_ZERO.sub("", value)  # the trunk prefix, not dialled from abroad
    digits = re.sub(r"\D", "", value)
    if value.startswith("+"):
        pass
    elif value.startswith("00"):
        digits = digits[2:]
    else:
        raise ValidationError(message, code="invalid_phone")
    # E.164: a country code that does not start with 0, at most 15 digits in all.
    if not 8 <= len(digits) <= 15 or digits.startswith("0") or "+" in value[1:]:
        raise ValidationError(message, code="invalid_phone")
    return "+" + digits


def display_phone(value):
    """A readable form of a number: Kosovo's (+383) grouped as people write them,
    ``+383 38 600 108``, any other as + and its digits, ``+493012345678`` (the
    length of a country code and the grouping differ from country to country).
    A value that is not an international number is shown as it is."""
    try:
        e164 = normalise_phone(value)
    except ValidationError:
        return (value or "").strip()
    digits = e164[1:]
    if digits.startswith("383") and len(digits) == 11:  # Kosovo: 2 + 3 + 3
        national = digits[3:]
        return f"+383 {national[:2]} {national[2:5]} {national[5:]}"
    return e164


# The stylesheet


def brand_css(org_settings):
    """The custom properties of an organisation's brand, for static/css/site.css."""
    lines = []
    face = TYPEFACES.get(getattr(org_settings, "typeface", "") or "", TYPEFACES[""])
    if face["files"]:
        for weight, style in (("400", "regular"), ("700", "bold")):
            url = static(f"fonts/{face['files']}-{style}.woff2")
            lines.append(
                f'@font-face{{font-family:"{face["family"]}";src:url("{url}") format("woff2");'
                f"font-weight:{weight};font-style:normal;font-display:swap}}"
            )
    props = []
    primary = getattr(org_settings, "primary_colour", "")
    accent = getattr(org_settings, "accent_colour", "")
    if primary and HEX_COLOUR.match(primary):
        props.append(f"--brand:{primary}")
    if accent and HEX_COLOUR.match(accent):
        props.append(f"--accent:{accent}")
    if face["family"]:
        fallback = SERIF_STACK if "Serif" in face["family"] else SYSTEM_STACK
        props.append(f'--font:"{face["family"]}",{fallback}')
    if props:
        lines.append(":root{" + ";".join(props) + "}")
    return "\n".join(lines) + "\n"


def brand_version(org_settings):
    """A short fingerprint of the stylesheet, for its URL."""
    return hashlib.sha256(brand_css(org_settings).encode()).hexdigest()[:10]
