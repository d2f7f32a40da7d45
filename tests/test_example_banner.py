"""The sample-data banner: on every public page while example listings are published,
and answered from a small index rather than a scan of every organisation."""

import pytest
from django.db import connection

from partners.context_processors import published_examples
from partners.models import Status
from tests.factories import make_service

BANNER = "These listings are examples."


@pytest.fixture
def listing(db):
    return make_service(name="Talking Together")


def test_pages_say_the_listings_are_examples_while_sample_organisations_are_published(client, listing):
    listing.organisation.is_example = True
    listing.organisation.save()

    assert BANNER in client.get(listing.get_absolute_url()).content.decode()
    assert BANNER in client.get("/search/").content.decode()


def test_no_banner_for_real_listings(client, listing):
    assert BANNER not in client.get(listing.get_absolute_url()).content.decode()


def test_no_banner_when_the_only_example_organisation_is_a_draft(client, listing):
    example = make_service(name="Sample group").organisation
    example.is_example = True
    example.status = Status.DRAFT
    example.save()

    assert BANNER not in client.get(listing.get_absolute_url()).content.decode()


def test_the_banner_question_uses_the_example_index_not_a_scan(listing):
    if connection.vendor == "postgresql":
        # A handful of rows is cheaper to scan; ask whether the index can answer it at all.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = published_examples().explain()
    assert "organisation_examples" in plan
