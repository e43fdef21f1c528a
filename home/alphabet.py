"""Names in the order of their language's alphabet (candidates, member
organisations, municipalities): ignoring case and accents, with the letters of
their own in their places: in Albanian ç after c, ë after e, dh after d; in Serbian
(Latin) č and ć after c, dž and đ after d, lj after l."""

import unicodedata

from django.utils import translation

# Each alphabet in its order; digraphs are letters of their own.
ALPHABETS = {
    "sq": "a b c ç d dh e ë f g gj h i j k l ll m n nj o p q r rr s sh t th u v x xh y z zh",
    "sr-latn": "a b c č ć d dž đ e f g h i j k l lj m n nj o p r s š t u v z ž",
}


class _Alphabet:
    def __init__(self, letters):
        self.letters = letters.split()
        self.rank = {letter: rank for rank, letter in enumerate(self.letters)}
        self.digraphs = {letter for letter in self.letters if len(letter) == 2}
        # Letters with a mark that are letters of their own, not accented ones.
        self.kept = {letter for letter in self.letters if len(letter) == 1 and not letter.isascii()}

    def base_letters(self, text):
        """``text`` in lower case without accents, except the alphabet's own letters."""
        out = []
        for char in text.casefold():
            if char in self.kept:
                out.append(char)
                continue
            decomposed = unicodedata.normalize("NFD", char)
            out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
        return "".join(out)

    def key(self, name):
        text = self.base_letters(name or "").strip()
        key, position = [], 0
        while position < len(text):
            pair = text[position : position + 2]
            if pair in self.digraphs:
                key.append(self.rank[pair])
                position += 2
                continue
            char = text[position]
            if char in self.rank:
                key.append(self.rank[char])
            elif char.isdigit():
                key.append(-10 + int(char))  # digits before letters
            elif char.isalpha():
                key.append(len(self.letters) + ord(char))
            else:
                key.append(-20)  # spaces and punctuation: a word ends before any letter
            position += 1
        return tuple(key)


_ALPHABETS = {code: _Alphabet(letters) for code, letters in ALPHABETS.items()}


def alphabetical_key(name, language=None):
    """A sort key for a name: case- and accent-insensitive, in the order of the
    alphabet of ``language`` (the active language by default; Albanian for one without
    an alphabet of its own here, such as English among Albanian names; letters of
    other alphabets after it, by code point)."""
    language = language or translation.get_language()
    return _ALPHABETS.get(language, _ALPHABETS["sq"]).key(name)
