"""A page of results reads its services' details (communities, places, ways in, languages,
translations) one query a relation, without prefetch_related's queryset per service: the
rows each service then shows are the ones with_result_details() gives, in the same order,
from no more queries, and reading them asks the database nothing."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from partners import synthetic
from partners.models import Community, Language, Location, Service, ServiceLanguage, ServiceTranslation
from partners.search import Vocabulary
from partners.search.services import page_with_result_details, with_result_details
from partners.translations import active_language
from tests.factories import make_location, make_postcode, make_rich_service

RELATIONS = ("communities", "locations", "referral_routes", "service_languages")


def shown(service: Service) -> dict:
    """Everything a result row can read from a service's loaded relations, as plain values
    (the translations only in another language than English, where they are loaded)."""
    relations = RELATIONS if active_language() is None else (*RELATIONS, "translations")
    return {
        "service": {f.attname: getattr(service, f.attname) for f in Service._meta.concrete_fields},
        "organisation": {
            f.attname: getattr(service.organisation, f.attname)
            for f in type(service.organisation)._meta.concrete_fields
        },
        **{
            name: [
                {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields}
                for row in getattr(service, name).all()
            ]
            for name in relations
        },
        "languages": [
            (row.language.code, row.language.name, row.language.autonym) for row in service.service_languages.all()
        ],
    }


@pytest.fixture
def listings(db):
    make_postcode("BD21 3DN", 53.8687, -1.9075)
    make_postcode("BD7 1DP", 53.7857, -1.7709)
    synthetic.generate(60, seed=11)
    rich = make_rich_service()
    # Two places in one town, and translations into two languages: orders that matter.
    rich.locations.add(make_location(rich.organisation, town="Bradford", address="2 Example Street"))
    rich.locations.add(make_location(rich.organisation, town="Alnwick", address="9 Far Street"))
    chosen = [*random.Random(3).sample(list(Service.objects.values_list("pk", flat=True)), 15), rich.pk]
    for pk in chosen:
        ServiceTranslation.objects.create(service_id=pk, language="ur", name=f"ur {pk}", description="ur text.")
        ServiceTranslation.objects.create(service_id=pk, language="pl", name=f"pl {pk}", description="pl text.")
    return sorted(Service.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("language", ["en-gb", "ur", "pl"])
def test_a_page_shows_the_same_rows_in_the_same_order_as_with_result_details(listings, language):
    pages = [listings[i : i + 20] for i in range(0, len(listings), 20)] + [random.Random(5).sample(listings, 20)]
    with translation.override(language):
        for pks in pages:
            expected = {s.pk: shown(s) for s in with_result_details(Service.objects.filter(pk__in=pks))}
            found = page_with_result_details(pks)

            assert sorted(found) == sorted(expected)
            for pk in pks:
                assert shown(found[pk]) == expected[pk], pk
    assert Location.objects.count() > 0


@pytest.mark.parametrize("language", ["en-gb", "ur"])
def test_a_page_takes_no_more_queries_and_reading_its_rows_takes_none(listings, language):
    pks = listings[:20]
    vocabulary = Vocabulary.load()  # the search's own: its communities and languages are used
    with translation.override(language):
        with CaptureQueriesContext(connection) as prefetched:
            list(with_result_details(Service.objects.filter(pk__in=pks)))
        with CaptureQueriesContext(connection) as read:
            services = page_with_result_details(pks, vocabulary)
        with CaptureQueriesContext(connection) as shown_rows:
            for service in services.values():
                shown(service)
                for row in [*service.referral_routes.all(), *service.service_languages.all()]:
                    assert row.service is service

    assert len(read) <= len(prefetched)
    assert len(read) == (6 if language == "ur" else 5)
    assert len(shown_rows) == 0


def test_no_services_take_no_rows(db):
    assert page_with_result_details([]) == {}


def test_a_community_or_language_added_since_the_vocabulary_was_read_is_still_shown(listings):
    vocabulary = Vocabulary.load()
    service = Service.objects.get(pk=listings[0])
    newcomers = Community.objects.create(slug="newcomers", name="Newcomers", order=0)
    service.communities.add(newcomers)
    lingala = Language.objects.create(code="ln", name="Lingala", autonym="Lingála")
    ServiceLanguage.objects.create(service=service, language=lingala)
    expected = shown(with_result_details(Service.objects.filter(pk=service.pk)).get())

    found = page_with_result_details([service.pk], vocabulary)[service.pk]

    assert shown(found) == expected
    assert "Newcomers" in [community.name for community in found.communities.all()]
    assert "ln" in [row.language.code for row in found.service_languages.all()]
