"""Words that suggest someone searching is in crisis, so the results open with crisis help.

One list per language (its code), checked whatever the interface language is: people type
in the language they think in. Translators add their language's words here; write them as
people would type them, in lower case. Matching ignores case, apostrophes and other punctuation ("Can't go on",
"cant go on!" and "CANT-GO-ON" all match) and is by whole words, so "overdosed" needs its own entry but "suicide" is not
found inside another word. Nothing about a search that matches is recorded anywhere.
"""

import re
from functools import cache

from partners.search_words import fold

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
    # Polish. Accents are ignored when matching ("zabic sie" finds "zabić się"), but ł is a
    # letter of its own, so forms with it are also given as typed without it.
    "pl": [
        "samobójstwo",
        "samobójstwa",
        "samobójcze",
        "myśli samobójcze",
        "zabić się",
        "zabiję się",
        "odebrać sobie życie",
        "skończyć ze sobą",
        "nie chcę żyć",
        "nie chcę już żyć",
        "chcę umrzeć",
        "nie mam po co żyć",
        "samookaleczenie",
        "samookaleczenia",
        "okaleczam się",
        "tnę się",
        "przedawkowanie",
        "przedawkować",
        "przedawkowałem",
        "przedawkowalem",
        "przedawkowałam",
        "przedawkowalam",
    ],
    # The lists below were drafted with the interface translations; a community reviewer
    # of each language should check them first (docs/translating.md).
    "ar": [
        "انتحار",
        "الانتحار",
        "أقتل نفسي",
        "اقتل نفسي",
        "أنهي حياتي",
        "انهي حياتي",
        "أريد أن أموت",
        "اريد ان اموت",
        "إيذاء النفس",
        "ايذاء النفس",
        "جرعة زائدة",
    ],
    "fa": [
        "خودکشی",
        "خودم را بکشم",
        "خودمو بکشم",
        "می خواهم بمیرم",
        "میخواهم بمیرم",
        "میخوام بمیرم",
        "به زندگی ام پایان بدهم",
        "خودزنی",
        "آسیب به خود",
        "اوردوز",
    ],
    "pa": [
        "ਖੁਦਕੁਸ਼ੀ",
        "ਆਤਮਹੱਤਿਆ",
        "ਮਰਨਾ ਚਾਹੁੰਦਾ",
        "ਮਰਨਾ ਚਾਹੁੰਦੀ",
        "ਆਪਣੇ ਆਪ ਨੂੰ ਮਾਰ",
        "ਆਪਣੇ ਆਪ ਨੂੰ ਨੁਕਸਾਨ",
    ],
    "bn": [
        "আত্মহত্যা",
        "মরে যেতে চাই",
        "মরতে চাই",
        "নিজেকে মেরে ফেলতে",
        "নিজের ক্ষতি",
        "বাঁচতে চাই না",
    ],
    "ro": [
        "sinucidere",
        "sinucid",
        "să mă omor",
        "să mă sinucid",
        "vreau să mor",
        "nu mai vreau să trăiesc",
        "automutilare",
        "supradoză",
    ],
    "sk": [
        "samovražda",
        "samovraždu",
        "zabiť sa",
        "zabijem sa",
        "chcem zomrieť",
        "nechcem žiť",
        "sebapoškodzovanie",
        "predávkovanie",
        "predávkovať",
    ],
    # Urdu, in Urdu script and as it is often typed in Latin letters.
    "ur": [
        "خودکشی",
        "خود کشی",
        "اپنی جان لینا",
        "اپنی جان لے لوں",
        "مرنا چاہتا ہوں",
        "مرنا چاہتی ہوں",
        "جینا نہیں چاہتا",
        "جینا نہیں چاہتی",
        "اپنی زندگی ختم",
        "خود کو نقصان",
        "khudkushi",
        "khud kushi",
        "khudkashi",
        "khud kashi",
        "marna chahta hun",
        "marna chahti hun",
        "marna chahta hoon",
        "marna chahti hoon",
        "jeena nahi chahta",
        "jeena nahi chahti",
    ],
}

# Straight and curly apostrophes, the modifier letter, grave and acute accents as typed for one.
_APOSTROPHES = re.compile("['\u2019\u02bc`\u00b4]")
_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Folded as search folds words (case, accents on Latin letters, Arabic-script letter
    forms), apostrophes dropped, other punctuation and spacing as single spaces, padded with
    a space each side so a phrase is found only as whole words."""
    text = fold(text)
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
