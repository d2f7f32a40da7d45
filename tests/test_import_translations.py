"""Translation columns in the import format (`description:ur`…): read, checked with line and
column, written without touching what the file does not mention, and exported back."""

import pytest

from partners.exporter import export_listings
from partners.importer import COLUMNS, import_listings
from partners.models import Organisation, OrganisationTranslation, Service, ServiceTranslation
from tests.test_importer import csv_text, errors_of

pytestmark = pytest.mark.django_db

TWO_LINES = "ہم ملتے ہیں\nہر ہفتے"  # noqa: RUF001 (Urdu letters)
TRANSLATED = [*COLUMNS, "name:ur", "description:ur", "description:pl", "organisation_description:pl"]


def row(**values) -> dict:
    base = {"organisation": "Sunrise Wellbeing", "service": "Talking circle", "description": "We meet weekly."}
    return {**base, **values}


def test_translation_columns_are_imported(db):
    text = csv_text(
        row(**{"name:ur": "گفتگو", "description:ur": "ہم ملتے ہیں", "description:pl": "Spotykamy się"}),
        columns=["organisation", "service", "description", "name:ur", "description:ur", "description:pl"],
    )
    import_listings(text)
    service = Service.objects.get()
    assert {(t.language, t.name, t.description) for t in service.translations.all()} == {
        ("ur", "گفتگو", "ہم ملتے ہیں"),
        ("pl", "", "Spotykamy się"),
    }


def test_the_organisation_description_translation_is_imported_once_for_its_rows(db):
    columns = ["organisation", "service", "description", "organisation_description:pl"]
    text = csv_text(
        row(**{"organisation_description:pl": "Wspieramy rodziny."}),
        row(service="Second", **{"organisation_description:pl": ""}),
        columns=columns,
    )
    import_listings(text)
    assert OrganisationTranslation.objects.get().description == "Wspieramy rodziny."


def test_rows_of_one_organisation_must_agree_on_its_translated_description(db):
    columns = ["organisation", "service", "description", "organisation_description:pl"]
    text = csv_text(
        row(**{"organisation_description:pl": "Jeden"}),
        row(service="Second", **{"organisation_description:pl": "Dwa"}),
        columns=columns,
    )
    assert errors_of(text) == [
        "line 3, column organisation_description:pl: differs from line 2 for the same organisation"
    ]


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("description:zz", "'zz' is not one of the site's languages"),
        ("description:en", "'en' is not one of the site's languages"),
        ("description:phr", "'phr' is not one of the site's languages"),
        ("description:", "'' is not a language code"),
        ("description:u r", "'u r' is not a language code"),
        ("description:ur:pl", "'ur:pl' is not a language code"),
        ("summary:ur", "unknown column (translation columns are name:<language>"),
        ("service:ur", "unknown column (translation columns are name:<language>"),
    ],
)
def test_a_bad_translation_column_is_a_header_error_naming_the_column(db, column, message):
    errors = errors_of(csv_text(row(), columns=["organisation", "service", "description", column]))
    assert len(errors) == 1
    assert errors[0].startswith(f"line 1, column {column}: {message}")


def test_a_translated_name_too_long_names_its_line_and_column(db):
    text = csv_text(row(**{"name:ur": "x" * 201}), columns=["organisation", "service", "description", "name:ur"])
    assert errors_of(text) == ["line 2, column name:ur: is longer than 200 characters"]
    assert not Service.objects.exists()


def test_a_file_without_a_language_leaves_its_translations_alone(db):
    columns = ["organisation", "service", "description", "description:ur", "description:pl"]
    import_listings(csv_text(row(**{"description:ur": "اردو", "description:pl": "Polski"}), columns=columns))
    import_listings(csv_text(row(**{"description:ur": "نیا"}), columns=columns[:4]))
    assert dict(ServiceTranslation.objects.values_list("language", "description")) == {"ur": "نیا", "pl": "Polski"}


def test_a_blank_cell_removes_a_translation_left_with_no_text(db):
    columns = ["organisation", "service", "description", "description:ur"]
    import_listings(csv_text(row(**{"description:ur": "اردو"}), columns=columns))
    result = import_listings(csv_text(row(**{"description:ur": ""}), columns=columns))
    assert not ServiceTranslation.objects.exists()
    assert result.services_updated == 1


def test_importing_the_same_translations_again_changes_nothing(db):
    columns = ["organisation", "service", "description", "description:ur"]
    import_listings(csv_text(row(**{"description:ur": "اردو"}), columns=columns))
    result = import_listings(csv_text(row(**{"description:ur": "اردو"}), columns=columns))
    assert result.services_unchanged == 1


def test_the_export_has_columns_only_for_languages_with_text(db):
    import_listings(csv_text(row()))
    assert export_listings().text.splitlines()[0] == ",".join(COLUMNS)
    service = Service.objects.get()
    ServiceTranslation.objects.create(service=service, language="pl", description="Spotykamy się we wtorki")
    header = export_listings().text.splitlines()[0].split(",")
    assert header[len(COLUMNS) :] == [
        "name:pl",
        "description:pl",
        "referral_instructions:pl",
        "opening_hours:pl",
        "organisation_description:pl",
    ]


def test_translations_round_trip_identically(db):
    import_listings(
        csv_text(
            row(
                **{"name:ur": "گفتگو", "description:ur": TWO_LINES, "organisation_description:pl": "Wspieramy; rodziny"}
            ),
            row(organisation="Other", service="Walk", **{"description:pl": 'Spacer, "razem"'}),
            columns=TRANSLATED,
        )
    )
    first = export_listings().text
    Organisation.objects.all().delete()
    import_listings(first)
    assert ServiceTranslation.objects.count() == 2
    assert export_listings().text == first
