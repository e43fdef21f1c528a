"""CSV cells no spreadsheet runs as a formula, whatever separator it splits on.

A spreadsheet evaluates a cell that starts with ``= + - @``, a tab or a carriage
return (or their full-width forms, which some map to them). Quoting a cell does not
protect it when the spreadsheet splits on another separator than the file was
written with: a comma file opened where the list separator is ``;`` (Albanian and
most European locales) turns ``Krasniqi;@SUM(1+1)`` into two cells, the second a
formula, and the quotes are read from the wrong split. So every place where a cell
could begin under any separator (the start of the text and after each ``,`` ``;``
``|``, tab or line break) that is followed by a formula character, perhaps after
spaces or a quote, gets an apostrophe, which makes a spreadsheet read the cell as
text.

Both the People export (membership) and the open data (movement) use ``neutralise``
and ``writer``; ``DIALECTS`` are the separators they offer.
"""

import csv
import re

# The separators spreadsheets split on (and line breaks, which start a row).
SEPARATORS = ",;|\t\r\n"
FORMULA_CHARACTERS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"  # and full-width = + - @
_CELL_START = re.compile(
    f'(^|[{re.escape(SEPARATORS)}])(?=[ \u00a0"]*[{re.escape(FORMULA_CHARACTERS)}])'
)

# ?dialect= values of the CSV views: the separator, comma unless asked otherwise.
DIALECTS = {"comma": ",", "semicolon": ";"}


def neutralise(value):
    """The value as text that no spreadsheet evaluates, under any separator."""
    if value is None:
        return ""
    return _CELL_START.sub(r"\1'", str(value))


def delimiter(name):
    """The separator of a ``?dialect=`` value (a comma for anything unknown)."""
    return DIALECTS.get(name or "", ",")


def writer(buffer, dialect=None):
    """A csv writer with the dialect's separator and Windows line ends, which every
    spreadsheet reads. Cells must still go through ``neutralise``."""
    return csv.writer(buffer, delimiter=delimiter(dialect), lineterminator="\r\n")
