"""The look of the three demo organisations: colours, typeface, logo, artwork.

Every picture is drawn here with Pillow for this project: abstract shapes in each
organisation's palette, no photographs and no one else's marks. The logos are
symbols of our own; the name beside them is text, in the page's language.

``apply(sites)`` runs at the end of ``load_demo`` (home/demo_content.py) and is
idempotent: what is already as it should be is left alone, and a picture is drawn
once (the demo's placeholder images of each organisation are repainted once, and
recognised afterwards by their file name).
"""

import hashlib
import io
import math
import random
from pathlib import Path

from django.core.files.images import ImageFile
from wagtail.images import get_image_model

from home.brand import normalise_phone
from home.demo import demo_languages
from home.models import OrganisationSettings
from home.roles import collection_named

FONT = Path(__file__).resolve().parent.parent / "static" / "fonts" / "inter-bold.woff2"
#: Files drawn here start with this; other images of an organisation are repainted once.
PREFIX = "art-"

IDENTITIES = {
    "volt": {
        "primary": "#502379",
        "accent": "#a3186e",
        "typeface": "inter",
        "actions": "join_volunteer",
        # Tints for the artwork only (never text): purple, magenta, yellow, lilac, mist.
        "palette": ["#502379", "#a3186e", "#fdc220", "#cbb8e6", "#f3eefa"],
        "motif": "bands",
    },
    "kww": {
        "primary": "#1d3f8f",
        "accent": "#b34700",
        "typeface": "noto_serif",
        "actions": "join_volunteer",
        "palette": ["#1d3f8f", "#b34700", "#f2b632", "#9fb8e8", "#eef3fb"],
        "motif": "hills",
    },
    "mvc": {
        "primary": "#0b5d5e",
        "accent": "#c2185b",
        "typeface": "lato",
        "actions": "sign",
        "palette": ["#0b5d5e", "#c2185b", "#7fd1c7", "#f6c3d5", "#f4efe6"],
        "motif": "ballots",
    },
}


def _rgb(colour):
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _font(size):
    from PIL import ImageFont

    try:
        return ImageFont.truetype(str(FONT), size)
    except OSError:  # a FreeType without WOFF2: Pillow's own font
        return ImageFont.load_default(size)


# Artwork


def _bands(draw, width, height, palette, rng):
    """Volt: bold diagonal bands crossing, with rings, forward-leaning."""
    for index in range(5):
        offset = rng.uniform(-0.2, 1.0) * width
        thickness = rng.uniform(0.06, 0.16) * width
        colour = _rgb(palette[1 + index % 3])
        draw.polygon(
            [
                (offset, height),
                (offset + thickness, height),
                (offset + thickness + height * 0.8, 0),
                (offset + height * 0.8, 0),
            ],
            fill=colour,
        )
    for _ in range(3):
        radius = rng.uniform(0.08, 0.22) * height
        x, y = rng.uniform(0.1, 0.9) * width, rng.uniform(0.15, 0.85) * height
        draw.ellipse(
            [x - radius, y - radius, x + radius, y + radius],
            outline=_rgb(palette[4]),
            width=max(4, int(radius / 5)),
        )


def _hills(draw, width, height, palette, rng):
    """Kosovo We Want: a sun over layered hills, a landscape to build on together."""
    sun = rng.uniform(0.12, 0.2) * height
    x, y = rng.uniform(0.55, 0.85) * width, rng.uniform(0.22, 0.38) * height
    draw.ellipse([x - sun, y - sun, x + sun, y + sun], fill=_rgb(palette[2]))
    layers = [palette[3], palette[1], palette[0]]
    for index, colour in enumerate(layers):
        base = height * (0.55 + index * 0.14)
        amplitude = height * rng.uniform(0.05, 0.1)
        phase = rng.uniform(0, math.tau)
        waves = rng.uniform(1.2, 2.4)
        points = [(0, height)]
        for step in range(0, width + 20, 20):
            points.append(
                (step, base - amplitude * math.sin(phase + waves * math.tau * step / width))
            )
        points.append((width, height))
        draw.polygon(points, fill=_rgb(colour))


def _ballots(draw, width, height, palette, rng):
    """#MyVoteCounts: a grid of ballot squares, some ticked, one large tick."""
    cell = max(24, int(height / 6))
    gap = cell // 4
    for row in range(-1, height // cell + 1):
        for column in range(-1, width // cell + 1):
            x = column * (cell + gap) + (row % 2) * cell // 2
            y = row * (cell + gap)
            colour = _rgb(palette[2] if rng.random() < 0.6 else palette[3])
            draw.rounded_rectangle([x, y, x + cell, y + cell], radius=cell // 6, fill=colour)
            if rng.random() < 0.25:
                line = max(3, cell // 8)
                draw.line(
                    [
                        (x + cell * 0.22, y + cell * 0.52),
                        (x + cell * 0.42, y + cell * 0.72),
                        (x + cell * 0.8, y + cell * 0.28),
                    ],
                    fill=_rgb(palette[0]),
                    width=line,
                    joint="curve",
                )
    size = height * 0.6
    x, y = width * rng.uniform(0.45, 0.6), height * 0.2
    draw.line(
        [(x, y + size * 0.55), (x + size * 0.35, y + size * 0.9), (x + size, y)],
        fill=_rgb(palette[1]),
        width=max(8, int(size / 7)),
        joint="curve",
    )


MOTIFS = {"bands": _bands, "hills": _hills, "ballots": _ballots}


def artwork(identity, title, size):
    """PNG bytes of an abstract picture for ``identity``, varied by ``title``."""
    from PIL import Image, ImageDraw

    width, height = size
    seed = int(hashlib.sha256(title.encode()).hexdigest()[:8], 16)
    rng = random.Random(seed)  # noqa: S311 (a picture, not a secret)
    palette = identity["palette"]
    picture = Image.new(
        "RGB", size, _rgb(palette[4] if identity["motif"] != "bands" else palette[0])
    )
    MOTIFS[identity["motif"]](ImageDraw.Draw(picture), width, height, palette, rng)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def logo(identity):
    """PNG bytes of the organisation's symbol, white on transparent, for the header."""
    from PIL import Image, ImageDraw

    scale = 4  # drawn large, then reduced: smooth edges
    side = 96 * scale
    picture = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    white = (255, 255, 255, 255)
    second = _rgb(identity["palette"][2]) + (255,)
    if identity["motif"] == "bands":
        # A forward-leaning V made of two bands, with a dot of yellow.
        s = side
        draw.polygon(
            [(0.08 * s, 0.18 * s), (0.3 * s, 0.18 * s), (0.5 * s, 0.62 * s), (0.4 * s, 0.84 * s)],
            fill=white,
        )
        draw.polygon(
            [
                (0.56 * s, 0.84 * s),
                (0.44 * s, 0.84 * s),
                (0.76 * s, 0.18 * s),
                (0.92 * s, 0.18 * s),
            ],
            fill=white,
        )
        draw.ellipse([0.74 * s, 0.62 * s, 0.92 * s, 0.8 * s], fill=second)
    elif identity["motif"] == "hills":
        # A rising sun over two hills, in a ring.
        s = side
        draw.ellipse([0.04 * s, 0.04 * s, 0.96 * s, 0.96 * s], outline=white, width=int(0.07 * s))
        draw.ellipse([0.36 * s, 0.22 * s, 0.64 * s, 0.5 * s], fill=second)
        draw.chord([0.1 * s, 0.5 * s, 0.7 * s, 1.0 * s], 180, 360, fill=white)
        draw.chord([0.4 * s, 0.56 * s, 0.9 * s, 1.0 * s], 180, 360, fill=white)
    else:
        # A ballot square with a tick.
        s = side
        draw.rounded_rectangle(
            [0.08 * s, 0.16 * s, 0.8 * s, 0.88 * s],
            radius=0.12 * s,
            outline=white,
            width=int(0.08 * s),
        )
        draw.line(
            [(0.24 * s, 0.5 * s), (0.44 * s, 0.7 * s), (0.92 * s, 0.1 * s)],
            fill=second,
            width=int(0.12 * s),
            joint="curve",
        )
    picture = picture.resize((96, 96), Image.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def share_card(identity, names):
    """PNG bytes of the default share image (1200 × 630): artwork, symbol and the
    organisation's name in each language (once when they are the same): the first
    large, the others on a line below it."""
    from PIL import Image, ImageDraw

    width, height = 1200, 630
    art = Image.open(io.BytesIO(artwork(identity, f"{names[0]} share", (width, height))))
    art = art.convert("RGB")
    draw = ImageDraw.Draw(art)
    draw.rectangle([0, height - 190, width, height], fill=_rgb(identity["primary"]))
    mark = Image.open(io.BytesIO(logo(identity))).resize((128, 128), Image.LANCZOS)
    art.paste(mark, (48, height - 160), mark)
    names = list(dict.fromkeys(names))
    if len(names) == 1:
        draw.text((210, height - 95), names[0], font=_font(72), fill="white", anchor="lm")
    else:
        draw.text((210, height - 125), names[0], font=_font(52), fill="white", anchor="lm")
        others = " · ".join(names[1:])
        draw.text((210, height - 60), others, font=_font(40), fill="white", anchor="lm")
    buffer = io.BytesIO()
    art.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# Storing


def _image(title, data, collection, filename):
    Image = get_image_model()
    image = Image.objects.filter(title=title).first()
    if image is not None:
        return image
    image = Image(title=title, file=ImageFile(io.BytesIO(data), name=filename))
    image.collection = collection
    image.save()
    return image


def _repaint(identity, collection):
    """The organisation's placeholder pictures (in its collection), repainted once in
    its palette, keeping their size so that the pages' renditions and layouts stay
    as they were."""
    Image = get_image_model()
    for image in Image.objects.filter(collection=collection):
        if Path(image.file.name).name.startswith(PREFIX):
            continue
        size = (image.width, image.height)
        data = artwork(identity, image.title, size)
        slug = hashlib.sha256(image.title.encode()).hexdigest()[:10]
        image.renditions.all().delete()
        old_name = image.file.name
        image.file.save(f"{PREFIX}{slug}.png", ImageFile(io.BytesIO(data)), save=False)
        image.width, image.height = size
        image.file_hash = ""  # Wagtail hashes the new file (get_file_hash)
        image.file_size = len(data)
        image.save()
        image.get_file_hash()
        if old_name and old_name != image.file.name:
            image.file.storage.delete(old_name)


def apply(sites):
    """Give each demo organisation its identity (see the module's docstring)."""
    for key, entry in sites.items():
        identity = IDENTITIES.get(key)
        if identity is None:
            continue
        site = entry["site"]
        org = OrganisationSettings.objects.filter(site=site).first()
        if org is None:
            continue
        name_en = site.site_name or key
        collection = collection_named(name_en)
        _repaint(identity, collection)
        wanted = {
            "primary_colour": identity["primary"],
            "accent_colour": identity["accent"],
            "typeface": identity["typeface"],
            "header_actions": identity["actions"],
            "logo": _image(
                f"{name_en} logo", logo(identity), collection, f"{PREFIX}{key}-logo.png"
            ),
            "share_image": _image(
                f"{name_en} share image",
                share_card(identity, names_of(entry, name_en)),
                collection,
                f"{PREFIX}{key}-share.png",
            ),
        }
        try:
            wanted["phone"] = normalise_phone(org.phone)
        except Exception:  # noqa: BLE001 (a demo number that cannot be read is dropped)
            wanted["phone"] = ""
        changed = [name for name, value in wanted.items() if getattr(org, name) != value]
        if changed:
            for name in changed:
                setattr(org, name, wanted[name])
            org.save()


def names_of(entry, fallback):
    """The organisation's name in each language of its site, Albanian first."""
    spec = entry.get("spec", {})
    name = spec.get("name", {})
    return [name.get(code) or fallback for code in demo_languages(spec)]
