"""The directory's version (partners.map_cache) is read from the cache once a request: every
reader in the request (the vocabularies, the sample-data banner, the facet index) sees
that one version, a change the request makes itself is seen at once, and outside a
request every call reads the cache."""

from django.core.cache import cache

from partners import map_cache
from partners.models import Community


class CountingCache:
    """The cache, counting the reads of the directory's version."""

    def __init__(self):
        self.version_reads = 0

    def get(self, key, *args, **kwargs):
        if key == map_cache.VERSION_KEY:
            self.version_reads += 1
        return cache.get(key, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(cache, name)


def test_a_results_page_reads_the_version_from_the_cache_once(db, client, monkeypatch):
    client.get("/search/")  # the facet index and the kept rows made
    counting = CountingCache()
    monkeypatch.setattr(map_cache, "cache", counting)

    client.get("/search/", {"language": "ur", "support": "counselling"})

    assert counting.version_reads == 1


def test_a_change_by_another_process_is_seen_by_the_next_request_not_inside_this_one(db):
    map_cache._request_started()
    try:
        first = map_cache.version()
        cache.set(map_cache.VERSION_KEY, "changed-elsewhere", None)
        inside = map_cache.version()
    finally:
        map_cache._request_finished()

    assert inside == first
    assert map_cache.version() == "changed-elsewhere"


def test_a_change_the_request_makes_is_seen_at_once(db):
    community = Community.objects.first()
    map_cache._request_started()
    try:
        before = map_cache.version()
        community.name = "Renamed inside the request"
        community.save()
        after = map_cache.version()
    finally:
        map_cache._request_finished()

    assert after != before


def test_outside_a_request_every_call_reads_the_cache(db):
    map_cache.version()
    cache.set(map_cache.VERSION_KEY, "changed-elsewhere", None)

    assert map_cache.version() == "changed-elsewhere"
