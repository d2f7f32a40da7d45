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


@pytest.fixture(autouse=True)
def crisis_lines_cached():
    """Every page shows the crisis lines, from the cache in a running site. Start each test
    with them cached (the national lines, without touching the database) so the query
    counts pinned elsewhere are each page's own; tests of the lines clear it themselves."""
    from django.core.cache import cache

    from signposting.crisis import CACHE_KEY, national_lines

    cache.set(CACHE_KEY, national_lines())
