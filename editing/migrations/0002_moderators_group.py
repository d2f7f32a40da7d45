"""The Moderators group, with what a moderator needs in the admin. Give a moderator
"moderator" status (is_staff) on their user and put them in this group."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"

PERMISSIONS = {
    "accounts": {
        "user": ["view"],
        "membership": ["view", "add", "change", "delete"],
        "invitation": ["view", "add"],
        "claim": ["view", "change"],
        "auditentry": ["view"],
    },
    "editing": {
        "revision": ["view", "change"],
        "reminder": ["view"],
        "staleservice": ["view"],
    },
    "partners": {
        "organisation": ["view", "add", "change"],
        "service": ["view", "add", "change"],
        "location": ["view", "add", "change", "delete"],
        "servicelanguage": ["view", "add", "change", "delete"],
        "referralroute": ["view", "add", "change", "delete"],
        "community": ["view", "add", "change"],
        "supporttype": ["view", "add", "change"],
        "attribute": ["view", "add", "change"],
        "deliverymode": ["view", "add", "change"],
        "language": ["view", "add", "change"],
        "postcode": ["view"],
        "postcodedistrict": ["view"],
    },
}


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP)
    wanted = []
    for app_label, models in PERMISSIONS.items():
        for model, actions in models.items():
            for action in actions:
                wanted.append(
                    Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
                )
    group.permissions.add(*wanted)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("editing", "0001_initial"),
        ("accounts", "0002_claim_invitation_auditentry_membership"),
        ("partners", "0003_organisation_trusted"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
