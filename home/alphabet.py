"""Names in the order of the Albanian alphabet (candidates, member organisations):
ignoring case and accents, with ç after c, ë after e, dh after d, and so on."""

import unicodedata

# The Albanian alphabet, in its order; digraphs are letters of their own.
ALBANIAN_ALPHABET = (
    "a b c ç d dh e ë f g gj h i j k l ll m n nj o p q r rr s sh t th u v x xh y z zh"
).split()
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALBANIAN_ALPHABET)}
_DIGRAPHS = {letter for letter in ALBANIAN_ALPHABET if len(letter) == 2}
_KEPT_MARKS = {"ç", "ë"}  # letters of their own, not accented c and e


def _base_letters(text):
    """``text`` in lower case without accents, except ç and ë."""
    out = []
    for char in text.casefold():
        if char in _KEPT_MARKS:
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFD", char)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(out)


def alphabetical_key(name):
    """A sort key for a name: case- and accent-insensitive, in the order of the
    Albanian alphabet (names in other alphabets after it, by code point)."""
    text = _base_letters(name or "").strip()
    key, position = [], 0
    while position < len(text):
        pair = text[position : position + 2]
        if pair in _DIGRAPHS:
            key.append(_LETTER_RANK[pair])
            position += 2
            continue
        char = text[position]
        if char in _LETTER_RANK:
            key.append(_LETTER_RANK[char])
        elif char.isdigit():
            key.append(-10 + int(char))  # digits before letters
        elif char.isalpha():
            key.append(len(ALBANIAN_ALPHABET) + ord(char))
        else:
            key.append(-20)  # spaces and punctuation: a word ends before any letter
        position += 1
    return tuple(key)
