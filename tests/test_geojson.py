"""/search/geojson/: the map's points for the same search as the list."""

import json

import pytest

from partners import map_cache
from partners.models import Location, Service, ServiceLanguage, ServiceTranslation, Status
from partners.search import map as search_module
from tests.factories import make_location, make_organisation, make_postcode, make_service

pytestmark = pytest.mark.django_db

KEIGHLEY = (53.868739, -1.907502)
BRADFORD = (53.7935, -1.7499)


def geojson(client, **params) -> dict:
    response = client.get("/search/geojson/", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return response.json()


def point(latitude, longitude):
    return make_location(make_organisation(), latitude=latitude, longitude=longitude)


@pytest.fixture
def mapped(db):
    make_postcode("BD21 3DN", *KEIGHLEY)
    organisation = make_organisation("Sunrise")
    return {
        "two_places": make_service(
            "Two places",
            organisation=organisation,
            slug="two-places",
            description="We meet twice a week. Bring a friend.",
            languages=["ur"],
            locations=[
                make_location(organisation, latitude=KEIGHLEY[0], longitude=KEIGHLEY[1], address="1 Low St"),
                make_location(organisation, latitude=BRADFORD[0], longitude=BRADFORD[1], address="2 High St"),
            ],
        ),
        "remote": make_service("Phone only", languages=["ur"]),
        "other": make_service("Other language", languages=["pl"], locations=[point(*BRADFORD)]),
    }


def test_it_is_a_feature_collection_of_points(client, mapped):
    data = geojson(client)
    assert data["type"] == "FeatureCollection"
    assert {f["geometry"]["type"] for f in data["features"]} == {"Point"}
    assert all(f["type"] == "Feature" for f in data["features"])


def test_each_location_of_a_matching_service_is_a_feature(client, mapped):
    features = geojson(client, language="ur")["features"]
    assert [f["properties"]["name"] for f in features] == ["Two places", "Two places"]
    assert sorted(f["geometry"]["coordinates"] for f in features) == sorted(
        [[round(KEIGHLEY[1], 5), round(KEIGHLEY[0], 5)], [BRADFORD[1], BRADFORD[0]]]
    )


def test_features_carry_what_a_popup_shows(client, mapped):
    feature = geojson(client, language="ur")["features"][0]
    properties = feature["properties"]
    assert properties["url"] == "/services/two-places/"
    assert properties["organisation"] == "Sunrise"
    assert properties["summary"] == "We meet twice a week."
    assert properties["address"].startswith(("1 Low St", "2 High St"))


def test_services_with_no_location_are_left_out(client, mapped):
    names = {f["properties"]["name"] for f in geojson(client)["features"]}
    assert "Phone only" not in names


def test_a_place_search_keeps_only_locations_within_the_radius_with_their_distance(client, mapped):
    features = geojson(client, postcode="BD21 3DN", radius="3")["features"]
    assert len(features) == 1
    assert features[0]["properties"]["address"].startswith("1 Low St")
    assert features[0]["properties"]["distance"] == 0.0


def test_bbox_keeps_only_locations_inside_it(client, mapped):
    west, south, east, north = BRADFORD[1] - 0.01, BRADFORD[0] - 0.01, BRADFORD[1] + 0.01, BRADFORD[0] + 0.01
    features = geojson(client, bbox=f"{west},{south},{east},{north}")["features"]
    assert sorted(f["properties"]["name"] for f in features) == ["Other language", "Two places"]


def test_keywords_apply_to_the_map_as_to_the_list(client, mapped):
    features = geojson(client, q="Urdu")["features"]
    assert {f["properties"]["name"] for f in features} == {"Two places"}


def test_text_is_data_not_markup(client, db):
    make_service('<b>Bold</b> & "quoted"', locations=[point(*KEIGHLEY)])
    assert geojson(client)["features"][0]["properties"]["name"] == '<b>Bold</b> & "quoted"'


def make_points(count: int) -> None:
    """One service at `count` places, quickly."""
    organisation = make_organisation()
    service = make_service("Everywhere", organisation=organisation)
    locations = Location.objects.bulk_create(
        Location(organisation=organisation, latitude=53.5 + (i % 40) * 0.01, longitude=-2.2 + (i // 40) * 0.01)
        for i in range(count)
    )
    Service.locations.through.objects.bulk_create(
        Service.locations.through(service=service, location=location) for location in locations
    )


def test_past_the_limit_points_are_grouped_into_clusters_with_counts(client, db):
    make_points(search_module.MAP_MAX_POINTS + 1)
    data = geojson(client)
    assert data["properties"]["clustered"] is True
    assert len(data["features"]) <= search_module.MAP_MAX_POINTS
    clusters = [f for f in data["features"] if f["properties"].get("cluster")]
    assert clusters
    assert all(f["properties"]["count"] > 1 for f in clusters)
    singles = [f for f in data["features"] if not f["properties"].get("cluster")]
    assert sum(f["properties"]["count"] for f in clusters) + len(singles) == search_module.MAP_MAX_POINTS + 1
    west, south, east, north = clusters[0]["properties"]["bounds"]
    assert west <= clusters[0]["geometry"]["coordinates"][0] <= east
    assert south <= clusters[0]["geometry"]["coordinates"][1] <= north


def test_up_to_the_limit_every_point_is_its_own_feature(client, db, monkeypatch):
    monkeypatch.setattr(search_module, "MAP_MAX_POINTS", 50)
    make_points(50)
    data = geojson(client)
    assert data["properties"]["clustered"] is False
    assert len(data["features"]) == 50


def test_a_lone_point_in_a_cluster_grid_cell_stays_a_service(client, db, monkeypatch):
    monkeypatch.setattr(search_module, "MAP_MAX_POINTS", 5)
    make_points(10)
    make_service("Far away", slug="far-away", locations=[point(55.0, -1.0)])
    features = geojson(client)["features"]
    far = [f for f in features if f["properties"].get("url") == "/services/far-away/"]
    assert len(far) == 1
    assert far[0]["properties"]["url"] == "/services/far-away/"


# vocabularies 2, postcode 1, the points (or clusters) with their extent 1
GEOJSON_QUERIES = 4


@pytest.mark.parametrize("count", [3, 30])
def test_the_query_count_does_not_depend_on_the_number_of_points(client, db, django_assert_num_queries, count):
    make_postcode("BD21 3DN", *KEIGHLEY)
    for i in range(count):
        make_service(f"Service {i}", languages=["ur"], locations=[point(KEIGHLEY[0] + i * 0.001, KEIGHLEY[1])])
    with django_assert_num_queries(GEOJSON_QUERIES):
        data = geojson(client, postcode="BD21 3DN", radius="10", language="ur")
    assert len(data["features"]) == count


def test_clustering_takes_the_same_number_of_queries(client, db, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(search_module, "MAP_MAX_POINTS", 5)
    make_points(30)
    with django_assert_num_queries(GEOJSON_QUERIES - 1):  # no postcode to look up
        data = geojson(client)
    assert data["properties"]["clustered"] is True


# --- In the visitor's language (/ur/search/geojson/, /pl/…) ------------------------------


@pytest.fixture
def translated_listing(mapped):
    ServiceTranslation.objects.create(
        service=mapped["two_places"],
        language="ur",
        name="دو جگہیں",
        description="ہم ہفتے میں دو بار ملتے ہیں. دوست کو لائیں.",
    )
    return mapped


def test_under_a_language_prefix_a_popup_has_the_listings_translation(client, translated_listing):
    response = client.get("/ur/search/geojson/", {"language": "ur"})
    assert response.status_code == 200
    properties = [f["properties"] for f in response.json()["features"]]
    assert {p["name"] for p in properties} == {"دو جگہیں"}
    assert all(p["summary"].startswith("ہم ہفتے میں دو بار ملتے ہیں") for p in properties)
    assert all(p["url"] == "/ur/services/two-places/" for p in properties)
    assert all(p["inEnglish"] == [] for p in properties)
    assert all(p["organisation"] == "Sunrise" for p in properties)  # names of organisations as written


def test_a_listing_without_a_translation_is_english_and_marked_so(client, translated_listing):
    properties = [f["properties"] for f in client.get("/pl/search/geojson/").json()["features"]]
    assert {p["name"] for p in properties} == {"Two places", "Other language"}
    assert all(p["inEnglish"] == ["name", "summary"] for p in properties)
    assert all(p["url"].startswith("/pl/services/") for p in properties)


def test_the_english_map_is_unchanged_by_translations(client, translated_listing):
    properties = [f["properties"] for f in geojson(client)["features"]]
    assert "Two places" in {p["name"] for p in properties}
    assert not any("inEnglish" in p for p in properties)


@pytest.mark.parametrize("count", [3, 30])
def test_a_language_adds_one_query_whatever_the_number_of_points(client, db, django_assert_num_queries, count):
    make_postcode("BD21 3DN", *KEIGHLEY)
    for i in range(count):
        make_service(f"Service {i}", languages=["ur"], locations=[point(KEIGHLEY[0] + i * 0.001, KEIGHLEY[1])])
    with django_assert_num_queries(GEOJSON_QUERIES + 1):  # the listings' translations
        response = client.get("/ur/search/geojson/", {"postcode": "BD21 3DN", "radius": "10", "language": "ur"})
    assert len(response.json()["features"]) == count


def test_a_translated_search_page_asks_for_the_map_points_in_its_language(client, mapped):
    content = client.get("/ur/search/", {"language": "ur"}).content.decode()
    config = json.loads(content.split('id="map-config" type="application/json">')[1].split("</script>")[0])
    assert config["geojsonUrl"].startswith("/ur/search/geojson/?")
    # The popup's own words come from the page, in its language.
    popup = content.split("<template data-popup-template>")[1].split("</template>")[0]
    assert "فون" in popup
    assert "Phone" not in popup


def test_the_service_pages_map_names_the_service_in_the_visitors_language(client, translated_listing):
    content = client.get("/ur/services/two-places/").content.decode()
    config = json.loads(content.split('id="map-config" type="application/json">')[1].split("</script>")[0])
    assert {f["properties"]["name"] for f in config["features"]} == {"دو جگہیں"}
    content = client.get("/pl/services/two-places/").content.decode()
    config = json.loads(content.split('id="map-config" type="application/json">')[1].split("</script>")[0])
    assert all(f["properties"]["inEnglish"] == ["name"] for f in config["features"])


@pytest.mark.parametrize("query", [{"bbox": "garbage"}, {"support": "no-such-type"}, {"age": "old"}])
def test_garbage_under_a_language_prefix_is_a_400_in_that_language(client, mapped, query):
    english = client.get("/search/geojson/", query)
    polish = client.get("/pl/search/geojson/", query)
    assert english.status_code == polish.status_code == 400
    assert polish.json()["errors"] != english.json()["errors"]


# --- Kept answers (partners.map_cache) ----------------------------------------------------


def names_on_the_map(client, **params) -> set[str]:
    return {f["properties"]["name"] for f in geojson(client, **params)["features"]}


def test_the_same_map_again_reads_no_listing(client, mapped, django_assert_num_queries):
    first = geojson(client)
    with django_assert_num_queries(2):  # the vocabularies, to validate the parameters; no points
        again = geojson(client)
    assert again == first


def test_without_a_shared_cache_nothing_is_kept(client, mapped, settings, django_assert_num_queries):
    # The default without REDIS_URL: another process's change could never reach this one.
    settings.MAP_CACHE_SECONDS = 0
    first = geojson(client)
    with django_assert_num_queries(3):  # vocabularies 2, the points 1: asked again
        assert geojson(client) == first


def test_filters_are_kept_under_their_own_key(client, mapped, django_assert_num_queries):
    assert names_on_the_map(client) == {"Two places", "Other language"}
    assert names_on_the_map(client, language="pl") == {"Other language"}
    with django_assert_num_queries(2):
        assert names_on_the_map(client, language="pl") == {"Other language"}


def test_a_map_area_is_never_kept(client, mapped, django_assert_num_queries):
    west, south, east, north = BRADFORD[1] - 0.01, BRADFORD[0] - 0.01, BRADFORD[1] + 0.01, BRADFORD[0] + 0.01
    box = f"{west},{south},{east},{north}"
    assert names_on_the_map(client, bbox=box) == {"Other language", "Two places"}
    with django_assert_num_queries(3):  # vocabularies 2, the points 1: asked again
        assert names_on_the_map(client, bbox=box) == {"Other language", "Two places"}


def test_a_new_published_service_is_on_the_map_at_once(client, mapped):
    assert "Newcomer" not in names_on_the_map(client)
    make_service("Newcomer", locations=[point(*KEIGHLEY)])
    assert "Newcomer" in names_on_the_map(client)


def test_unpublishing_a_service_takes_it_off_the_map_at_once(client, mapped):
    assert "Other language" in names_on_the_map(client)
    service = mapped["other"]
    service.status = Status.DRAFT
    service.save()
    assert "Other language" not in names_on_the_map(client)


def test_unpublishing_an_organisation_takes_its_services_off_the_map_at_once(client, mapped):
    assert "Two places" in names_on_the_map(client)
    organisation = mapped["two_places"].organisation
    organisation.status = Status.DRAFT
    organisation.save()
    assert "Two places" not in names_on_the_map(client)


def test_an_edit_shows_on_the_map_at_once(client, mapped):
    assert "Other language" in names_on_the_map(client)
    service = mapped["other"]
    service.name = "Renamed"
    service.save()
    assert names_on_the_map(client) == {"Two places", "Renamed"}


def test_a_place_moved_or_unlinked_shows_on_the_map_at_once(client, mapped):
    two_places = mapped["two_places"]
    assert len(geojson(client, language="ur")["features"]) == 2
    location = two_places.locations.get(address="2 High St")
    two_places.locations.remove(location)  # a many-to-many change, no save()
    assert len(geojson(client, language="ur")["features"]) == 1
    keighley = two_places.locations.get()
    keighley.latitude, keighley.longitude = BRADFORD
    keighley.save()
    assert geojson(client, language="ur")["features"][0]["geometry"]["coordinates"] == [BRADFORD[1], BRADFORD[0]]


def test_a_language_change_shows_on_the_map_at_once(client, mapped):
    assert names_on_the_map(client, language="pl") == {"Other language"}
    ServiceLanguage.objects.filter(service=mapped["other"]).delete()
    assert names_on_the_map(client, language="pl") == set()


def test_a_bulk_change_that_says_so_shows_on_the_map_at_once(client, mapped):
    assert "Other language" in names_on_the_map(client)
    Service.objects.filter(pk=mapped["other"].pk).update(status=Status.DRAFT)  # no signal
    map_cache.directory_changed()
    assert "Other language" not in names_on_the_map(client)


def test_each_language_has_its_own_kept_map(client, translated_listing):
    assert names_on_the_map(client) == {"Two places", "Other language"}
    translated = {f["properties"]["name"] for f in client.get("/ur/search/geojson/").json()["features"]}
    assert translated == {"دو جگہیں", "Other language"}


def test_open_now_is_never_kept(client, mapped, django_assert_num_queries):
    geojson(client, open_now="1")
    with django_assert_num_queries(3):  # vocabularies 2, the points 1: asked again
        geojson(client, open_now="1")


@pytest.fixture
def broken_cache(monkeypatch):
    from django.core.cache import cache

    def fail(*args, **kwargs):
        raise ConnectionError("the cache is down")

    for method in ("get", "set", "add"):
        monkeypatch.setattr(cache, method, fail)


def test_with_the_cache_down_the_map_still_answers(client, mapped, broken_cache):
    assert names_on_the_map(client) == {"Two places", "Other language"}
    make_service("Newcomer", locations=[point(*KEIGHLEY)])  # bumping the version fails too
    assert names_on_the_map(client) == {"Two places", "Other language", "Newcomer"}


def test_a_feature_carries_only_what_the_popup_shows_in_compact_json(client, db):
    make_service(
        "Talking Circle",
        slug="talking-circle",
        description="A weekly group for women. More words follow.",
        phone="01274 000000",
        locations=[make_location(make_organisation("Sunrise"), latitude=53.123456789, longitude=-1.987654321)],
    )
    response = client.get("/search/geojson/")
    feature = response.json()["features"][0]
    assert set(feature["properties"]) == {"name", "url", "organisation", "summary", "address", "phone"}
    assert feature["geometry"]["coordinates"] == [-1.98765, 53.12346]
    assert response.content.startswith(b'{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{')


def test_a_full_map_of_typical_listings_stays_small(client, db, monkeypatch):
    """MAP_MAX_POINTS separate points is the largest answer. Listings like these cost about
    350 bytes a point, so 1,000 of them are about 350 KB, still above issue 12's 200 KB
    (docs/performance.md); this keeps it from growing again."""
    monkeypatch.setattr(search_module, "MAP_MAX_POINTS", 50)
    organisation = make_organisation("Bradford Community Wellbeing Trust")
    for i in range(50):
        make_service(
            f"Peer support group number {i:02d}",
            organisation=organisation,
            description="Weekly peer support for people who feel low or anxious. We also offer one to one time.",
            phone="01274 123456",
            locations=[
                make_location(
                    organisation, latitude=53.7 + i / 1000, longitude=-1.75 - i / 1000, address="12 Manor Row"
                )
            ],
        )
    response = client.get("/search/geojson/")
    data = response.json()
    assert len(data["features"]) == 50 and not data["properties"]["clustered"]
    assert len(response.content) / 50 <= 360  # bytes a feature (before: about 410)
