"""The synthetic listings the load benchmark runs on (partners.synthetic, seed_synthetic).
Their shape, not their speed: benchmarks print numbers, they are not timed tests."""

from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from partners import synthetic
from partners.models import Community, Location, Organisation, Service, ServiceLanguage
from tests.factories import make_postcode, make_service


@pytest.fixture
def postcodes(db):
    return [
        make_postcode("BD21 3DN", 53.8687, -1.9075),
        make_postcode("BD7 1DP", 53.7857, -1.7709),
        make_postcode("LS6 3HN", 53.8190, -1.5750),
    ]


def test_thirty_synthetic_services_are_published_and_spread_over_the_loaded_postcodes(postcodes):
    made = synthetic.generate(30, seed=1)

    services = synthetic.synthetic_services()
    assert made.services == services.count() == 30
    assert set(services.values_list("status", flat=True)) == {"published"}
    assert Service.objects.public().count() == 30
    assert set(Location.objects.values_list("postcode", flat=True)) <= {p.postcode for p in postcodes}
    # Every service has at least one support type, community, language, mode and way in.
    for service in services.prefetch_related("support_types", "communities", "modes", "referral_routes"):
        assert service.support_types.count() >= 1
        assert service.communities.count() >= 1
        assert service.modes.count() >= 1
        assert service.referral_routes.count() >= 1
        assert 0 <= service.locations.count() <= 3
        assert service.locations.exclude(organisation=service.organisation_id).count() == 0
    assert ServiceLanguage.objects.values("service").distinct().count() == 30


def test_about_a_third_of_synthetic_organisations_run_several_services(postcodes):
    synthetic.generate(600, seed=3)

    per_organisation = Counter(synthetic.synthetic_services().values_list("organisation_id", flat=True))
    several = sum(1 for n in per_organisation.values() if n > 1)
    assert 0.25 < several / len(per_organisation) < 0.42
    assert max(per_organisation.values()) <= 8
    places = Counter(Service.locations.through.objects.values_list("service_id", flat=True))
    assert len(places) < 600  # some services have no place (phone or online only)
    assert Community.objects.get(slug=Community.ALL).services.exists()


def test_the_same_seed_makes_the_same_services(postcodes):
    synthetic.generate(20, seed=7)
    first = list(synthetic.synthetic_services().order_by("slug").values_list("slug", "name", "cost", "gender"))
    synthetic.delete()
    synthetic.generate(20, seed=7)
    again = list(synthetic.synthetic_services().order_by("slug").values_list("slug", "name", "cost", "gender"))
    assert first == again


def test_delete_removes_the_synthetic_listings_and_nothing_else(postcodes):
    real = make_service(name="Real listing")
    synthetic.generate(25, seed=2)

    assert synthetic.delete() == 25

    assert list(Service.objects.all()) == [real]
    assert list(Organisation.objects.all()) == [real.organisation]
    assert not Location.objects.filter(organisation__slug__startswith=synthetic.PREFIX).exists()
    assert not ServiceLanguage.objects.exclude(service=real).exists()


def test_seed_synthetic_adds_up_to_a_total_and_deletes(postcodes, capsys):
    call_command("seed_synthetic", "--services", "12")
    call_command("seed_synthetic", "--services", "20", "--total")
    assert synthetic.synthetic_services().count() == 20
    assert len(set(synthetic.synthetic_services().values_list("slug", flat=True))) == 20

    call_command("seed_synthetic", "--delete")
    assert not synthetic.synthetic_services().exists()


def test_seed_synthetic_refuses_without_postcodes(db):
    with pytest.raises(CommandError, match="load_postcodes"):
        call_command("seed_synthetic", "--services", "5")


def test_seed_synthetic_refuses_a_negative_number(postcodes):
    with pytest.raises(CommandError, match="0 or more"):
        call_command("seed_synthetic", "--services", "-3")


@pytest.mark.parametrize(
    ("option", "value"), [("--requests", "0"), ("--clients", "-1"), ("--workers", "0"), ("--warmup", "-2")]
)
def test_the_load_benchmark_refuses_nonsense_numbers_before_starting_anything(postcodes, option, value):
    with pytest.raises(CommandError, match="or more"):
        call_command("bench_load", option, value)


def test_the_load_benchmark_needs_published_services(postcodes):
    with pytest.raises(CommandError, match="seed_synthetic"):
        call_command("bench_load")


def test_the_load_benchmark_names_an_unknown_request_type(postcodes):
    synthetic.generate(5, seed=4)
    with pytest.raises(CommandError, match="Unknown request types: nonsense"):
        call_command("bench_load", "--only", "nonsense")
