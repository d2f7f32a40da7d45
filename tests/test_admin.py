import pytest
from django.contrib import admin
from django.urls import reverse

from partners.models import Location, Organisation, Service, Status
from tests.factories import days_ago, make_location, make_organisation, make_service

PARTNER_MODELS = [m for m in admin.site._registry if m._meta.app_label in {"partners", "accounts"}]


@pytest.fixture
def listing(db):
    organisation = make_organisation("Sunrise Wellbeing")
    location = make_location(organisation)
    return make_service(
        "Talking circle",
        organisation=organisation,
        support=["counselling"],
        languages=["ur"],
        referrals=["gp"],
        locations=[location],
    )


@pytest.mark.parametrize("model", PARTNER_MODELS, ids=lambda m: m._meta.model_name)
def test_moderator_can_open_every_changelist(moderator_client, listing, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert moderator_client.get(url).status_code == 200


@pytest.mark.parametrize("model", [Organisation, Service, Location], ids=lambda m: m.__name__)
def test_moderator_can_open_change_pages(moderator_client, listing, model):
    obj = model.objects.first()
    url = reverse(f"admin:partners_{model._meta.model_name}_change", args=[obj.pk])
    assert moderator_client.get(url).status_code == 200


@pytest.mark.parametrize("model", [Organisation, Service], ids=lambda m: m.__name__)
def test_moderator_can_open_add_pages(moderator_client, model):
    url = reverse(f"admin:partners_{model._meta.model_name}_add")
    assert moderator_client.get(url).status_code == 200


def test_service_change_page_has_language_route_and_location_inlines(moderator_client, listing):
    response = moderator_client.get(reverse("admin:partners_service_change", args=[listing.pk]))
    content = response.content.decode()
    assert "service_languages-TOTAL_FORMS" in content
    assert "referral_routes-TOTAL_FORMS" in content
    assert "Service_locations-TOTAL_FORMS" in content


def test_stale_filter_lists_only_listings_not_checked_for_six_months(moderator_client, listing):
    make_service("Old group", last_verified=days_ago(400))
    response = moderator_client.get(reverse("admin:partners_service_changelist") + "?freshness=stale")
    content = response.content.decode()
    assert "Old group" in content
    assert "Talking circle" not in content


def test_search_finds_services_by_organisation_name(moderator_client, listing):
    make_service("Unrelated")
    response = moderator_client.get(reverse("admin:partners_service_changelist") + "?q=sunrise")
    assert "Talking circle" in response.content.decode()
    assert "Unrelated" not in response.content.decode()


def test_publish_action_publishes_drafts(moderator_client, listing):
    draft = make_service("Draft group", status=Status.DRAFT)
    moderator_client.post(
        reverse("admin:partners_service_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED


def test_admin_is_closed_to_people_who_are_not_moderators(client, alice):
    client.force_login(alice)
    response = client.get(reverse("admin:partners_service_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
