"""Moderators read the capacity report: give the Moderators group (migration 0002) the
permission to view capacity answers."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"


def _permission(apps):
    # Permissions are normally created after all migrations; make sure ours exists now.
    app_config = apps.get_app_config("editing")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    return apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="editing", codename="view_capacityanswer"
    )


def grant(apps, schema_editor):
    group, _created = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)
    group.permissions.add(_permission(apps))


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(_permission(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("editing", "0004_capacity_answers_and_checks"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
