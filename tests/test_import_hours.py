"""Weekly hours in the CSV: the `hours` and `language_hours` columns (docs/import-format.md)."""

import pytest

from partners.importer import COLUMNS, import_listings
from partners.models import Service, ServiceLanguage
from tests.test_importer import csv_text, errors_of, postcodes, row  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postcodes")]


def test_hours_are_imported_in_their_one_written_form_and_fill_the_open_now_table():
    import_listings(csv_text(row(hours="mon-fri 09:00-17:00, sat 10:00-12:00", language_hours="ur=tue 18:00-21:00")))
    service = Service.objects.get()
    assert service.hours == "Mo-Fr 09:00-17:00; Sa 10:00-12:00"
    assert service.opening_periods.count() == 6
    assert ServiceLanguage.objects.get(language__code="ur").hours == "Tu 18:00-21:00"
    assert ServiceLanguage.objects.get(language__code="pa").hours == ""


def test_changing_the_hours_rebuilds_the_open_now_table():
    import_listings(csv_text(row(hours="Mo 09:00-17:00")))
    result = import_listings(csv_text(row(hours="24/7")))
    service = Service.objects.get()
    assert result.services_updated == 1
    assert service.opening_periods.count() == 7


def test_a_file_without_the_hours_columns_leaves_the_hours_alone():
    import_listings(csv_text(row(hours="Mo 09:00-17:00", language_hours="ur=Tu 18:00-21:00")))
    columns = [c for c in COLUMNS if c not in ("hours", "language_hours")]
    result = import_listings(csv_text({k: v for k, v in row().items() if k in columns}, columns=columns))
    assert result.services_unchanged == 1
    assert Service.objects.get().hours == "Mo 09:00-17:00"
    assert ServiceLanguage.objects.get(language__code="ur").hours == "Tu 18:00-21:00"


def test_the_opening_hours_note_still_works_beside_the_hours():
    import_listings(csv_text(row(opening_hours="Ring first.", hours="Mo 09:00-17:00")))
    assert Service.objects.get().opening_hours == "Ring first."


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"hours": "Mo-Fr 09:00-25:00"}, "line 2, column hours: character 13: “25:00” is not a time of day"),
        ({"hours": "  Xy 09:00-17:00"}, "line 2, column hours: character 3: “xy” is not a day of the week"),
        ({"hours": "weekdays 9 to 5"}, "line 2, column hours: character 1:"),
        ({"hours": "Mo 09:00-17:00; Dec 25 off"}, "line 2, column hours: character 17: Put the year first"),
        ({"language_hours": "ur=Tu 18:00"}, "line 2, column language_hours: character 12:"),
        ({"language_hours": "en=Mo 09:00-10:00 | ur=Tu 99:00-21:00"}, "column language_hours: character 27:"),
        ({"language_hours": "fr=Tu 18:00-21:00"}, "column language_hours: character 1: 'fr' must be a language"),
        ({"language_hours": "Tu 18:00-21:00"}, "column language_hours: character 1:"),
    ],
)
def test_bad_hours_are_reported_with_line_column_and_character(values, expected):
    errors = errors_of(csv_text(row(**values)))
    assert any(error.startswith(expected) or expected in error for error in errors), errors
    assert not Service.objects.exists()
