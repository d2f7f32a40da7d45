"""Moderators keep the region's crisis lines: give the Moderators group (editing
migration 0002) every permission on them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"
ACTIONS = ["view", "add", "change", "delete"]


def _permissions(apps):
    # Permissions are normally created after all migrations; make sure ours exist now.
    app_config = apps.get_app_config("signposting")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label="signposting", codename=f"{action}_crisisline")
        for action in ACTIONS
    ]


def grant(apps, schema_editor):
    group, _created = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)
    group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("signposting", "0002_national_crisis_lines"),
        ("editing", "0002_moderators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
