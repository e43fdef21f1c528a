"""Make the self-hosted web fonts of static/fonts/ from Debian's font packages.

    apt-get install fonts-inter fonts-lato fonts-noto-core
    .venv/bin/pip install fonttools brotli
    .venv/bin/python tools/subset_fonts.py

Each font is cut down to the Latin letters, digits and punctuation that Albanian,
English and Serbian (Latin script) pages use, and written as WOFF2. The fonts are
under the SIL Open Font License; its text is in static/fonts/OFL.txt.
"""

from pathlib import Path

from fontTools import subset

SOURCES = {
    "inter": "/usr/share/fonts/opentype/inter/Inter-{}.otf",
    "lato": "/usr/share/fonts/truetype/lato/Lato-{}.ttf",
    "noto-serif": "/usr/share/fonts/truetype/noto/NotoSerif-{}.ttf",
}
STYLES = {"regular": "Regular", "bold": "Bold"}
# Basic Latin and Latin-1 punctuation and letters, with what Albanian and Serbian
# Latin add: ë ç š ž č ć đ (and capitals), „ “ ” ‘ ’ ‚ – — … • € and the no-break space.
UNICODES = ",".join(
    [
        "U+0020-007E",  # Basic Latin
        "U+00A0-00FF",  # Latin-1: ë ç and the no-break space
        "U+0106-0107,U+010C-010D,U+0110-0111",  # Ć ć Č č Đ đ
        "U+0160-0161,U+017D-017E",  # Š š Ž ž
        "U+2013-2014,U+2018-201A,U+201C-201E,U+2022,U+2026",  # – — ‘ ’ ‚ “ ” „ • …
        "U+20AC",  # €
    ]
)
OUTPUT = Path(__file__).resolve().parent.parent / "static" / "fonts"


def main():
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for name, pattern in SOURCES.items():
        for style, source_style in STYLES.items():
            target = OUTPUT / f"{name}-{style}.woff2"
            subset.main(
                [
                    pattern.format(source_style),
                    f"--unicodes={UNICODES}",
                    "--flavor=woff2",
                    "--layout-features=kern,liga,calt,ccmp,locl,mark,mkmk",
                    "--no-hinting",
                    "--desubroutinize",
                    f"--output-file={target}",
                ]
            )
            print(f"{target.name}: {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
