"""Addresses a page repeats many times (a link to each result, a shortlist form on each),
reversed once per language rather than once per link: each reverse() took 20 µs, two per
result row."""

import re
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# What reverse() leaves as it is in a path (a slug's letters): anything else is reversed.
PLAIN = re.compile(r"[-A-Za-z0-9_]+\Z")


def address(name: str) -> str:
    """reverse(name), for a URL pattern without arguments."""
    return _reversed(name, *_state())


def slug_address(name: str, slug: str) -> str:
    """reverse(name, kwargs={"slug": slug}), for a pattern that ends in "<slug:slug>/"."""
    if not PLAIN.match(slug):
        return reverse(name, kwargs={"slug": slug})
    return _before_slug(name, *_state()) + slug + "/"


def _state() -> tuple:
    # Everything reverse() reads besides the name: a change of any is another answer.
    return get_script_prefix(), get_language(), get_urlconf() or settings.ROOT_URLCONF


@lru_cache(maxsize=256)
def _reversed(name: str, *state) -> str:
    return reverse(name)


@lru_cache(maxsize=256)
def _before_slug(name: str, *state) -> str:
    url = reverse(name, kwargs={"slug": "-"})
    if not url.endswith("/-/"):
        raise ValueError(f"{name} does not end with its slug: {url}")
    return url[:-2]


def _forget(**kwargs) -> None:
    _reversed.cache_clear()
    _before_slug.cache_clear()


setting_changed.connect(_forget)  # a test's other URLs (Django clears its own caches then)
