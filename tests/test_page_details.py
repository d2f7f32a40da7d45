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
from partners.models import (
    Community,
    Language,
    Location,
    OrganisationTranslation,
    Service,
    ServiceLanguage,
    ServiceTranslation,
    Status,
)
from partners.search import Vocabulary
from partners.search.services import (
    LISTING_RELATIONS,
    page_with_result_details,
    public_listing,
    with_listing_details,
    with_result_details,
)
from partners.translations import active_language
from tests.factories import make_location, make_organisation, make_postcode, make_rich_service, make_service

RELATIONS = ("communities", "locations", "referral_routes", "service_languages")


def shown(service: Service, relations: tuple[str, ...] = RELATIONS) -> dict:
    """Everything a result row (or with LISTING_RELATIONS, a service page) can read from a
    service's loaded relations, as plain values (the translations only in another language
    than English, where they are loaded)."""
    if active_language() is not None:
        relations = (*relations, "translations")
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


def listing_shown(service: Service) -> dict:
    """What a service page reads: shown() of every relation, and the organisation's translations."""
    translations = service.organisation.translations.all() if active_language() is not None else []
    return {
        **shown(service, LISTING_RELATIONS),
        "organisation translations": [(t.language, t.description) for t in translations],
    }


@pytest.mark.parametrize("language", ["en-gb", "ur", "pl"])
def test_a_service_page_shows_the_same_rows_in_the_same_order_as_with_listing_details(listings, language):
    hidden = [
        make_service("A draft", status=Status.DRAFT).pk,
        make_service("Of a draft organisation", organisation=make_organisation(status=Status.DRAFT)).pk,
    ]
    listings = [*listings, *hidden]
    services = Service.objects.in_bulk(listings)
    for organisation_id in {service.organisation_id for service in services.values()}:
        if organisation_id % 3 == 0:  # some organisations translated too
            OrganisationTranslation.objects.create(
                organisation_id=organisation_id, language="ur", description=f"ur {organisation_id}."
            )
    public = set(Service.objects.public().values_list("pk", flat=True))
    with translation.override(language):
        for pk in listings:
            slug = services[pk].slug
            found = public_listing(slug)
            if pk not in public:
                assert found is None
                continue
            expected = with_listing_details(Service.objects.public().filter(slug=slug)).get()
            assert listing_shown(found) == listing_shown(expected), pk
    assert not public & set(hidden)


def test_a_service_page_takes_no_more_queries_than_the_prefetch_and_reading_it_takes_none(listings):
    vocabulary = Vocabulary.load()
    slug = Service.objects.public().get(pk=max(listings)).slug  # the rich one: every relation
    with translation.override("ur"):
        with CaptureQueriesContext(connection) as prefetched:
            with_listing_details(Service.objects.public().filter(slug=slug)).get()
        with CaptureQueriesContext(connection) as read:
            service = public_listing(slug, vocabulary)
        with CaptureQueriesContext(connection) as shown_rows:
            listing_shown(service)
    assert len(read) == len(prefetched) == 10
    assert len(shown_rows) == 0
    assert all(getattr(service, name).all() for name in LISTING_RELATIONS)


def test_a_service_the_public_cannot_see_has_no_page(db):
    assert public_listing("no-such-service") is None
