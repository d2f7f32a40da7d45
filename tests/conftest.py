import pytest
from django.test import override_settings

from tests.factories import (
    make_group_moderator,
    make_location,
    make_member,
    make_moderator,
    make_organisation,
    make_service,
    make_user,
)


@pytest.fixture(autouse=True)
def english_to_start_with():
    """Each test starts in English. A request for a page under /ur/ leaves Urdu active in the
    thread afterwards, which would otherwise change what the next test's gettext returns."""
    from django.utils import translation

    translation.activate("en-gb")
    yield
    translation.deactivate()


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


@pytest.fixture(autouse=True)
def fresh_map_answers():
    """The map keeps its answers as in production with Redis (partners.map_cache), so every
    test also checks that a change shows at once; a rolled-back test's listings are gone
    without a signal, so each test starts with no answer kept. (override_settings, not the
    `settings` fixture: that would be set up first and undone last, after other fixtures'
    teardowns that expect the test's own settings undone.)"""
    from partners.map_cache import forget_answers

    with override_settings(MAP_CACHE_SECONDS=15 * 60):
        forget_answers()
        yield


# --- Organisation staff: the cast of the access tests ---------------------------------------


@pytest.fixture
def sunrise(db):
    """A published organisation with one service ("talking-circle") at one place."""
    organisation = make_organisation("Sunrise", slug="sunrise")
    place = make_location(organisation)
    make_service("Talking circle", slug="talking-circle", organisation=organisation, locations=[place])
    return organisation


@pytest.fixture
def owner(sunrise):
    return make_member(sunrise, email="owner@sunrise.example", role="owner").user


@pytest.fixture
def editor(sunrise):
    """Edits Sunrise's listings but may not manage its team."""
    return make_member(sunrise, email="editor@sunrise.example", role="editor").user


@pytest.fixture
def stranger(db):
    """The owner of another organisation: staff, but nothing of Sunrise's is theirs."""
    return make_member(make_organisation("Elsewhere", slug="elsewhere"), email="stranger@elsewhere.example").user


@pytest.fixture
def group_moderator(db):
    """A moderator as docs/staff-and-moderators.md sets one up: staff and the Moderators group, not superuser."""
    return make_group_moderator()
