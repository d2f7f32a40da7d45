"""Field-by-field differences between two snapshots, in words a moderator reads quickly."""

import difflib
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from partners.languages import direction, english_name
from partners.models import (
    Attribute,
    Community,
    Cost,
    DeliveryMode,
    Gender,
    Language,
    LanguageProvision,
    Location,
    ReferralKind,
    ReferralMethod,
    SupportType,
)

LABELS = {
    "name": _("Name"),
    "description": _("Description"),
    "website": _("Website"),
    "email": _("Email"),
    "phone": _("Phone"),
    "charity_number": _("Charity or company number"),
    "locations": _("Places"),
    "cost": _("Cost"),
    "gender": _("Who can come"),
    "min_age": _("Youngest age"),
    "max_age": _("Oldest age"),
    "accepting_referrals": _("Taking new people"),
    "typical_wait": _("Typical wait"),
    "referral_instructions": _("How to get referred"),
    "opening_hours": _("Opening hours"),
    "hours": _("Weekly hours"),
    "language_hours": _("When languages are available"),
    "support_types": _("Support types"),
    "communities": _("Communities"),
    "attributes": _("Cultural fit"),
    "modes": _("How people take part"),
    "languages": _("Languages"),
    "referral_routes": _("Ways in"),
    "withdrawn": _("Taken off the directory"),
}
TERMS = {"support_types": SupportType, "communities": Community, "attributes": Attribute, "modes": DeliveryMode}
CHOICES = {"cost": Cost, "gender": Gender}
# Text this long or with line breaks gets a word-level diff rather than before/after.
LONG_TEXT = 80


@dataclass
class Change:
    field: str
    label: str
    before: str
    after: str
    inline: SafeString | None = None  # a word diff, for long text
    language: str = ""  # a translation's language code: the template marks the text lang and dir

    @property
    def direction(self) -> str:
        return direction(self.language) if self.language else ""


def _place(item: dict) -> str:
    parts = [item.get(f) for f in ("name", "address", "town", "postcode") if item.get(f)]
    text = ", ".join(parts)
    if item.get("accessibility"):
        text += f" (access: {item['accessibility']})"
    return text


class Describer:
    """Turns snapshot values into text, looking up names once per diff."""

    def __init__(self):
        self.terms = {field: dict(model.objects.values_list("slug", "name")) for field, model in TERMS.items()}
        self.languages = {lang.code: str(lang) for lang in Language.objects.all()}
        self.places: dict[int, str] = {}

    def lines(self, field: str, value) -> list[str]:
        if field in TERMS:
            return [self.terms[field].get(slug, slug) for slug in value or []]
        if field == "languages":
            provisions = dict(LanguageProvision.choices)
            return [f"{self.languages.get(code, code)}: {provisions.get(how, how)}" for code, how in value or []]
        if field == "language_hours":
            provisions = dict(LanguageProvision.choices)
            lines = []
            for key, hours in (value or {}).items():
                code, _sep, how = key.partition(":")
                lines.append(f"{self.languages.get(code, code)}: {provisions.get(how, how)}: {hours}")
            return lines
        if field == "referral_routes":
            kinds, methods = dict(ReferralKind.choices), dict(ReferralMethod.choices)
            return [
                ", ".join(
                    str(p)
                    for p in (
                        kinds.get(r["kind"], r["kind"]),
                        methods.get(r.get("method"), ""),
                        r.get("contact"),
                        r.get("instructions"),
                    )
                    if p
                )
                for r in value or []
            ]
        if field == "locations":
            if value and isinstance(value[0], dict):
                return [_place(item) for item in value]
            return [self.place(pk) for pk in value or []]
        return [self.scalar(field, value)]

    def place(self, pk: int) -> str:
        if pk not in self.places:
            location = Location.objects.filter(pk=pk).first()
            self.places[pk] = str(location) if location else str(_("a place that has since been removed"))
        return self.places[pk]

    @staticmethod
    def scalar(field: str, value) -> str:
        if value is None or value == "":
            return "—"
        if field in CHOICES:
            return str(dict(CHOICES[field].choices).get(value, value))
        if isinstance(value, bool):
            return str(_("Yes") if value else _("No"))
        return str(value)


def word_diff(before: str, after: str) -> SafeString:
    """Words removed in <del>, added in <ins>; everything escaped."""
    a, b = before.split(" "), after.split(" ")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
    return mark_safe(" ".join(out))  # noqa: S308 (every piece is escaped above)


def diff(before: dict | None, after: dict) -> list[Change]:
    """The fields that differ, in form order; `before` None means a new listing (every field shown)."""
    describer = Describer()
    before = before or {}
    changes = []
    # Keys only present when set (translations, hours) can be in `before` alone: removed.
    fields = [*after, *(key for key in before if key not in after)]
    for field in fields:
        old, new = before.get(field), after.get(field)
        if before and old == new:
            continue
        if field == "translations":
            changes.extend(_translation_changes(old or {}, new or {}))
            continue
        if _empty(old) and _empty(new):
            continue
        if field in {"locations"} and old is not None and new is not None and _same_places(old, new):
            continue
        old_lines, new_lines = describer.lines(field, old), describer.lines(field, new)
        change = Change(field, str(LABELS.get(field, field)), "\n".join(old_lines), "\n".join(new_lines))
        if isinstance(new, str) and isinstance(old, str) and (len(old) > LONG_TEXT or len(new) > LONG_TEXT):
            change.inline = word_diff(old, new)
        elif isinstance(old, list | dict) or isinstance(new, list | dict):
            removed = [line for line in old_lines if line not in new_lines]
            added = [line for line in new_lines if line not in old_lines]
            pieces = [f"<del>{escape(line)}</del>" for line in removed] + [
                f"<ins>{escape(line)}</ins>" for line in added
            ]
            change.inline = mark_safe("<br>".join(pieces))  # noqa: S308 (each line is escaped)
        changes.append(change)
    return changes


def _translation_changes(old: dict, new: dict) -> list[Change]:
    """One change per language and field: "Description (Urdu)", before and after."""
    changes = []
    for language in sorted({*old, *new}):
        before, after = old.get(language, {}), new.get(language, {})
        for field in dict.fromkeys([*before, *after]):
            a, b = before.get(field) or "", after.get(field) or ""
            if a == b:
                continue
            label = f"{LABELS.get(field, field)} ({english_name(language)})"
            change = Change("translations", label, Describer.scalar(field, a), Describer.scalar(field, b))
            change.language = language
            if len(a) > LONG_TEXT or len(b) > LONG_TEXT:
                change.inline = word_diff(a, b)
            changes.append(change)
    return changes


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _same_places(old: list, new: list) -> bool:
    # Keys of places differ before and after approval ("new-…" becomes the id); compare the content.
    def content(items):
        if items and isinstance(items[0], dict):
            return [{k: v for k, v in item.items() if k not in {"id", "key"}} for item in items]
        return items

    return content(old) == content(new)
