"""Translated text in the keyword search (PostgreSQL only, as migration 0004).

A tsvector the database keeps itself on each service translation: name weight A,
description weight C, like the English vector, but with the 'simple' configuration:
no English stemming or stop words, so Urdu, Polish or Bengali words are indexed as
written and rank like English ones. A GIN index lets the search find them."""

from importlib import import_module

from django.db import migrations

PostgreSQLOnly = import_module("partners.migrations.0004_search").PostgreSQLOnly

TRANSLATION_VECTOR = """
ALTER TABLE partners_servicetranslation ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(name, '')), 'A')
    || setweight(to_tsvector('simple', coalesce(description, '')), 'C')
) STORED
"""


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0005_translations"),
    ]

    operations = [
        PostgreSQLOnly(
            migrations.RunSQL(TRANSLATION_VECTOR, "ALTER TABLE partners_servicetranslation DROP COLUMN search_vector")
        ),
        PostgreSQLOnly(
            migrations.RunSQL(
                "CREATE INDEX partners_servicetranslation_search_vector ON partners_servicetranslation"
                " USING gin (search_vector)",
                "DROP INDEX partners_servicetranslation_search_vector",
            )
        ),
    ]
