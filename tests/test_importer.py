import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from partners.importer import COLUMNS, ImportFailed, import_listings
from partners.models import (
    Language,
    Location,
    Organisation,
    ReferralRoute,
    Service,
    ServiceLanguage,
    Status,
)
from tests.factories import make_postcode

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "bradford-district-and-craven.csv"


def csv_text(*rows: dict, columns: list[str] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def row(**values) -> dict:
    base = {
        "organisation": "Sunrise Wellbeing",
        "service": "Women's talking circle",
        "description": "A weekly group for women. Tea and a chat.",
        "support": "counselling;peer-support",
        "community": "pakistani-kashmiri",
        "language": "en;ur;pa:interpreter",
        "referral": "self;gp",
        "mode": "in-person",
        "address": "12 Oak Lane",
        "town": "Keighley",
        "postcode": "bd213dn",
    }
    base.update(values)
    return base


@pytest.fixture
def postcodes(db):
    make_postcode("BD21 3DN", 53.868739, -1.907502)
    make_postcode("BD7 1AA", 53.7876, -1.7706)


def errors_of(text: str) -> list[str]:
    with pytest.raises(ImportFailed) as failure:
        import_listings(text)
    return [str(e) for e in failure.value.errors]


def test_import_creates_organisation_service_and_relations(postcodes):
    result = import_listings(csv_text(row()))
    service = Service.objects.get()
    assert result.services_created == 1
    assert service.organisation.name == "Sunrise Wellbeing"
    assert service.status == Status.PUBLISHED
    assert sorted(service.support_types.values_list("slug", flat=True)) == ["counselling", "peer-support"]
    assert set(service.service_languages.values_list("language__code", "provision")) == {
        ("en", "staff"),
        ("ur", "staff"),
        ("pa", "interpreter"),
    }
    assert set(service.referral_routes.values_list("kind", flat=True)) == {"self", "gp"}


def test_import_places_location_from_postcode_table(postcodes):
    import_listings(csv_text(row()))
    location = Location.objects.get()
    assert location.postcode == "BD21 3DN"
    assert (location.latitude, location.longitude) == (53.868739, -1.907502)


def test_import_keeps_given_coordinates_over_postcode(postcodes):
    import_listings(csv_text(row(latitude="53.9", longitude="-1.95")))
    assert Location.objects.get().latitude == 53.9


def test_service_without_address_has_no_location(postcodes):
    import_listings(csv_text(row(address="", town="", postcode="", mode="phone;text")))
    assert Service.objects.get().locations.count() == 0


def test_blank_cost_gender_and_status_take_defaults(postcodes):
    import_listings(csv_text(row()))
    service = Service.objects.get()
    assert (service.cost, service.gender, service.status) == ("free", "any", "published")


def test_reimporting_the_same_file_updates_in_place(postcodes):
    text = csv_text(row(), row(service="Phone line", address="", town="", postcode="", mode="phone"))
    import_listings(text)
    result = import_listings(text)
    assert (result.services_created, result.services_updated, result.services_unchanged) == (0, 0, 2)
    assert Organisation.objects.count() == 1
    assert Service.objects.count() == 2
    assert Location.objects.count() == 1
    assert ServiceLanguage.objects.count() == 6
    assert ReferralRoute.objects.count() == 4


def test_reimport_applies_changes_and_removes_dropped_terms(postcodes):
    import_listings(csv_text(row()))
    result = import_listings(
        csv_text(row(support="befriending", language="so", referral="drop-in", description="New."))
    )
    assert result.services_updated == 1
    service = Service.objects.get()
    assert service.description == "New."
    assert list(service.support_types.values_list("slug", flat=True)) == ["befriending"]
    assert list(service.service_languages.values_list("language__code", flat=True)) == ["so"]
    assert list(service.referral_routes.values_list("kind", flat=True)) == ["drop-in"]


def test_a_change_only_to_languages_counts_as_an_update(postcodes):
    import_listings(csv_text(row()))
    assert import_listings(csv_text(row(language="en"))).services_updated == 1


def test_moving_a_service_to_a_new_address_replaces_its_location(postcodes):
    import_listings(csv_text(row()))
    import_listings(csv_text(row(address="Unit 2, Mill Road", postcode="BD7 1AA", town="Bradford")))
    assert list(Service.objects.get().locations.values_list("postcode", flat=True)) == ["BD7 1AA"]


def test_routes_that_stay_keep_the_details_staff_added(postcodes):
    import_listings(csv_text(row()))
    ReferralRoute.objects.filter(kind="gp").update(contact="01632 960111")
    import_listings(csv_text(row(referral="gp")))
    assert list(ReferralRoute.objects.values_list("kind", "contact")) == [("gp", "01632 960111")]


def test_rows_with_the_same_organisation_share_it(postcodes):
    import_listings(csv_text(row(), row(service="Men's group")))
    assert Organisation.objects.count() == 1
    assert Organisation.objects.get().services.count() == 2


def test_unknown_language_code_names_line_and_column(postcodes):
    errors = errors_of(csv_text(row(), row(service="Second", language="en;zz")))
    assert errors == ["line 3, column language: unknown language code 'zz'"]


def test_any_iso_639_code_is_accepted_and_added(postcodes):
    import_listings(csv_text(row(language="sq")))
    assert Language.objects.get(code="sq").name == "Albanian"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"support": "therapy"}, "line 2, column support: unknown support 'therapy'"),
        ({"community": "everyone"}, "line 2, column community: unknown community 'everyone'"),
        ({"mode": "carrier-pigeon"}, "line 2, column mode: unknown mode 'carrier-pigeon'"),
        ({"attribute": "nice"}, "line 2, column attribute: unknown attribute 'nice'"),
        ({"referral": "gp;police"}, "line 2, column referral: unknown referral 'police'"),
        ({"language": "ur:sung"}, "line 2, column language: unknown way of offering 'ur': 'sung'"),
        ({"cost": "cheap"}, "line 2, column cost: unknown cost 'cheap'"),
        ({"gender": "girls"}, "line 2, column gender: unknown gender 'girls'"),
        ({"status": "archived"}, "line 2, column status: unknown status 'archived'"),
        ({"min_age": "ten"}, "line 2, column min_age: 'ten' is not an age in whole years"),
        ({"max_age": "-3"}, "line 2, column max_age: '-3' is not an age in whole years"),
        ({"min_age": "30", "max_age": "18"}, "line 2, column max_age: is lower than min_age"),
        ({"postcode": "ZZ99 9ZZ"}, "line 2, column postcode: unknown postcode 'ZZ99 9ZZ'"),
        ({"postcode": "not a postcode"}, "line 2, column postcode: 'not a postcode' is not a full UK postcode"),
        ({"postcode": "", "address": "Somewhere"}, "line 2, column postcode: a postcode (or latitude"),
        ({"latitude": "north", "longitude": "-1"}, "line 2, column latitude: latitude and longitude must"),
        ({"latitude": "91", "longitude": "0"}, "line 2, column latitude: latitude must be between"),
        ({"service": ""}, "line 2, column service: is required"),
        ({"description": ""}, "line 2, column description: is required"),
        ({"organisation": ""}, "line 2, column organisation: is required"),
        ({"website": "javascript:alert(1)"}, "line 2, column website: 'javascript:alert(1)' is not a web address"),
        ({"email": "nobody"}, "line 2, column email: 'nobody' is not an email address"),
        ({"service": "x" * 201}, "line 2, column service: is longer than 200 characters"),
    ],
)
def test_bad_cell_is_reported_with_line_and_column(postcodes, values, expected):
    errors = errors_of(csv_text(row(**values)))
    assert len(errors) == 1
    assert errors[0].startswith(expected)


def test_every_bad_row_is_reported_not_just_the_first(postcodes):
    errors = errors_of(csv_text(row(language="zz"), row(service="Two", cost="cheap"), row(service="Three")))
    assert [e.split(",")[0] for e in errors] == ["line 2", "line 3"]


def test_a_failed_file_leaves_nothing_behind(postcodes):
    with pytest.raises(ImportFailed):
        import_listings(csv_text(row(language="sq"), row(service="Bad", support="nonsense")))
    assert Organisation.objects.count() == 0
    assert Service.objects.count() == 0
    assert not Language.objects.filter(code="sq").exists()


def test_duplicate_service_in_one_file_is_an_error(postcodes):
    errors = errors_of(csv_text(row(), row()))
    assert errors == ["line 3, column service: the same service is already on line 2"]


def test_conflicting_organisation_details_are_an_error(postcodes):
    errors = errors_of(
        csv_text(
            row(organisation_website="https://a.example.org/"),
            row(service="Two", organisation_website="https://b.example.org/"),
        )
    )
    assert errors == ["line 3, column organisation_website: differs from line 2 for the same organisation"]


def test_missing_required_column_is_reported_on_line_one(postcodes):
    columns = [c for c in COLUMNS if c != "description"]
    text = csv_text({k: v for k, v in row().items() if k != "description"}, columns=columns)
    assert errors_of(text) == ["line 1, column description: this required column is missing from the header"]


def test_unknown_column_is_reported(postcodes):
    text = "organisation,service,description,colour\nA,B,C,blue\n"
    assert errors_of(text)[0].startswith("line 1, column colour: unknown column")


HEADER = "organisation,service,description\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            HEADER + 'A,B,"' + "x" * 140_000 + '"\n',
            "line 2, column description: is longer than 131,072 characters (128 KB)",
        ),
        (
            HEADER + "A,B,We\x00listen\n",
            "line 2, column description: holds a control character (U+0000) at character 3",
        ),
        (
            HEADER + "Sun\x07rise,B,C\n",
            "line 2, column organisation: holds a control character (U+0007) at character 4",
        ),
        (HEADER + 'A,"Phone\nline",C\n', "line 3, column service: holds a control character (U+000A) at character 6"),
        (
            HEADER + 'A,B,C\nA,D,"We listen\nA,E,F\n',
            'line 3, column description: opens a quotation mark (") that is never closed',
        ),
        (HEADER + 'A,"Phone" line,C\n', 'line 2, column service: has text after its closing quotation mark (")'),
        ('organisation,"service,description\nA,B,C\n', 'line 1, column 2: opens a quotation mark (") that is never'),
    ],
    ids=["huge-cell", "nul", "control-in-name", "newline-in-name", "unclosed-quote", "text-after-quote", "header"],
)
def test_a_malformed_cell_is_reported_with_line_and_column(db, text, expected):
    errors = errors_of(text)
    assert len(errors) == 1
    assert errors[0].startswith(expected)
    assert not Organisation.objects.exists()


def test_a_description_may_hold_tabs_and_line_breaks(db):
    import_listings(HEADER + 'A,B,"We listen.\n\tTea too."\n')
    assert Service.objects.get().description == "We listen.\n\tTea too."


def test_a_column_named_twice_is_reported_not_silently_overwritten(db):
    errors = errors_of("organisation,service,description,description\nA,B,first,second\n")
    assert errors == ["line 1, column description: appears more than once in the header (columns 3, 4)"]


def test_the_import_command_reports_a_nul_byte_by_line_and_column(db, tmp_path, capsys):
    path = tmp_path / "listings.csv"
    path.write_text(HEADER + "A\x00,B,C\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_listings", str(path))
    assert "line 2, column organisation: holds a control character (U+0000)" in capsys.readouterr().err


def test_empty_file_is_reported(db):
    assert errors_of("") == ["line 1: the file is empty; the first line must name the columns"]


def test_header_only_file_is_reported(db):
    assert errors_of("organisation,service,description\n") == ["line 2: the file has a header but no listings"]


def test_only_required_columns_are_needed(db):
    import_listings("organisation,service,description\nA,Phone line,We listen.\n")
    assert Service.objects.get().name == "Phone line"


def test_draft_rows_import_as_drafts(postcodes):
    import_listings(csv_text(row(status="draft")))
    assert Service.objects.get().status == Status.DRAFT
    assert Organisation.objects.get().status == Status.DRAFT


def test_import_command_reports_errors_and_exits_non_zero(postcodes, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(csv_text(row(language="zz")), encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_listings", str(path))
    assert "line 2, column language: unknown language code 'zz'" in capsys.readouterr().err


def test_import_command_rejects_a_file_that_is_not_utf8(db, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("organisation,service,description\nCaf\xe9,B,C\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_listings", str(path))


def test_import_command_reports_a_missing_file(db):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_listings", "/nonexistent/listings.csv")


def test_example_flag_marks_organisations_as_sample_data(postcodes, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text(csv_text(row()), encoding="utf-8")
    call_command("import_listings", str(path), "--example")
    assert Organisation.objects.get().is_example


def test_sample_data_imports_cleanly_and_idempotently(db):
    call_command("load_postcodes", "BD", "LS", "LA")
    call_command("import_listings", str(SAMPLE), "--example")
    counts = (Organisation.objects.count(), Service.objects.count(), Location.objects.count())
    call_command("import_listings", str(SAMPLE), "--example")
    assert (Organisation.objects.count(), Service.objects.count(), Location.objects.count()) == counts
    assert 35 <= counts[0] <= 45
    assert 55 <= counts[1] <= 65


def test_sample_data_uses_every_vocabulary_term(db):
    call_command("load_postcodes", "BD", "LS", "LA")
    call_command("import_listings", str(SAMPLE), "--example")
    from partners.models import Attribute, Community, DeliveryMode, SupportType

    for model in (Community, SupportType, Attribute, DeliveryMode):
        unused = model.objects.filter(services__isnull=True)
        assert not unused.exists(), f"{model.__name__} unused: {list(unused)}"
    assert set(ServiceLanguage.objects.values_list("provision", flat=True)) == {
        "staff",
        "interpreter",
        "written",
        "phone",
    }
    assert not Language.objects.filter(service_languages__isnull=True).exists()


def test_sample_data_phone_numbers_are_in_ofcoms_drama_range(db):
    with SAMPLE.open(encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            for column in ("phone", "organisation_phone"):
                number = record[column].replace(" ", "")
                if number:
                    assert number.startswith("01632960"), (column, number)
