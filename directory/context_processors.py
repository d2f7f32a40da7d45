from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_urlconf, translate_url
from django.utils.translation import get_language

from directory import languages

# Longer than any real link (a full shortlist's share link is under this): such a query
# string is garbage, and the links keep the path only rather than repeat it.
MAX_QUERY_KEPT = 5000


@dataclass(frozen=True)
class LanguageLink:
    language: languages.InterfaceLanguage
    url: str
    current: bool


def interface_languages(request: HttpRequest) -> dict:
    """The page's interface language, and links to the same page (path and query kept) in
    each enabled language: plain links, so switching needs no JavaScript, form or cookie.
    Pages that exist in one language only (staff pages, the API) get no links."""
    current = languages.BY_CODE.get(get_language() or "", languages.BY_CODE[languages.DEFAULT])
    here = request.get_full_path()
    if len(here) > MAX_QUERY_KEPT:
        here = request.path
    # translate_url resolves and reverses the path once per language: done once per path
    # (and active language, which the language prefix's matching reads, and URL conf) and kept.
    parts = urlsplit(here)
    paths = _translated_paths(parts.path, get_language(), get_urlconf() or settings.ROOT_URLCONF)
    links = [
        LanguageLink(language, here if path is None else urlunsplit(parts._replace(path=path)), language is current)
        for language, path in zip(languages.ENABLED, paths, strict=True)
    ]
    if all(link.url == here for link in links):
        links = []
    return {"interface_language": current, "language_links": links}


@lru_cache(maxsize=4096)
def _translated_paths(path: str, active: str | None, urlconf: str) -> tuple[str | None, ...]:
    """The path in each enabled language (None: the same URL), as translate_url gives it."""
    paths = []
    for language in languages.ENABLED:
        translated = translate_url(path, language.code)
        paths.append(None if translated == path else urlsplit(translated).path)
    return tuple(paths)
