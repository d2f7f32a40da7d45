"""Addresses reversed once per language (directory/links.py) are reverse()'s own."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from directory.links import address, slug_address


@pytest.mark.parametrize("language", ["en-gb", "ur", "pl"])
@pytest.mark.parametrize("slug", ["circle", "women-s-group-2", "A_b-9"])
def test_a_slug_address_is_what_reverse_gives_in_every_language(language, slug):
    with translation.override(language):
        for name in ("partners:service", "partners:organisation"):
            assert slug_address(name, slug) == reverse(name, kwargs={"slug": slug})
        assert address("signposting:add") == reverse("signposting:add")


def test_the_language_and_the_script_prefix_are_part_of_the_answer():
    english = slug_address("partners:service", "circle")
    with translation.override("ur"):
        assert slug_address("partners:service", "circle") == "/ur/services/circle/"
    assert slug_address("partners:service", "circle") == english == "/services/circle/"
    set_script_prefix("/directory/")
    try:
        assert slug_address("partners:service", "circle") == "/directory/services/circle/"
        assert address("signposting:add") == "/directory/shortlist/add/"
    finally:
        set_script_prefix("/")
    assert address("signposting:add") == "/shortlist/add/"


def test_a_slug_reverse_would_change_is_reversed_as_it_is():
    # Slugs are letters, digits, - and _; anything else is left to reverse().
    with pytest.raises(NoReverseMatch):
        slug_address("partners:service", "two words")
