"""A page of API documents is loaded by `published_services_by_id` (compiled statements and
the vocabularies' own rows) and says exactly what the prefetching queryset's rows say: the
same documents, summary and full, in English and in another language, from no more
queries."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from api import hsds
from partners import synthetic
from partners.models import OrganisationTranslation, Service, ServiceTranslation
from partners.search import Vocabulary
from tests.factories import make_location, make_organisation, make_postcode, make_rich_service, make_service

SITE = hsds.Site("https://directory.example")


@pytest.fixture
def listings(db):
    make_postcode("BD21 3DN", 53.8687, -1.9075)
    make_postcode("BD7 1DP", 53.7857, -1.7709)
    synthetic.generate(50, seed=21)
    rich = make_rich_service()
    rich.locations.add(make_location(rich.organisation, town="Bradford", address="2 Example Street"))
    # A place that belongs to another organisation (a hall it rents), and a second
    # service of the same organisation: the organisation is shown for each.
    rich.locations.add(make_location(make_organisation("Landlord"), town="Alnwick", address="9 Far Street"))
    make_service("Second of the same", organisation=rich.organisation, communities=["indian"], referrals=["gp"])
    for pk in [*random.Random(4).sample(list(Service.objects.values_list("pk", flat=True)), 12), rich.pk]:
        ServiceTranslation.objects.create(service_id=pk, language="ur", name=f"ur {pk}", description="ur text.")
    OrganisationTranslation.objects.create(organisation=rich.organisation, language="ur", description="ur about us.")
    return sorted(Service.objects.public().values_list("pk", flat=True))


@pytest.mark.parametrize("language", ["en-gb", "ur"])
@pytest.mark.parametrize("document", [hsds.service_summary, hsds.service_document])
def test_the_documents_are_those_of_the_prefetching_queryset(listings, language, document):
    pages = [listings[i : i + 20] for i in range(0, len(listings), 20)] + [random.Random(5).sample(listings, 20)]
    with translation.override(language):
        for pks in pages:
            expected = hsds.published_services().in_bulk(pks)
            found = hsds.published_services_by_id(pks)
            assert sorted(found) == sorted(expected)
            for pk in pks:
                assert document(found[pk], SITE) == document(expected[pk], SITE), pk


def test_a_service_the_public_cannot_see_is_left_out(listings):
    hidden = Service.objects.get(pk=listings[0])
    hidden.status = "draft"
    hidden.save()
    assert hidden.pk not in hsds.published_services_by_id(listings[:5])


@pytest.mark.parametrize("language", ["en-gb", "ur"])
def test_a_page_takes_no_more_queries_and_its_documents_none(listings, language):
    pks = listings[:30]
    vocabulary = Vocabulary.load()  # as a running site keeps it per directory version
    with translation.override(language):
        with CaptureQueriesContext(connection) as prefetched:
            hsds.published_services().in_bulk(pks)
        with CaptureQueriesContext(connection) as read:
            found = hsds.published_services_by_id(pks, vocabulary)
        with CaptureQueriesContext(connection) as documents:
            for service in found.values():
                hsds.service_document(service, SITE)
    assert len(read) <= len(prefetched)
    assert len(documents) == 0
