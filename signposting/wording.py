"""How a crisis line is put into words on public pages.

These phrases live here rather than in models.py because everything in models.py is an
admin label, and the translation check (directory/catalogues.py) decides what is public
file by file: every public page shows these, so every interface language must have them.
"""

from django.utils.translation import gettext


def text_action(number: str, body: str = "") -> str:
    """'text SHOUT to 85258', or 'text 85258' when there is no word to send."""
    if body:
        return gettext("text %(body)s to %(number)s") % {"body": body, "number": number}
    return gettext("text %(number)s") % {"number": number}


def link_label(name: str, action: str) -> str:
    """A text line's accessible name: 'Shout: text SHOUT to 85258'."""
    return gettext("%(name)s: %(action)s") % {"name": name, "action": action}


def call_label(name: str, number: str) -> str:
    """A phone line's accessible name: 'Samaritans: call 116 123'."""
    return gettext("%(name)s: call %(number)s") % {"name": name, "number": number}
