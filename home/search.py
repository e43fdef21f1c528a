"""Search that understands Albanian word endings.

Albanian adds its articles and cases at the end of a word: "misioni" (the mission),
"deklaratën" (the statement, accusative), "vullnetarizo" (volunteer!). Neither
SQLite's full-text index nor PostgreSQL has an Albanian stemmer, so a visitor who
types "mision" would not find a page that only says "misioni".

This module is a small, deliberately light suffix stripper. Every page indexes the
stems of its words beside the words themselves (``BasePage.search_stems``, a
``index.SearchField`` on a method) and the search view looks for the stems of the
visitor's words, so both sides meet on the same form, whatever the database. It
strips one ending at most and keeps at least ``MIN_STEM`` letters; words it does
not know stay as they are. Languages without a stemmer here (English) are searched
as before.
"""

import re

from django.utils.encoding import force_str
from django.utils.html import strip_tags

MIN_STEM = 3

# Longest first; one is stripped at most. Verb forms of -izoj ("vullnetarizo",
# "vullnetarizoni"), plural genitive (-ave, -eve, -ëve), definite and case endings
# (-ën, -ët, -ës, -in, -it, -ja, -je) and the final vowel of the indefinite or
# definite form (-a, -e, -ë, -i).
ALBANIAN_SUFFIXES = sorted(
    [
        "izojmë",
        "izojnë",
        "izoni",
        "izoj",
        "izon",
        "izo",
        "ëve",
        "ave",
        "eve",
        "ën",
        "ët",
        "ës",
        "in",
        "it",
        "ja",
        "je",
        "a",
        "e",
        "ë",
        "i",
    ],
    key=len,
    reverse=True,
)

# Folded after stripping, so a visitor who types without the Albanian letters
# ("kosove") meets the same stem as "Kosovë".
FOLD = str.maketrans({"ë": "e", "ç": "c"})

WORD = re.compile(r"\w+")


def stem_albanian(word):
    """The stem of one Albanian word: "misioni" → "mision", "deklaratën" → "deklarat"."""
    word = word.lower()
    for suffix in ALBANIAN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            word = word[: -len(suffix)]
            break
    return word.translate(FOLD)


STEMMERS = {"sq": stem_albanian}


def stemmer_for(language_code):
    """The stemmer of a language, or None when words are searched as typed."""
    return STEMMERS.get((language_code or "").split("-")[0].lower())


def stem_words(text, language_code):
    """The distinct stems of the words of ``text``, in order, joined by spaces;
    ``text`` itself (unchanged) for a language without a stemmer."""
    stem = stemmer_for(language_code)
    if stem is None:
        return text
    stems = dict.fromkeys(word if word.isdigit() else stem(word) for word in WORD.findall(text))
    return " ".join(stems)


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return " ".join(_plain(item) for item in value.values())
    return strip_tags(force_str(value))


def page_stems(page, exclude=()):
    """The stems of every word a page type indexes (its ``search_fields``), for an
    extra search field. Empty for a page in a language without a stemmer."""
    from wagtail.search import index

    language = page.locale.language_code if page.locale_id else ""
    if stemmer_for(language) is None:
        return ""
    texts = [
        _plain(field.get_value(page))
        for field in type(page).search_fields
        if isinstance(field, index.SearchField) and field.field_name not in exclude
    ]
    return stem_words(" ".join(texts), language)
