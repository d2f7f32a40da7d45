"""Signed one-tap links (editing/links.py): one purpose, one listing, one address, and an expiry."""

from datetime import timedelta

import pytest
from django.core import signing
from django.test import override_settings
from django.utils import timezone

from editing.links import BadLink, make_token, read_token
from tests.factories import make_organisation, make_service

pytestmark = pytest.mark.django_db


def test_a_link_reads_back_as_the_listing_and_address_it_was_made_for():
    service = make_service()
    token = make_token("confirm", service, "owner@example.org")
    tap = read_token("confirm", token)
    assert (tap.purpose, tap.listing, tap.email, tap.extra) == ("confirm", service, "owner@example.org", {})


def test_an_organisation_link_reads_back_as_the_organisation():
    organisation = make_organisation()
    tap = read_token("confirm", make_token("confirm", organisation, "a@example.org"))
    assert tap.listing == organisation


def test_extra_details_are_signed_with_the_rest():
    service = make_service()
    tap = read_token("capacity", make_token("capacity", service, "a@example.org", answer="waiting"))
    assert tap.extra == {"answer": "waiting"}


def test_a_link_made_for_one_purpose_is_refused_for_another():
    token = make_token("confirm", make_service(), "a@example.org")
    with pytest.raises(BadLink) as error:
        read_token("capacity", token)
    assert not error.value.expired


def test_a_changed_character_makes_the_link_invalid():
    token = make_token("confirm", make_service(), "a@example.org")
    damaged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with pytest.raises(BadLink):
        read_token("confirm", damaged)


@pytest.mark.parametrize("garbage", ["", "x", "a:b:c", "é" * 50, "." * 300])
def test_garbage_is_an_invalid_link_not_an_error(garbage):
    with pytest.raises(BadLink) as error:
        read_token("confirm", garbage)
    assert not error.value.expired


def test_a_validly_signed_payload_of_the_wrong_shape_is_invalid():
    token = signing.dumps({"k": "z", "id": "one"}, salt="editing.links.confirm")
    with pytest.raises(BadLink):
        read_token("confirm", token)


def test_a_link_to_a_deleted_listing_is_invalid():
    service = make_service()
    token = make_token("confirm", service, "a@example.org")
    service.delete()
    with pytest.raises(BadLink):
        read_token("confirm", token)


@override_settings(ONE_TAP_LINK_DAYS=60)
def test_a_link_works_until_its_expiry_and_not_after(monkeypatch):
    service = make_service()
    made = timezone.now()
    token = make_token("confirm", service, "a@example.org")
    monkeypatch.setattr("django.core.signing.time.time", lambda: (made + timedelta(days=59)).timestamp())
    assert read_token("confirm", token).listing == service
    monkeypatch.setattr("django.core.signing.time.time", lambda: (made + timedelta(days=61)).timestamp())
    with pytest.raises(BadLink) as error:
        read_token("confirm", token)
    assert error.value.expired


def test_an_unknown_purpose_is_a_programming_error():
    with pytest.raises(ValueError):
        make_token("edit", make_service(), "a@example.org")
