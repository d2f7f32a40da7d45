"""Moderators keep the region's crisis lines: give the Moderators group (editing
migration 0002) every permission on them."""

from django.db import migrations

from directory.moderator_permissions import EVERYTHING, grant_to_moderators


class Migration(migrations.Migration):
    dependencies = [
        ("signposting", "0002_national_crisis_lines"),
        ("editing", "0002_moderators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [grant_to_moderators("signposting", {"crisisline": EVERYTHING})]
