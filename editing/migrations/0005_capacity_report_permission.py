"""Moderators read the capacity report: give the Moderators group (migration 0002) the
permission to view capacity answers."""

from django.db import migrations

from directory.moderator_permissions import grant_to_moderators


class Migration(migrations.Migration):
    dependencies = [
        ("editing", "0004_capacity_answers_and_checks"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grant_to_moderators("editing", {"capacityanswer": ["view"]})]
