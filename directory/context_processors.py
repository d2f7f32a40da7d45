from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import translate_url
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
    links = [
        LanguageLink(language, translate_url(here, language.code), language is current)
        for language in languages.ENABLED
    ]
    if all(link.url == here for link in links):
        links = []
    return {"interface_language": current, "language_links": links}
