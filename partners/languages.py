"""Language names from maintained data: pycountry (ISO 639) for English names,
Babel (CLDR) for autonyms and script direction. A few languages that matter in
our region are missing from CLDR or named unhelpfully there; they are given here."""

import re

import pycountry
from babel import Locale, UnknownLocaleError

# Names residents recognise, where the ISO name is not the everyday one.
OVERRIDES: dict[str, dict[str, str]] = {
    "pa": {"name": "Punjabi"},
    "ps": {"name": "Pashto"},
    "fa": {"name": "Persian (Farsi)"},
    "phr": {"name": "Pahari-Pothwari (Mirpuri)", "autonym": "پہاڑی", "direction": "rtl"},
    "syl": {"name": "Sylheti", "autonym": "ꠍꠤꠟꠐꠤ"},
    "rom": {"name": "Romani", "autonym": "Romani čhib"},
    "bfi": {"name": "British Sign Language (BSL)", "autonym": "BSL"},
    "ku": {"name": "Kurdish", "autonym": "Kurdî / کوردی"},
    "yue": {"name": "Cantonese"},
    "zh": {"name": "Chinese (Mandarin)"},
}

CODE_RE = re.compile(r"^[a-z]{2,3}$")


def describe_language(code: str) -> dict[str, str] | None:
    """English name, autonym and direction for an ISO 639 code, or None if unknown."""
    code = (code or "").strip().lower()
    if not CODE_RE.match(code):
        return None
    record = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    if record is None:
        return None
    info = {"name": record.name, "autonym": "", "direction": "ltr"}
    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        locale = None
    if locale is not None:
        autonym = locale.get_display_name(code) or ""
        # CLDR writes some autonyms in lower case ("čeština"); a label starts with a capital.
        info["autonym"] = autonym[:1].upper() + autonym[1:]
        info["direction"] = "rtl" if locale.character_order == "right-to-left" else "ltr"
    info.update(OVERRIDES.get(code, {}))
    if info["autonym"] == info["name"]:
        info["autonym"] = ""
    return info
