"""Phone first: how to get in touch comes straight under a service's name, and every list of
services (results, map popups, the shared list) shows a number to tap."""

import pytest

from partners.models import dialable
from tests.factories import make_location, make_organisation, make_rich_service, make_service

pytestmark = pytest.mark.django_db

CALL = '<a class="phone-link" href="tel:01632960102" dir="ltr">01632 960102</a>'


@pytest.fixture
def rich(db):
    return make_rich_service(slug="mornings")


def test_the_ways_to_get_in_touch_come_before_who_it_is_for_and_how_to_get_referred(client, rich):
    page = client.get("/services/mornings/").content.decode()
    call = page.index('href="tel:01632960102"')
    assert call < page.index('id="who"') < page.index('id="ways-in"')
    assert page.index("<h1>") < call
    assert 'href="mailto:referrals@chinar.example.org"' in page
    assert 'href="https://chinar.example.org/mornings/"' in page


def test_directions_go_to_the_first_place_on_openstreetmap(client, rich):
    page = client.get("/services/mornings/").content.decode()
    assert 'href="https://www.openstreetmap.org/directions?to=53.793500%2C-1.749900"' in page


def test_a_service_with_nothing_to_link_shows_no_contact_buttons(client, db):
    make_service("Quiet", slug="quiet", organisation=make_organisation(phone=""))
    page = client.get("/services/quiet/").content.decode()
    assert "contact-actions" not in page


def test_text_is_offered_only_for_a_mobile_number_of_a_service_that_offers_text(client, db):
    make_service("Texts", slug="texts", modes=["text"], phone="07700 900123")
    make_service("Landline", slug="landline", modes=["text"], phone="01632 960555")
    make_service("No texts", slug="no-texts", modes=["phone"], phone="07700 900124")
    assert 'href="sms:07700900123"' in client.get("/services/texts/").content.decode()
    # (The crisis panel's text line is on every page; only the service's own buttons count here.)
    assert 'class="contact-action" href="sms:' not in client.get("/services/landline/").content.decode()
    assert 'class="contact-action" href="sms:' not in client.get("/services/no-texts/").content.decode()


@pytest.mark.parametrize(
    "written, dialled",
    [("01632 960102", "01632960102"), ("+44 (0)7700 900123", "+447700900123"), ("0800-123-4567 (free)", "08001234567")],
)
def test_a_number_is_dialled_as_digits_and_plus(written, dialled):
    assert dialable(written) == dialled


def test_a_result_row_shows_the_phone_as_a_tap_to_call_link(client, rich):
    assert CALL in client.get("/search/").content.decode()


def test_a_service_without_a_number_shows_its_organisations(client, db):
    make_service("Group", organisation=make_organisation(phone="01632 960999"), phone="")
    assert 'href="tel:01632960999"' in client.get("/search/").content.decode()


def test_the_shared_list_shows_each_phone(client, rich):
    assert CALL in client.get("/shortlist/?service=mornings").content.decode()


def test_the_map_points_carry_the_phone(client, rich):
    (feature,) = client.get("/search/geojson/").json()["features"]
    popup = client.get(f"/search/geojson/{feature['id']}/").json()  # fetched as the popup opens
    assert popup["phone"] == "01632 960102"


def test_a_map_point_without_any_number_has_no_phone_property(client, db):
    make_service("Quiet", organisation=make_organisation(phone=""), locations=[make_location()])
    (feature,) = client.get("/search/geojson/").json()["features"]
    popup = client.get(f"/search/geojson/{feature['id']}/").json()
    assert popup["name"] == "Quiet"
    assert "phone" not in popup
