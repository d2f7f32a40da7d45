import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from partners.languages import describe_language
from partners.models import Language, Location, Organisation, Service, Status
from tests.factories import days_ago, make_location, make_organisation, make_service


def test_service_summary_is_the_first_sentence(db):
    service = make_service(description="We listen.  You talk. Tea too.")
    assert service.summary == "We listen."


def test_service_age_range_reads_naturally(db):
    assert make_service(min_age=18).age_range == "18 and over"
    assert make_service(max_age=25).age_range == "up to 25"
    assert make_service(min_age=16, max_age=25).age_range == "16 to 25"
    assert make_service().age_range == ""


def test_clean_explains_an_age_range_the_wrong_way_round(db):
    service = make_service()
    service.min_age, service.max_age = 30, 18
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert "must not be lower than the minimum age" in str(error.value)


@pytest.mark.django_db(transaction=True)
def test_database_refuses_an_age_range_the_wrong_way_round():
    with pytest.raises(IntegrityError):
        make_service(min_age=30, max_age=18)


def test_duplicate_service_name_in_an_organisation_gets_a_friendly_message(db):
    organisation = make_organisation()
    make_service("Drop-in", organisation=organisation)
    duplicate = Service(organisation=organisation, name="Drop-in", slug="other", description="x")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "already has a service with this name" in str(error.value)


def test_location_needs_both_coordinates_or_neither(db):
    location = make_location(latitude=None, longitude=None)
    location.latitude = 53.8
    with pytest.raises(ValidationError, match="both latitude and longitude"):
        location.full_clean()


@pytest.mark.django_db(transaction=True)
def test_database_refuses_coordinates_off_the_globe():
    with pytest.raises(IntegrityError):
        make_location(latitude=123.0, longitude=0.0)


def test_location_clean_normalises_the_postcode(db):
    location = make_location(postcode="bd213dn")
    location.full_clean()
    assert location.postcode == "BD21 3DN"


def test_published_excludes_drafts_and_archived(db):
    live = make_service()
    make_service(status=Status.DRAFT)
    make_service(status=Status.ARCHIVED)
    assert list(Service.objects.published()) == [live]


def test_stale_means_not_checked_for_six_months_or_never(db, settings):
    settings.STALE_AFTER_DAYS = 183
    fresh = make_service(last_verified=days_ago(10))
    old = make_service(last_verified=days_ago(200))
    never = make_service(last_verified=None)
    assert set(Service.objects.stale()) == {old, never}
    assert not fresh.is_stale()
    assert old.is_stale()


def test_every_model_has_a_readable_name_and_url(db):
    service = make_service("Talking circle", languages=["ur"], referrals=["gp"], locations=[make_location()])
    assert str(service) == "Talking circle"
    assert service.get_absolute_url() == f"/services/{service.slug}/"
    assert service.organisation.get_absolute_url() == f"/organisations/{service.organisation.slug}/"
    assert str(service.service_languages.get()) == "Urdu (Staff speak it)"
    assert str(service.referral_routes.get()) == "GP or other health professional"
    assert str(Location.objects.get()) == "1 Example Street, Bradford, BD1 1AF"


def test_language_label_shows_the_autonym(db):
    assert str(Language.objects.get(code="ur")) == "Urdu (اردو)"
    assert str(Language.objects.get(code="en")) == "English"


def test_reference_data_has_every_required_language_with_rtl_scripts_marked(db):
    for code in ["ur", "ar", "fa", "ps"]:
        assert Language.objects.get(code=code).direction == "rtl"
    assert Language.objects.count() >= 26


def test_language_clean_rejects_codes_that_are_not_iso_639(db):
    with pytest.raises(ValidationError, match="two- or three-letter ISO 639 code"):
        Language(code="urdu", name="Urdu").full_clean()


@pytest.mark.parametrize(
    ("code", "name"), [("sq", "Albanian"), ("phr", "Pahari-Pothwari (Mirpuri)"), ("pa", "Punjabi")]
)
def test_describe_language_uses_maintained_data_with_local_names(code, name):
    assert describe_language(code)["name"] == name


@pytest.mark.parametrize("code", ["zz", "xx1", "", "english", "qqq"])
def test_describe_language_rejects_unknown_codes(code):
    assert describe_language(code) is None


def test_duplicate_organisation_name_gets_a_friendly_message(db):
    make_organisation("Sunrise Wellbeing")
    duplicate = Organisation(name="Sunrise Wellbeing", slug="sunrise-2")
    with pytest.raises(ValidationError, match="already listed"):
        duplicate.full_clean()
