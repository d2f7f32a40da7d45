"""Seed the fixed vocabularies (see partners/reference_data.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from partners.reference_data import seed_reference_data

    seed_reference_data(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
