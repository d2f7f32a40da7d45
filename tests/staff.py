"""Shared helpers for the organisation-staff tests (accounts, manage, moderation, freshness)."""

import pytest


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Real password hashing takes most of a second per user; these tests are about permissions, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
