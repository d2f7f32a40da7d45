"""The one way a migration gives the Moderators group (editing migration 0002) permissions
on an app's models: `grant_to_moderators("feedback", {"problemreport": ["view", "change"]})`
is a RunPython operation that grants them, and takes them back when migrated backwards.

Kept small and stable on purpose: migrations import it, so it must keep working for every
migration that already does."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"
EVERYTHING = ["view", "add", "change", "delete"]


def grant_to_moderators(app_label: str, permissions: dict[str, list[str]]) -> migrations.RunPython:
    def permission_rows(apps):
        # Permissions are normally created after all migrations; make sure these exist now.
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
        Permission = apps.get_model("auth", "Permission")
        return [
            Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
            for model, actions in permissions.items()
            for action in actions
        ]

    def grant(apps, schema_editor):
        group, _created = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)
        group.permissions.add(*permission_rows(apps))

    def revoke(apps, schema_editor):
        group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
        if group is not None:
            group.permissions.remove(*permission_rows(apps))

    return migrations.RunPython(grant, revoke)
