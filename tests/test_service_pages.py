"""The service page, the organisation page and the home page."""

import pytest

from partners.models import Status
from tests.factories import days_ago, make_organisation, make_rich_service, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich(db):
    return make_rich_service(slug="mornings")


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_service_page_says_what_it_offers_and_who_for(client, rich):
    content = page(client, "/services/mornings/")
    assert "<h1>Women&#x27;s Wellbeing Mornings</h1>" in content
    assert "Weekly mornings for women. Tea, crafts and talking." in content
    assert "Peer support" in content and "Wellbeing activities" in content
    assert "Pakistani and Kashmiri" in content and "South Asian" in content
    assert "18 to 65" in content
    assert "Women" in content


def test_the_service_page_lists_each_language_once_with_every_way_it_is_offered(client, rich):
    content = page(client, "/services/mornings/")
    assert '<li>Urdu <span lang="ur" dir="rtl">اردو</span>: staff speak it, written information</li>' in content
    assert "through an interpreter" in content
    assert "phone line" in content


def test_a_right_to_left_autonym_is_marked_with_its_language_and_direction(client, db):
    make_service("Farsi group", slug="farsi", languages=["fa"])
    assert 'lang="fa" dir="rtl">فارسی</span>' in page(client, "/services/farsi/")


def test_a_left_to_right_autonym_has_its_language_but_no_direction(client, db):
    make_service("Polish group", slug="polish", languages=["pl"])
    assert '<span lang="pl">Polski</span>' in page(client, "/services/polish/")


def test_every_way_in_is_shown_with_the_gp_referral_first_and_highlighted(client, rich):
    content = page(client, "/services/mornings/")
    gp = content.index("Referral by a GP or health professional")
    assert gp < content.index("Self-referral")
    assert 'class="way-in way-in--gp"' in content
    assert 'href="mailto:gp-referrals@chinar.example.org"' in content
    assert "We phone within a week." in content
    assert 'href="tel:01632960103"' in content
    assert "Ask your GP to email us, or call." in content


def test_the_service_page_has_contact_hours_address_access_and_referral_status(client, rich):
    content = page(client, "/services/mornings/")
    assert 'href="tel:01632960102"' in content
    assert "referrals@chinar.example.org" in content
    assert "https://chinar.example.org/mornings/" in content
    assert "Tuesdays 10am to 12:30pm" in content
    assert "41 Lumb Lane" in content and "BD8 7JH" in content
    assert "Step-free." in content
    assert "Taking new referrals" in content
    assert "Typical wait: About two weeks" in content
    assert "Community-led" in content and "Interpreters available" in content
    assert "Low cost" in content


def test_the_service_page_says_when_it_was_last_checked_and_links_the_organisation(client, rich):
    content = page(client, "/services/mornings/")
    assert f"Last checked on {rich.last_verified:%-d %B %Y}" in content
    assert f'href="{rich.organisation.get_absolute_url()}"' in content
    assert '<div class="service-actions">' in content


def test_a_service_not_taking_referrals_says_so(client, db):
    make_service("Full", slug="full", accepting_referrals=False)
    assert "Not taking new referrals at the moment" in page(client, "/services/full/")


def test_a_very_stale_service_page_says_it_may_be_out_of_date(client, db):
    make_service("Old", slug="old", last_verified=days_ago(900))
    assert "This information may be out of date." in page(client, "/services/old/")


def test_a_service_with_a_place_has_a_map_and_one_without_does_not(client, rich):
    content = page(client, "/services/mornings/")
    assert 'id="map-config"' in content
    assert "leaflet/leaflet.js" in content
    make_service("By phone", slug="by-phone")
    content = page(client, "/services/by-phone/")
    assert 'id="map-config"' not in content
    assert "By phone, video or text" in content


def test_the_map_section_is_hidden_until_a_script_shows_it(client, rich):
    content = page(client, "/services/mornings/")
    assert 'class="service-map" hidden data-map-section' in content


@pytest.mark.parametrize(
    "make",
    [
        lambda: make_service("Draft", slug="hidden", status=Status.DRAFT),
        lambda: make_service("Archived", slug="hidden", status=Status.ARCHIVED),
        lambda: make_service("Of a draft", slug="hidden", organisation=make_organisation(status=Status.DRAFT)),
        lambda: make_service("Of archived", slug="hidden", organisation=make_organisation(status=Status.ARCHIVED)),
    ],
)
def test_a_service_the_public_cannot_see_is_not_found(client, db, make):
    make()
    assert client.get("/services/hidden/").status_code == 404


def test_an_unknown_service_is_not_found(client, db):
    assert client.get("/services/no-such-thing/").status_code == 404


def test_the_service_page_takes_a_fixed_number_of_queries(client, rich, django_assert_num_queries):
    # The service and its organisation, its 7 relations, the example banner; and the two of
    # the vocabularies, which a process keeps per directory version but reads again in a
    # test whose listings are not committed (partners.map_cache.kept_in_process).
    with django_assert_num_queries(11):
        client.get("/services/mornings/")


# --- Organisation page --------------------------------------------------------------------


def test_the_organisation_page_lists_its_published_services_only(client, db):
    organisation = make_organisation("Sunrise", slug="sunrise", description="We help.", phone="01632 960999")
    make_service("Visible", organisation=organisation, languages=["ur"])
    make_service("Draft", organisation=organisation, status=Status.DRAFT)
    make_service("Archived", organisation=organisation, status=Status.ARCHIVED)
    content = page(client, "/organisations/sunrise/")
    assert "<h1>Sunrise</h1>" in content and "We help." in content
    assert 'href="tel:01632960999"' in content
    assert "Visible" in content
    assert "Draft" not in content and "Archived" not in content
    assert '<div class="result__actions">' in content  # the shared result row


@pytest.mark.parametrize("status", [Status.DRAFT, Status.ARCHIVED])
def test_an_organisation_the_public_cannot_see_is_not_found(client, db, status):
    make_organisation(slug="hidden", status=status)
    assert client.get("/organisations/hidden/").status_code == 404


def test_the_organisation_page_takes_a_fixed_number_of_queries(client, db, django_assert_num_queries):
    organisation = make_organisation(slug="sunrise")
    for i in range(5):
        make_service(f"Service {i}", organisation=organisation, languages=["ur"], support=["counselling"])
    # organisation, services, 4 prefetches, example banner
    with django_assert_num_queries(7):
        client.get("/organisations/sunrise/")


# --- Home page ----------------------------------------------------------------------------


def test_the_home_page_has_the_search_box_postcode_and_main_filters(client, db):
    content = page(client, "/")
    assert 'action="/search/"' in content
    assert 'name="q"' in content and 'name="postcode"' in content
    assert 'name="language"' in content and 'name="community"' in content and 'name="support"' in content
    assert '<option value="ur">Urdu \N{EN DASH} &#x2068;اردو&#x2069;</option>' in content


def test_use_my_location_is_only_offered_to_scripts(client, db):
    content = page(client, "/")
    assert "data-use-location hidden" in content
    assert "js/location.js" in content


def test_the_home_page_counts_published_services_by_type_of_support(client, db):
    make_service("A", support=["counselling"])
    make_service("B", support=["counselling"], status=Status.DRAFT)
    response = client.get("/")
    counts = {option.value: count for option, count in response.context["support_types"]}
    assert counts["counselling"] == 1
    assert 'href="/search/?support=counselling"' in response.content.decode()


def test_pages_use_no_inline_script_or_style(client, rich):
    for url in ("/", "/search/", "/search/?postcode=BD8+7JH", "/services/mornings/"):
        content = client.get(url).content.decode()
        assert " style=" not in content
        assert " onclick=" not in content
        for chunk in content.split("<script")[1:]:
            head, _, body = chunk.partition(">")
            assert "src=" in head or 'type="application/json"' in head
            assert body.startswith("</script>") or 'type="application/json"' in head
