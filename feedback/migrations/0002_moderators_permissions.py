"""Moderators work through problem reports and read the unmet need report: give the
Moderators group (editing migration 0002) what that takes."""

from django.db import migrations

from directory.moderator_permissions import grant_to_moderators


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
        ("editing", "0002_moderators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grant_to_moderators("feedback", {"problemreport": ["view", "change"], "needstat": ["view"]})]
