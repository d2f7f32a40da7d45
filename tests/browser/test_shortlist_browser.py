"""The shortlist in a real browser: no reload with JavaScript, plain forms without it, and
axe-core on every page of issue 5 at phone and desktop widths."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from partners.models import Organisation, Service, Status
from tests.browser.conftest import assert_accessible
from tests.factories import days_ago, make_location, make_member, make_organisation, make_rich_service, make_service

WIDTHS = ["page", "phone"]


@pytest.fixture
def listings(reference_data):
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise")
    make_rich_service(slug="mornings")
    return [
        make_service(
            name,
            slug=name.lower().replace(" ", "-"),
            organisation=organisation,
            support=["counselling"],
            languages=["ur", ("pa", "interpreter")],
            referrals=["gp", "self"],
            locations=[make_location(organisation)],
            opening_hours="Mondays 10am to 2pm",
            typical_wait="Two weeks",
        )
        for name in ("Amber circle", "Birch group")
    ]


def add_first_result(page: Page) -> None:
    page.get_by_role("button", name="Add to shortlist (Amber circle)").click()
    expect(page.get_by_role("button", name="Remove from shortlist (Amber circle)")).to_be_visible()


def test_adding_and_removing_with_javascript_changes_the_page_without_a_reload(page, listings):
    page.goto("/search/?language=ur")
    page.evaluate("window.stillTheSamePage = true")
    expect(page.locator("[data-shortlist-count-wrap]")).to_be_hidden()

    add_first_result(page)
    expect(page.locator("[data-shortlist-count]")).to_have_text("1")
    expect(page.locator("[data-shortlist-count-wrap]")).to_be_visible()
    expect(page.locator("[data-shortlist-status]")).to_have_text(
        "Added Amber circle to your shortlist. It has 1 service."
    )
    assert page.evaluate("window.stillTheSamePage") is True

    page.get_by_role("button", name="Remove from shortlist (Amber circle)").click()
    expect(page.get_by_role("button", name="Add to shortlist (Amber circle)")).to_be_visible()
    expect(page.locator("[data-shortlist-count-wrap]")).to_be_hidden()
    assert page.evaluate("window.stillTheSamePage") is True

    add_first_result(page)
    page.get_by_role("link", name="Shortlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your shortlist")
    expect(page.get_by_role("link", name="Amber circle")).to_be_visible()


def test_the_service_page_button_works_with_javascript(page, listings):
    page.goto("/services/mornings/")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name="Add to shortlist (Women's Wellbeing Mornings)").click()
    expect(page.locator("[data-shortlist-count]")).to_have_text("1")
    assert page.evaluate("window.stillTheSamePage") is True


def test_without_javascript_the_form_posts_and_comes_back(no_js_page, listings):
    no_js_page.goto("/search/?language=ur")
    no_js_page.get_by_role("button", name="Add to shortlist (Amber circle)").click()
    expect(no_js_page.get_by_text("Added Amber circle to your shortlist. It has 1 service.")).to_be_visible()
    assert no_js_page.url.endswith("/search/?language=ur#result-amber-circle")
    expect(no_js_page.locator("[data-shortlist-count]")).to_have_text("1")
    no_js_page.goto("/shortlist/print/")
    expect(no_js_page.get_by_role("button", name="Print this page")).to_be_hidden()
    expect(no_js_page.get_by_role("heading", name="Amber circle")).to_be_visible()


def test_a_full_shortlist_says_so_next_to_the_button(page, reference_data):
    organisation = make_organisation("Many Services", slug="many")
    for i in range(21):
        make_service(f"Service {i:02d}", slug=f"service-{i:02d}", organisation=organisation)
    page.goto("/organisations/many/")
    for i in range(20):
        page.get_by_role("button", name=f"Add to shortlist (Service {i:02d})").click()
        expect(page.locator("[data-shortlist-count]")).to_have_text(str(i + 1))
    page.get_by_role("button", name="Add to shortlist (Service 20)").click()
    expect(page.locator(".shortlist-note")).to_contain_text("Your shortlist is full")
    expect(page.get_by_role("button", name="Add to shortlist (Service 20)")).to_be_visible()

    page.goto("/shortlist/")
    expect(page.locator(".result")).to_have_count(20)
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_empty_shortlist_is_accessible(request, listings, width):
    page = request.getfixturevalue(width)
    page.goto("/shortlist/")
    expect(page.get_by_text("Your shortlist is empty.")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_shortlist_with_services_and_its_share_box_are_accessible(request, listings, width):
    page = request.getfixturevalue(width)
    page.goto("/search/")
    page.get_by_role("button", name="Add to shortlist (Amber circle)").click()
    expect(page.locator("[data-shortlist-count]")).to_have_text("1")
    page.get_by_role("button", name="Add to shortlist (Women's Wellbeing Mornings)").click()
    expect(page.locator("[data-shortlist-count]")).to_have_text("2")
    page.goto("/shortlist/")
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    share = page.get_by_label("Link to this list").input_value()
    assert share.endswith("/shortlist/?service=amber-circle&service=mornings")
    qr = page.get_by_role("img", name="QR code of the link to this list")
    expect(qr).to_be_visible()
    assert page.evaluate("document.querySelector('img.qr').naturalWidth") > 0
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_shared_list_is_accessible(request, listings, width):
    page = request.getfixturevalue(width)
    page.goto("/shortlist/?service=mornings&service=birch-group&service=gone")
    expect(page.get_by_role("button", name="Save to my shortlist")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_printable_sheet_is_accessible_and_has_a_print_button(request, listings, width):
    page = request.getfixturevalue(width)
    page.goto("/shortlist/print/?service=mornings&service=amber-circle")
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()
    expect(page.get_by_role("img", name="QR code of the link to this list")).to_be_visible()
    assert page.evaluate("document.querySelector('img.qr').naturalWidth") > 0
    assert_accessible(page)


def test_the_printed_sheet_leaves_out_the_site_navigation(page, listings):
    page.goto("/shortlist/print/?service=mornings&service=amber-circle")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".sheet-tools")).to_be_hidden()
    expect(page.get_by_role("heading", name="Support you could contact")).to_be_visible()


def test_the_sheet_in_urdu_beside_english_is_accessible_and_prints_three_services_on_one_a4_page(page, listings):
    page.goto("/ur/shortlist/print/?service=mornings&service=amber-circle&service=birch-group")
    expect(page.locator('h1 [lang="en-GB"]')).to_have_text("Support you could contact")
    expect(page.locator('h1 [lang="ur"]')).to_have_attribute("dir", "rtl")
    assert_accessible(page)
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1


@pytest.mark.parametrize("width", WIDTHS)
def test_the_report_form_with_errors_and_its_confirmation_are_accessible(request, listings, width):
    page = request.getfixturevalue(width)
    make_member(listings[0].organisation, email="owner@sunrise.example")
    page.goto("/services/amber-circle/")
    page.get_by_role("link", name="Report a problem with this listing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a problem with this listing")
    assert_accessible(page)

    page.get_by_role("button", name="Send the report").click()
    expect(page.locator(".error-summary")).to_contain_text("Choose what is wrong with the listing.")
    assert page.title().startswith("Error:")
    assert_accessible(page)

    page.get_by_label("The service has moved").check()
    page.get_by_label("Tell us more").fill("They are at 3 New Street now.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your report")
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_page_for_professionals_is_accessible(request, listings, width):
    page = request.getfixturevalue(width)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="For professionals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("For GPs and other professionals")
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_results_with_referral_badges_and_shortlist_buttons_are_accessible(request, listings, width):
    page = request.getfixturevalue(width)
    page.goto("/search/?referral=gp")
    expect(page.locator(".badge--gp").first).to_have_text("Takes GP referrals")
    page.get_by_role("button", name="Add to shortlist (Amber circle)").click()
    expect(page.locator("[data-shortlist-count]")).to_have_text("1")
    assert_accessible(page)


# --- Print sheets that know their age (issue 13) ---------------------------------------------------


def pdf_pages(pdf: bytes, tmp_path) -> list[str]:
    """The text of each page of a PDF, by poppler's pdftotext (.ci/run installs poppler-utils)."""
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.fail("pdftotext not found: install Debian's poppler-utils package (apt-get install poppler-utils).")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    # Our own PDF, in a folder of our own, given to a fixed program.
    run = subprocess.run([pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True)  # noqa: S603
    text = run.stdout
    return [page for page in text.split("\f") if page.strip()]


@pytest.fixture
def eight_services(reference_data):
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise")
    services = []
    for i in range(8):
        service = make_service(
            f"Service number {i + 1}",
            slug=f"service-{i + 1}",
            organisation=organisation,
            description="We listen, and help you find your own way through a hard time. " * 3,
            support=["counselling"],
            languages=["ur", ("pa", "interpreter")],
            referrals=["gp", "self"],
            locations=[make_location(organisation)],
            opening_hours="Mondays and Thursdays 10am to 2pm, Saturdays by appointment",
            typical_wait="Two weeks",
            referral_instructions="Send the referral form; we call the person within a week to arrange a first talk.",
            phone="01274 000 111",
            last_verified=days_ago(400) if i == 6 else timezone.localdate(),
        )
        services.append(service)
    return services


def test_every_printed_page_of_a_two_page_sheet_repeats_the_title_date_and_qr_code(page, eight_services, tmp_path):
    slugs = "&".join(f"service={service.slug}" for service in eight_services)
    page.goto(f"/shortlist/print/?{slugs}")
    page.emulate_media(media="print")
    pages = pdf_pages(page.pdf(format="A4"), tmp_path)
    assert len(pages) == 2
    printed = f"Printed on {date_format(timezone.localdate(), 'j E Y')}"
    for text in pages:
        assert "Support you could contact" in text
        assert printed in text
        assert "Scan to open this list on a phone" in text  # the QR code's caption, beside it
    everything = "\n".join(pages)
    # Every service printed once, in full: the repeated header covers nothing.
    for service in eight_services:
        assert everything.count(service.name) == 1
    assert everything.count("This information may be out of date.") == 1
    assert "It has not been checked in the last 12 months" in everything


@pytest.mark.parametrize("width, prefix", [("page", ""), ("phone", ""), ("phone", "/ar")])
def test_the_page_a_printed_sheet_opens_says_what_changed_and_is_accessible(request, eight_services, width, prefix):
    page = request.getfixturevalue(width)
    printed = timezone.localdate() - timedelta(days=10)
    before = timezone.now() - timedelta(days=20)
    Organisation.objects.update(updated=before)
    Service.objects.update(updated=before)
    Service.objects.filter(pk=eight_services[1].pk).update(updated=timezone.now())
    Service.objects.filter(pk=eight_services[2].pk).update(status=Status.ARCHIVED)
    page.goto(
        f"{prefix}/shortlist/?service=service-1&service=service-2&service=service-3&printed={printed.isoformat()}"
    )
    notice = page.locator("section.since-printed")
    expect(notice.get_by_role("link", name="Service number 2")).to_have_attribute("href", "#result-service-2")
    expect(notice.locator("li").nth(1)).to_have_text("Service number 3")
    if prefix:
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
    else:
        expect(page.get_by_role("region", name=re.compile("Since this sheet was printed on"))).to_be_visible()
        expect(notice).to_contain_text("1 service has new details.")
        expect(notice).to_contain_text("1 service on the sheet is no longer in the directory")
    assert_accessible(page)
