"""“Did you mean …?” on a phone: just under the count of results, accessible (axe), in a right-to-left
language too, and one tap runs the corrected search with the other filters kept."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.factories import make_service


@pytest.fixture
def listings(reference_data):
    make_service(
        "After a death",
        description="Bereavement counselling for families, in your own language.",
        support=["bereavement"],
        languages=["ur"],
    )
    make_service("Tuesday club", description="A friendly group for people with low mood.", languages=["pl"])


def test_a_suggestion_on_a_phone_is_under_the_count_and_one_tap_corrects_the_search(phone: Page, listings):
    phone.goto("/search/?q=bereavment&language=ur")
    suggestion = phone.locator(".results-suggestion")
    expect(suggestion).to_have_text("Did you mean bereavement?")
    link = suggestion.get_by_role("link", name="bereavement")
    expect(link).to_be_visible()
    # The line sits just under the count of results, before anything else about them.
    heading_bottom = phone.locator("#results-heading").bounding_box()
    box = suggestion.bounding_box()
    assert box["y"] >= heading_bottom["y"] + heading_bottom["height"] - 1
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(phone)
    link.tap()
    expect(phone).to_have_url(re.compile(r"/search/\?q=bereavement&language=ur$"))
    expect(phone.locator(".result__title").first).to_contain_text("After a death")
    expect(phone.locator(".results-suggestion")).to_have_count(0)


def test_a_suggestion_in_a_right_to_left_language_is_accessible(phone: Page, listings):
    phone.goto("/ur/search/?q=bereavment")
    suggestion = phone.locator(".results-suggestion")
    expect(suggestion).to_contain_text("کیا آپ کا مطلب")
    expect(suggestion.locator("a bdi")).to_have_text("bereavement")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(phone)
