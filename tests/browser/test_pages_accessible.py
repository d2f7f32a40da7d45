import pytest

from partners.models import ServiceTranslation
from tests.browser.conftest import assert_accessible
from tests.factories import make_location, make_organisation, make_service


@pytest.fixture
def listing(reference_data):
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise-wellbeing")
    location = make_location(organisation)
    return make_service(
        "Women's talking circle",
        slug="womens-talking-circle",
        organisation=organisation,
        support=["counselling"],
        communities=["pakistani-kashmiri"],
        languages=["ur", ("pa", "interpreter")],
        referrals=["self", "gp"],
        locations=[location],
    )


def test_about_data_page_has_no_accessibility_violations(page):
    page.goto("/about/data/")
    assert "Code-Point Open" in page.content()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/services/womens-talking-circle/", "/organisations/sunrise-wellbeing/"])
def test_listing_pages_have_no_accessibility_violations_on_a_phone(phone, listing, path):
    phone.goto(path)
    assert phone.get_by_role("heading", level=1).count() == 1
    assert_accessible(phone)


def test_skip_link_is_first_stop_and_moves_focus_to_main(page, listing):
    page.goto("/services/womens-talking-circle/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to main content" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


@pytest.mark.parametrize(
    "path", ["/services/womens-talking-circle/", "/search/", "/shortlist/print/?service=womens-talking-circle"]
)
def test_pages_in_urdu_with_translated_and_english_text_have_no_violations(phone, listing, path):
    # Urdu description (right to left), English name and opening hours marked lang="en".
    ServiceTranslation.objects.create(service=listing, language="ur", description="ہم ہر منگل کو ملتے ہیں")
    phone.goto(f"/ur{path}")
    assert phone.locator('[lang="ur"][dir="rtl"]').count() >= 1
    assert_accessible(phone)
