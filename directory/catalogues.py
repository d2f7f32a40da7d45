"""Translation catalogues, made with Babel alone so a machine without GNU gettext can
extract, check and compile them (`make messages`, `make messages-check`).

Django's `makemessages` and `compilemessages` call xgettext and msgfmt, which a fresh
checkout does not have. Babel is already a dependency: it reads and writes .po and .mo
files, and Django's own `templatize` (what makemessages runs before xgettext) turns a
template into code Babel's Python extractor reads, so the message ids are exactly the ones
Django looks up at run time.

The compiled .mo files are committed, so `make run` and a deployment serve translations
with no build step; `make messages-check` fails when a .po or .mo is out of date.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract, extract_python
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po
from django.utils.translation.template import templatize

from directory import languages

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
DOMAIN = "django"
SOURCE_DIRS = ["accounts", "api", "directory", "editing", "feedback", "partners", "signposting", "templates"]
REGENERATE = "make messages"

# What a resident or a GP sees. A message is public when any of its `#:` source
# references starts with one of these; every enabled language must translate all of them.
# Staff pages (/manage/, /accounts/), emails and the admin are not public.
PUBLIC_SOURCES = (
    "templates/_",
    "templates/base.html",
    # Error pages: 400, 403, 404, 500 and the database-outage 503.
    "templates/4",
    "templates/5",
    "templates/partners/",
    "templates/signposting/",
    "templates/feedback/report_",
    # The report form borrows these from the staff pages.
    "templates/editing/_error_summary.html",
    "templates/editing/_field.html",
    "templates/editing/_field_errors.html",
    "partners/models.py",
    # The vocabularies' names and descriptions: filters, results, service pages.
    "partners/reference_data.py",
    "partners/filters.py",
    "partners/views.py",
    "partners/results_page.py",
    "partners/search/",
    "partners/templatetags/",
    "signposting/views.py",
    "signposting/crisis.py",
    "signposting/wording.py",
    "signposting/pages.py",
    "signposting/shortlist.py",
    # Opening hours in words (partners/hours.py only reads the text: its messages are for
    # staff, in the admin, /manage/ and the CSV import).
    "partners/opening.py",
    "directory/errors.py",
    "feedback/forms.py",
    "feedback/models.py",
)

# Django's translation functions, in Babel's keyword notation (argument numbers; "c" marks
# the context), as makemessages passes them to xgettext.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ("Translators",)


def _extract_template(fileobj, keywords, comment_tags, options) -> Iterator:
    """Babel extraction method for Django templates: Django's templatize, then Python."""
    # Indentation means nothing in the output but Python's tokenizer insists on it.
    code = "\n".join(line.lstrip() for line in templatize(fileobj.read().decode("utf-8")).split("\n"))
    return extract_python(io.BytesIO(code.encode("utf-8")), keywords, comment_tags, {"encoding": "utf-8"})


def _sources() -> Iterator[Path]:
    for directory in SOURCE_DIRS:
        for path in sorted((BASE_DIR / directory).rglob("*")):
            if "migrations" in path.parts or "__pycache__" in path.parts:
                continue
            if path.suffix in (".py", ".html", ".txt"):
                yield path


def extract_template() -> Catalog:
    """Every translatable message in the code and templates, with the files it is in."""
    template = Catalog(domain=DOMAIN, fuzzy=False)
    for path in _sources():
        method = extract_python if path.suffix == ".py" else _extract_template
        relative = path.relative_to(BASE_DIR).as_posix()
        with path.open("rb") as fileobj:
            found = extract(method, fileobj, KEYWORDS, COMMENT_TAGS, strip_comment_tags=True)
            for _lineno, message, comments, context in found:
                # No line numbers: moving a line does not change a catalogue.
                template.add(message, None, [(relative, None)], auto_comments=comments, context=context)
    return template


def catalogue_codes(extra: list[str] = ()) -> list[str]:
    """The languages with a catalogue to keep up to date: the enabled ones, any planned one
    whose catalogue has been started, and `extra` (to start one)."""
    return [
        language.code
        for language in languages.INTERFACE_LANGUAGES
        if language.code != languages.DEFAULT
        and (language.enabled or language.code in extra or po_path(language.code).exists())
    ]


def po_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(code: str) -> Catalog:
    with po_path(code).open("rb") as fileobj:
        return read_po(fileobj, locale=code, domain=DOMAIN)


def updated_catalogue(code: str, template: Catalog) -> Catalog:
    """The language's catalogue with the template's messages: new ones empty, changed ones
    offered as fuzzy guesses, removed ones dropped; the translations otherwise kept."""
    if po_path(code).exists():
        catalogue = read_catalogue(code)
    else:
        catalogue = Catalog(locale=code, domain=DOMAIN, fuzzy=False)
        catalogue.header_comment = (
            f"# {languages.BY_CODE[code].english_name} translation of the directory's own words.\n"
            "# How to review and correct it: docs/translating.md"
        )
    catalogue.update(template, update_creation_date=False)
    catalogue.obsolete.clear()
    return catalogue


def _po_bytes(catalogue: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalogue, width=0, include_lineno=False, ignore_obsolete=True, sort_output=False)
    return out.getvalue()


def _mo_bytes(catalogue: Catalog) -> bytes:
    # Babel would compile an untranslated plural message as empty strings, and gettext
    # would show nothing; left out, the page falls back to English.
    for message in list(catalogue):
        if message.id and not all(_forms(message.string)):
            catalogue.delete(message.id, context=message.context)
    out = io.BytesIO()
    write_mo(out, catalogue, use_fuzzy=False)
    return out.getvalue()


def mo_path(code: str) -> Path:
    return po_path(code).with_suffix(".mo")


def write(code: str, template: Catalog) -> None:
    """Bring one language's .po up to date with the code and compile its .mo."""
    catalogue = updated_catalogue(code, template)
    po_path(code).parent.mkdir(parents=True, exist_ok=True)
    po_path(code).write_bytes(_po_bytes(catalogue))
    # Compile what was written, read back as a translator's tool would leave it.
    mo_path(code).write_bytes(_mo_bytes(read_catalogue(code)))


def _summary(catalogue: Catalog) -> list[tuple]:
    """What matters in a catalogue, ignoring how a tool wrapped or ordered it."""
    return sorted(
        (str(m.context), _forms(m.id), _forms(m.string), tuple(sorted(f for f, _ in m.locations)), m.fuzzy)
        for m in catalogue
        if m.id
    )


def _forms(value: str | tuple | list) -> tuple:
    """A message's id or translation as a tuple of its plural forms (one for most)."""
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _compiled(catalogue: Catalog) -> dict:
    """What a .mo holds: the finished translations."""
    # Babel's .mo reader gives the context as bytes.
    return {
        (m.context.decode() if isinstance(m.context, bytes) else m.context, _forms(m.id)): _forms(m.string)
        for m in catalogue
        if m.id and all(_forms(m.string)) and not m.fuzzy
    }


def stale(code: str, template: Catalog) -> list[str]:
    """Why the committed catalogue for `code` differs from the code (empty when current)."""
    if not po_path(code).exists():
        return [f"{po_path(code).relative_to(BASE_DIR)} is missing"]
    problems = []
    if _summary(read_catalogue(code)) != _summary(updated_catalogue(code, template)):
        problems.append(f"{po_path(code).relative_to(BASE_DIR)} does not match the messages in the code")
    if not mo_path(code).exists():
        problems.append(f"{mo_path(code).relative_to(BASE_DIR)} is missing")
    else:
        with mo_path(code).open("rb") as fileobj:
            if _compiled(read_mo(fileobj)) != _compiled(read_catalogue(code)):
                problems.append(f"{mo_path(code).relative_to(BASE_DIR)} is not compiled from the .po")
    return problems


def is_public(message: Message) -> bool:
    return any(filename.startswith(PUBLIC_SOURCES) for filename, _ in message.locations)


@dataclass
class Gap:
    msgid: str
    why: str  # "untranslated", "fuzzy" or a placeholder/plural problem

    def __str__(self) -> str:
        return f"{self.why}: {self.msgid!r}"


def gaps(code: str) -> list[Gap]:
    """Public messages the language's catalogue does not translate properly."""
    found = []
    catalogue = read_catalogue(code)
    for message in catalogue:
        if not message.id or not is_public(message):
            continue
        msgid = _forms(message.id)[0]
        if message.fuzzy:
            found.append(Gap(msgid, "fuzzy"))
        elif not all(_forms(message.string)):
            found.append(Gap(msgid, "untranslated"))
        else:
            found.extend(Gap(msgid, str(error)) for error in message.check(catalogue))
    return found
