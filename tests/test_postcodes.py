import gzip
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from geopy.distance import geodesic

from partners.models import Postcode, PostcodeDistrict, normalise_postcode
from partners.postcodes import bundled_data_dir, load_areas, lookup, read_rows


@pytest.fixture
def bradford(db):
    load_areas(["BD"])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("bd213dn", "BD21 3DN"), (" BD21 3DN ", "BD21 3DN"), ("bd21  3dn", "BD21 3DN"), ("BD7", "BD7"), ("bd7 ", "BD7")],
)
def test_postcodes_are_normalised_from_any_case_and_spacing(typed, expected):
    assert normalise_postcode(typed) == expected


def test_loading_an_area_loads_its_postcodes_and_districts(bradford):
    assert Postcode.objects.filter(district="BD21").count() > 500
    assert PostcodeDistrict.objects.filter(code="BD7").exists()
    assert not Postcode.objects.exclude(postcode__startswith="BD").exists()


def test_loading_twice_does_not_duplicate(bradford):
    count = Postcode.objects.count()
    load_areas(["BD"])
    assert Postcode.objects.count() == count


def test_full_postcode_lookup_is_accurate(bradford):
    place = lookup("bd213dn")
    assert place.label == "BD21 3DN"
    assert not place.is_district
    # Keighley town centre: the grid conversion must land within 200 m of it.
    assert geodesic((place.latitude, place.longitude), (53.8679, -1.9064)).meters < 200


def test_outward_code_lookup_gives_the_district_centroid(bradford):
    place = lookup("BD21")
    assert place.is_district
    assert place.label == "BD21"
    assert geodesic((place.latitude, place.longitude), (53.8679, -1.9064)).km < 5


@pytest.mark.parametrize("typed", ["ZZ99 9ZZ", "ZZ9", "hello", "", "   ", "'; DROP TABLE x; --", "B" * 500])
def test_unknown_or_malformed_postcodes_are_not_found(bradford, typed):
    assert lookup(typed) is None


def test_area_names_are_validated(db):
    with pytest.raises(ValueError, match="not a postcode area"):
        load_areas(["B7"])


def test_missing_area_is_reported_by_the_command(db):
    with pytest.raises(CommandError, match="No Code-Point Open data for postcode area QQ"):
        call_command("load_postcodes", "QQ")


def test_command_defaults_to_the_regions_areas(db, settings, capsys):
    settings.POSTCODE_AREAS = ["LA"]
    call_command("load_postcodes")
    assert "LA:" in capsys.readouterr().out
    assert Postcode.objects.filter(postcode__startswith="LA").exists()


def test_command_reads_an_official_code_point_open_zip(db, tmp_path):
    with gzip.open(bundled_data_dir() / "bd.csv.gz", "rt") as handle:
        lines = handle.read().splitlines()[:50]
    path = tmp_path / "codepo_gb.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Data/CSV/bd.csv", "\n".join(lines) + "\n")
    call_command("load_postcodes", "BD", "--zip", str(path), stdout=io.StringIO())
    assert Postcode.objects.count() == 50


def test_zip_without_the_area_is_reported(db, tmp_path):
    path = tmp_path / "codepo_gb.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Data/CSV/ls.csv", "")
    with pytest.raises(CommandError, match=r"no Data/CSV/bd\.csv"):
        call_command("load_postcodes", "BD", "--zip", str(path))


def test_rows_without_a_grid_reference_are_skipped():
    rows = list(read_rows(["BD1 1AA,10,416546,433216", "BD1 1AB,90,0,0", "garbage", "BD1 1AC,10,x,y"]))
    assert rows == [("BD1 1AA", 416546, 433216)]
