"""The languages the site's own words (menus, buttons, help text) are offered in.

One row per language: settings.LANGUAGES, the language switcher, the draft notice and the
catalogue checks all read this table. Adding a language is one row here plus its catalogue
(docs/translating.md). Only `enabled` languages are served; a language is enabled once its
catalogue has every public message translated. A community reviewer's sign-off is recorded
as their name and the date: until then the language is a draft and its pages say so.

Kept free of Django imports: settings.py reads it.
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class InterfaceLanguage:
    code: str  # Django's language code, also the URL prefix and the catalogue's folder
    autonym: str  # the language's name in its own script, as the switcher shows it
    english_name: str
    rtl: bool = False
    enabled: bool = False
    reviewed_by: str = ""  # the community reviewer who signed the translation off
    reviewed_on: date | None = None

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    @property
    def is_draft(self) -> bool:
        """Machine-assisted or unreviewed: its pages carry a notice inviting corrections."""
        return self.code != DEFAULT and not (self.reviewed_by and self.reviewed_on)


DEFAULT = "en-gb"

INTERFACE_LANGUAGES = [
    InterfaceLanguage(DEFAULT, "English", "English", enabled=True),  # the source text
    # Draft: machine-assisted, not yet reviewed by a community reviewer.
    InterfaceLanguage("ur", "اردو", "Urdu", rtl=True, enabled=True),
    InterfaceLanguage("pl", "Polski", "Polish", enabled=True),
    InterfaceLanguage("ar", "العربية", "Arabic", rtl=True, enabled=True),
    InterfaceLanguage("fa", "فارسی", "Farsi", rtl=True, enabled=True),
    InterfaceLanguage("pa", "ਪੰਜਾਬੀ", "Punjabi (Gurmukhi)", enabled=True),
    InterfaceLanguage("bn", "বাংলা", "Bengali", enabled=True),
    InterfaceLanguage("ro", "Română", "Romanian", enabled=True),
    InterfaceLanguage("sk", "Slovenčina", "Slovak", enabled=True),
]

ENABLED = [language for language in INTERFACE_LANGUAGES if language.enabled]
BY_CODE = {language.code: language for language in INTERFACE_LANGUAGES}
# Languages that need a catalogue: every enabled one except the source language.
TRANSLATED = [language for language in ENABLED if language.code != DEFAULT]


def settings_languages() -> list[tuple[str, str]]:
    return [(language.code, language.autonym) for language in ENABLED]


def bidi_codes() -> list[str]:
    return [language.code for language in INTERFACE_LANGUAGES if language.rtl]
