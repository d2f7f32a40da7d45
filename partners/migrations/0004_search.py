"""Search support.

On PostgreSQL: the pg_trgm extension (typo tolerance), a tsvector column on services
(name weight A, description weight C) and on organisations (name weight D) that the
database computes itself (GENERATED ... STORED, so no code can forget to update it),
GIN indexes on those vectors and trigram indexes on the names and descriptions.
The vectors have no model field: only partners.search.keywords reads them, through
partners.search.keywords.DatabaseColumn, and SQLite (which has no full-text search of this
kind) simply does not get them.

On every database: an index on location coordinates for the place-search prefilter.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.migrations.operations.base import Operation


class PostgreSQLOnly(Operation):
    """Run the wrapped operation on PostgreSQL; do nothing on other databases."""

    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.operation], {})

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (PostgreSQL only)"


SERVICE_VECTOR = """
ALTER TABLE partners_service ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(name, '')), 'A')
    || setweight(to_tsvector('english', coalesce(description, '')), 'C')
) STORED
"""

ORGANISATION_VECTOR = """
ALTER TABLE partners_organisation ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(name, '')), 'D')
) STORED
"""


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0003_organisation_trusted"),
    ]

    operations = [
        PostgreSQLOnly(TrigramExtension()),
        PostgreSQLOnly(
            migrations.RunSQL(SERVICE_VECTOR, "ALTER TABLE partners_service DROP COLUMN search_vector")
        ),
        PostgreSQLOnly(
            migrations.RunSQL(ORGANISATION_VECTOR, "ALTER TABLE partners_organisation DROP COLUMN search_vector")
        ),
        PostgreSQLOnly(
            migrations.RunSQL(
                [
                    "CREATE INDEX partners_service_search_vector ON partners_service USING gin (search_vector)",
                    "CREATE INDEX partners_organisation_search_vector ON partners_organisation"
                    " USING gin (search_vector)",
                    "CREATE INDEX partners_service_name_trgm ON partners_service USING gin (name gin_trgm_ops)",
                    "CREATE INDEX partners_service_description_trgm ON partners_service"
                    " USING gin (description gin_trgm_ops)",
                    "CREATE INDEX partners_organisation_name_trgm ON partners_organisation"
                    " USING gin (name gin_trgm_ops)",
                ],
                [
                    "DROP INDEX partners_organisation_name_trgm",
                    "DROP INDEX partners_service_description_trgm",
                    "DROP INDEX partners_service_name_trgm",
                    "DROP INDEX partners_organisation_search_vector",
                    "DROP INDEX partners_service_search_vector",
                ],
            )
        ),
        migrations.RunSQL(
            "CREATE INDEX partners_location_coordinates ON partners_location (latitude, longitude)",
            "DROP INDEX partners_location_coordinates",
        ),
    ]
