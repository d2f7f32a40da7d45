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


def details(client, feature, prefix="") -> dict:
    """What the popup of a map point shows, fetched as static/js/map.js does when it opens."""
    response = client.get(f"{prefix}/search/geojson/{feature['id']}/")
    assert response.status_code == 200
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


def test_a_points_popup_details_come_from_its_own_address(client, mapped):
    features = geojson(client, language="ur")["features"]
    popups = [details(client, feature) for feature in features]
    assert {p["url"] for p in popups} == {"/services/two-places/"}
    assert {p["organisation"] for p in popups} == {"Sunrise"}
    assert {p["summary"] for p in popups} == {"We meet twice a week."}
    # Each point is its own place of the service.
    assert sorted(p["address"].split(",")[0] for p in popups) == ["1 Low St", "2 High St"]


def test_a_point_the_public_cannot_see_has_no_details(client, mapped):
    (feature, _) = geojson(client, language="ur")["features"]
    service = mapped["two_places"]
    service.status = Status.DRAFT
    service.save()
    assert client.get(f"/search/geojson/{feature['id']}/").status_code == 404
    assert client.get("/search/geojson/0/").status_code == 404
    assert client.get(f"/search/geojson/{2**63}/").status_code == 404  # past the largest id: no database error


# the link with its service and organisation and place 1; its translations 1 more in a language
POINT_QUERIES = 1


def test_a_points_details_take_one_query_and_one_more_in_a_language(client, mapped, django_assert_num_queries):
    (feature, _) = geojson(client, language="ur")["features"]
    with django_assert_num_queries(POINT_QUERIES):
        assert client.get(f"/search/geojson/{feature['id']}/").status_code == 200
    with django_assert_num_queries(POINT_QUERIES + 1):
        assert client.get(f"/ur/search/geojson/{feature['id']}/").status_code == 200


def test_services_with_no_location_are_left_out(client, mapped):
    names = {f["properties"]["name"] for f in geojson(client)["features"]}
    assert "Phone only" not in names


def test_a_place_search_keeps_only_locations_within_the_radius_with_their_distance(client, mapped):
    features = geojson(client, postcode="BD21 3DN", radius="3")["features"]
    assert len(features) == 1
    assert details(client, features[0])["address"].startswith("1 Low St")
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
    far = [f for f in features if f["properties"].get("name") == "Far away"]
    assert len(far) == 1
    assert details(client, far[0])["url"] == "/services/far-away/"


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
    features = response.json()["features"]
    assert {f["properties"]["name"] for f in features} == {"دو جگہیں"}
    properties = [details(client, feature, "/ur") for feature in features]
    assert {p["name"] for p in properties} == {"دو جگہیں"}
    assert all(p["summary"].startswith("ہم ہفتے میں دو بار ملتے ہیں") for p in properties)
    assert all(p["url"] == "/ur/services/two-places/" for p in properties)
    assert all(p["inEnglish"] == [] for p in properties)
    assert all(p["organisation"] == "Sunrise" for p in properties)  # names of organisations as written


def test_a_listing_without_a_translation_is_english_and_marked_so(client, translated_listing):
    features = client.get("/pl/search/geojson/").json()["features"]
    properties = [details(client, feature, "/pl") for feature in features]
    assert {p["name"] for p in properties} == {"Two places", "Other language"}
    assert all(p["inEnglish"] == ["name", "summary"] for p in properties)
    assert all(p["url"].startswith("/pl/services/") for p in properties)


def test_the_english_map_is_unchanged_by_translations(client, translated_listing):
    properties = [details(client, feature) for feature in geojson(client)["features"]]
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
    assert config["pointUrl"] == "/ur/search/geojson/0/"
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


def test_an_answer_kept_by_code_of_another_format_is_never_read(client, mapped, monkeypatch, django_assert_num_queries):
    # After a deploy that changes what an answer holds, the answers kept before it are not read.
    monkeypatch.setattr(map_cache, "FORMAT", map_cache.FORMAT - 1)
    geojson(client)
    monkeypatch.undo()
    with django_assert_num_queries(3):  # vocabularies 2, the points 1: computed afresh
        assert "id" in geojson(client)["features"][0]


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


def test_a_feature_carries_only_what_its_marker_needs_in_compact_json(client, db):
    make_service(
        "Talking Circle",
        slug="talking-circle",
        description="A weekly group for women. More words follow.",
        phone="01274 000000",
        locations=[make_location(make_organisation("Sunrise"), latitude=53.123456789, longitude=-1.987654321)],
    )
    response = client.get("/search/geojson/")
    feature = response.json()["features"][0]
    assert set(feature) == {"type", "id", "geometry", "properties"}
    assert feature["properties"] == {"name": "Talking Circle"}
    assert feature["geometry"]["coordinates"] == [-1.98765, 53.12346]
    assert response.content.startswith(b'{"type":"FeatureCollection","features":[{"type":"Feature","id":')
    assert details(client, feature)["phone"] == "01274 000000"


def test_a_long_name_is_cut_to_fit_the_marker(client, db):
    make_service("Peer support " * 15, locations=[point(*KEIGHLEY)])
    name = geojson(client)["features"][0]["properties"]["name"]
    assert name.endswith("…") and name.startswith("Peer support Peer")
    assert len(name.encode()) <= search_module.NAME_MAX_BYTES
    # The popup has the whole name.
    assert details(client, geojson(client)["features"][0])["name"] == "Peer support " * 15


@pytest.mark.parametrize(
    "text",
    [
        "Peer support " * 30,
        "دو جگہیں ہم ہفتے میں دو بار ملتے ہیں " * 10,  # Urdu: 2 bytes a letter
        "\U0001f4de" * 200,  # 4 bytes a character (a telephone emoji)
        '"\\' * 100,  # escaped in JSON: 2 bytes each
        "\x01\x02" * 100,  # control characters: 6 bytes each
        "short",
        "",
    ],
)
def test_a_cut_text_never_passes_its_budget_in_json(text):
    for budget in (10, 60, search_module.NAME_MAX_BYTES):
        cut = search_module.fit(text, budget)
        assert len(json.dumps(cut, ensure_ascii=False).encode()) - 2 <= budget
        assert cut == " ".join(text.split()) or cut.endswith("…")


def worst_case_points(count: int) -> None:
    """`count` points, each of a service whose name is as long as the form allows, in
    several scripts, at coordinates with every decimal, far from each other in ids."""
    names = [
        "Ā" * 200,  # 2 bytes a letter
        "ہم ہفتے میں دو بار ملتے ہیں" * 8,
        "\U0001f4de" * 200,  # 4 bytes a character (a telephone emoji)
        '"' * 200,  # 2 bytes each in JSON
        "\x01" * 200,  # 6 bytes each in JSON
    ]
    organisation = make_organisation("م" * 200, phone="0" * 40)
    locations = Location.objects.bulk_create(
        Location(
            organisation=organisation,
            name="ن" * 200,
            address="ب" * 255,
            town="ت" * 100,
            postcode="BD21 3DN",
            latitude=-89.123456789 + (i % 40) * 0.0123456789,
            longitude=-179.123456789 + (i // 40) * 0.0123456789,
        )
        for i in range(count)
    )
    services = []
    for i in range(count):
        name = f"{i} {names[i % len(names)]}"[:200]
        service = Service(
            organisation=organisation,
            name=name,
            slug=f"{i:05d}-" + "s" * 214,
            description="ع" * 2000,
            phone="0" * 40,
            hours="Mo-Fr 09:00-17:00",
            status=Status.PUBLISHED,
        )
        services.append(service)
    Service.objects.bulk_create(services)
    Service.locations.through.objects.bulk_create(
        Service.locations.through(service=service, location=location)
        for service, location in zip(services, locations, strict=True)
    )
    ServiceTranslation.objects.bulk_create(
        ServiceTranslation(service=service, language="ur", name="ی" * 200, description="ی" * 2000)
        for service in services[::2]
    )
    map_cache.directory_changed()


def assert_within_the_guarantee(response) -> dict:
    data = response.json()
    assert len(data["features"]) <= search_module.MAP_MAX_FEATURES == 1000
    assert len(response.content) <= search_module.MAP_MAX_BYTES == 200_000
    return data


@pytest.mark.parametrize("prefix", ["", "/ur", "/ar"])
def test_the_largest_map_of_separate_points_stays_within_200_kb_and_1000_features(client, db, prefix):
    worst_case_points(search_module.MAP_MAX_POINTS)
    response = client.get(f"{prefix}/search/geojson/")
    data = assert_within_the_guarantee(response)
    assert len(data["features"]) == search_module.MAP_MAX_POINTS and not data["properties"]["clustered"]
    # Every name was cut to its budget. The rest of the 200 KB is the room kept for ids of
    # 19 digits and distances (here ids are short and there is no place searched).
    assert all(f["properties"]["name"].endswith("…") for f in data["features"])
    assert len(response.content) > 0.8 * search_module.MAP_MAX_BYTES


def test_the_largest_map_of_clusters_stays_within_200_kb_and_1000_features(client, db):
    worst_case_points((search_module.MAP_CLUSTER_GRID + 1) ** 2 * 2)
    data = assert_within_the_guarantee(client.get("/ur/search/geojson/"))
    assert data["properties"]["clustered"]


def test_the_worst_case_of_each_feature_is_counted_as_the_guarantee_says():
    """The sizes map.py counts on, from its own constants (the tests above measure real answers)."""
    points = search_module.MAP_MAX_POINTS * (
        search_module.POINT_MAX_BYTES_WITHOUT_NAME + search_module.NAME_MAX_BYTES + 1
    )
    point = search_module.POINT_MAX_BYTES_WITHOUT_NAME + search_module.NAME_MAX_BYTES
    cell = max(search_module.CLUSTER_MAX_BYTES, point)
    clusters = (search_module.MAP_CLUSTER_GRID + 1) ** 2 * (cell + 1)  # a lone point's cell is that point
    assert search_module.COLLECTION_MAX_BYTES + max(points, clusters) <= search_module.MAP_MAX_BYTES
    assert max(search_module.MAP_MAX_POINTS, (search_module.MAP_CLUSTER_GRID + 1) ** 2) <= 1000
