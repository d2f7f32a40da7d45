"""Words that suggest someone searching is in crisis, so the results open with crisis help.

One list per language (its code), checked whatever the interface language is: people type
in the language they think in. Translators add their language's words here; write them as
people would type them, in lower case. Matching ignores case, apostrophes and other punctuation ("Can't go on",
"cant go on!" and "CANT-GO-ON" all match) and is by whole words, so "overdosed" needs its own entry but "suicide" is not
found inside another word. Nothing about a search that matches is recorded anywhere.
"""

import re
import unicodedata
from functools import cache

CRISIS_TERMS: dict[str, list[str]] = {
    "en": [
        "suicide",
        "suicidal",
        "kill myself",
        "killing myself",
        "end my life",
        "ending my life",
        "take my own life",
        "self harm",
        "self harming",
        "selfharm",
        "harm myself",
        "hurt myself",
        "overdose",
        "overdosed",
        "want to die",
        "wanna die",
        "cant go on",
        "no reason to live",
    ],
}

# Straight and curly apostrophes, the modifier letter, grave and acute accents as typed for one.
_APOSTROPHES = re.compile("['\u2019\u02bc`\u00b4]")
_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, other punctuation and spacing as single spaces,
    padded with a space each side so a phrase is found only as whole words."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return f" {_NOT_WORD.sub(' ', _APOSTROPHES.sub('', text)).strip()} "


@cache
def _phrases() -> tuple[str, ...]:
    return tuple(normalise(term) for terms in CRISIS_TERMS.values() for term in terms)


def suggests_crisis(text: str | None) -> bool:
    """Do the words typed suggest the person may be in crisis?"""
    if not text:
        return False
    words = normalise(text)
    return any(phrase in words for phrase in _phrases())
