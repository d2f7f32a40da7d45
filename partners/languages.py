"""Language names from maintained data: pycountry (ISO 639) for English names,
Babel (CLDR) for autonyms and script direction. A few languages that matter in
our region are missing from CLDR or named unhelpfully there; they are given here."""

import re
from functools import lru_cache

import pycountry
from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.utils.translation import get_language_info

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


# --- Interface languages: the languages listings can be translated into ---------


def base_code(code: str) -> str:
    return (code or "").split("-")[0].lower()


def translation_languages() -> list[str]:
    """Codes a listing can be translated into, in settings order: the interface languages but English."""
    return list(_translation_languages(tuple(settings.LANGUAGES)))


def is_translation_language(code: str) -> bool:
    return code in _translation_languages(tuple(settings.LANGUAGES))


@lru_cache(maxsize=8)
def _translation_languages(languages: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    # Kept for the settings' languages: every result row asks (through active_language)
    # twice, and working it out again each time cost more than the row's other text.
    codes = []
    for code, _name in languages:
        code = code.lower()
        if base_code(code) != "en" and code not in codes:
            codes.append(code)
    return tuple(codes)


def direction(code: str) -> str:
    """'rtl' or 'ltr': from Django's language table where it knows the language, else CLDR."""
    try:
        return "rtl" if get_language_info(code)["bidi"] else "ltr"
    except KeyError:
        info = describe_language(base_code(code))
        return info["direction"] if info else "ltr"


def autonym(code: str) -> str:
    """The language's own name, for labels staff and visitors recognise ("اردو", "Polski")."""
    info = describe_language(base_code(code))
    return (info and (info["autonym"] or info["name"])) or str(dict(settings.LANGUAGES).get(code, code))


def english_name(code: str) -> str:
    info = describe_language(base_code(code))
    return info["name"] if info else code
