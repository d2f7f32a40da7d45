"""Words the directory itself puts into the database, shown in the visitor's language.

The fixed vocabularies (partners/reference_data.py) and the national crisis lines
(signposting/crisis.py) are seeded in English, and their source marks each seeded text for
translation, so the catalogues carry it. They are translated when they are shown: a text
still as seeded comes out in the visitor's language; a text a moderator typed or changed in
the admin is not in any catalogue and stays as typed (docs/translating.md).
"""

from django.utils.translation import gettext


def in_visitor_language(text: str) -> str:
    """`text` in the active language when it is one of the directory's own seeded words,
    otherwise unchanged. An empty text stays empty (gettext("") is a catalogue's header)."""
    return gettext(text) if text else text
