"""The UK-wide crisis lines every region starts with (signposting.crisis.national_lines
is the same list, shown if the database cannot be read). Moderators add the region's own."""

from django.db import migrations

LINES = [
    {
        "name": "Emergency",
        "number": "999",
        "description": "If a life is at risk now, or you cannot keep yourself safe: call 999 or go to A&E.",
        "languages": "English; interpreters for other languages",
        "order": 10,
    },
    {
        "name": "NHS",
        "number": "111",
        "dial_note": "option 2",
        "description": (
            "Urgent mental health help for you or someone you care for: choose option 2 to talk to "
            "the local NHS mental health team."
        ),
        "languages": "English; interpreters for other languages",
        "order": 20,
    },
    {
        "name": "Samaritans",
        "number": "116 123",
        "description": "Someone to talk to about anything you are going through. Free from any phone.",
        "languages": "English",
        "order": 30,
    },
    {
        "name": "Shout",
        "number": "85258",
        "kind": "text",
        "text_body": "SHOUT",
        "description": "Free, confidential text conversation with a trained volunteer when you are struggling.",
        "languages": "English",
        "order": 40,
    },
]


def seed(apps, schema_editor):
    CrisisLine = apps.get_model("signposting", "CrisisLine")
    for line in LINES:
        CrisisLine.objects.get_or_create(number=line["number"], name=line["name"], defaults={"hours": "24/7", **line})


def unseed(apps, schema_editor):
    CrisisLine = apps.get_model("signposting", "CrisisLine")
    for line in LINES:
        CrisisLine.objects.filter(number=line["number"], name=line["name"]).delete()


class Migration(migrations.Migration):
    dependencies = [("signposting", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
