import pytest

from tests.factories import make_moderator, make_user


@pytest.fixture
def moderator(db):
    return make_moderator()


@pytest.fixture
def alice(db):
    """A member of the public with an account but no organisation."""
    return make_user(email="alice@example.org")


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client
