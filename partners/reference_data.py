"""The fixed vocabularies. Their slugs are public (URLs, the CSV import format,
listed in docs/import-format.md) and must not change; names and descriptions can be edited
in the admin afterwards (an edited one then shows as typed, in English, on translated
pages). Used by a data migration and by tests that flush the database."""

# Marked for translation, not translated here: the database keeps the English, and public
# pages translate a name or description still as seeded (Term.display_name).
from django.utils.translation import gettext_noop as _

from .languages import describe_language

COMMUNITIES = [
    ("pakistani-kashmiri", _("Pakistani and Kashmiri"), ""),
    ("bangladeshi", _("Bangladeshi"), ""),
    ("indian", _("Indian"), ""),
    ("south-asian", _("South Asian"), _("Any South Asian heritage")),
    ("black-african", _("Black African"), ""),
    ("black-caribbean", _("Black Caribbean"), ""),
    ("mixed-heritage", _("Mixed heritage"), ""),
    ("chinese-east-asian", _("Chinese and East Asian"), ""),
    ("arab-middle-eastern", _("Arab and Middle Eastern"), ""),
    ("central-eastern-european", _("Central and Eastern European"), ""),
    ("gypsy-roma-traveller", _("Gypsy, Roma and Traveller"), ""),
    ("refugees-asylum-seekers", _("Refugees and people seeking asylum"), ""),
    ("all-racialised-communities", _("All racialised communities"), _("Open to people from any racialised community")),
]

SUPPORT_TYPES = [
    (
        "counselling",
        _("Counselling and talking therapy"),
        _("Talking one-to-one or in a group with a trained counsellor or therapist"),
    ),
    ("peer-support", _("Peer support"), _("Support from people who have been through something similar")),
    ("befriending", _("Befriending"), _("Regular contact with a volunteer, to feel less alone")),
    ("crisis-support", _("Crisis support"), _("Help when you feel you cannot cope or are not safe")),
    ("helpline", _("Helpline"), _("Someone to talk to on the phone")),
    ("wellbeing-activities", _("Wellbeing activities"), _("Groups, exercise, arts and social prescribing")),
    ("advocacy", _("Advocacy"), _("Someone on your side to help you be heard by services")),
    ("practical-advice", _("Practical advice"), _("Housing, money, benefits and immigration")),
    ("bereavement", _("Bereavement support"), _("Support after someone has died")),
    ("domestic-abuse", _("Domestic abuse support"), _("Help if someone close to you is hurting or controlling you")),
    ("family-support", _("Family support"), _("Support for parents, carers and families")),
    ("psychoeducation", _("Understanding mental health"), _("Learning about mental health and how to look after it")),
    ("pastoral-support", _("Faith-based pastoral support"), _("Support from faith leaders and faith communities")),
    ("substance-use", _("Drugs and alcohol"), _("Support with drug, alcohol or gambling use")),
]

ATTRIBUTES = [
    ("community-led", _("Community-led"), _("Run by and for the community")),
    ("faith-sensitive", _("Faith-sensitive"), _("Respects and understands faith and religious practice")),
    ("same-gender-worker", _("Same-gender worker"), _("You can ask for a worker of your gender")),
    ("lived-experience", _("Lived experience"), _("Staff or volunteers with lived experience")),
    ("interpreters", _("Interpreters available"), _("Interpreters can be arranged for other languages")),
]

MODES = [
    ("in-person", _("In person"), ""),
    ("phone", _("By phone"), ""),
    ("video", _("By video call"), ""),
    ("text", _("By text, chat or WhatsApp"), ""),
    ("home-visit", _("Home visits"), ""),
]

LANGUAGES = [
    "en",
    "ur",
    "pa",
    "phr",
    "bn",
    "syl",
    "gu",
    "hi",
    "ar",
    "fa",
    "ps",
    "ku",
    "so",
    "ti",
    "am",
    "pl",
    "sk",
    "cs",
    "ro",
    "rom",
    "zh",
    "yue",
    "fr",
    "pt",
    "tr",
    "bfi",
]
FEATURED = {"en", "ur", "pa", "phr", "bn", "syl", "gu", "hi", "ar", "pl", "so", "bfi"}


def seed_reference_data(get_model) -> None:
    """Create or refresh the fixed vocabularies; get_model is apps.get_model in a migration."""
    for model_name, rows in (
        ("Community", COMMUNITIES),
        ("SupportType", SUPPORT_TYPES),
        ("Attribute", ATTRIBUTES),
        ("DeliveryMode", MODES),
    ):
        model = get_model("partners", model_name)
        for order, (slug, name, description) in enumerate(rows, start=1):
            model.objects.update_or_create(
                slug=slug, defaults={"name": name, "description": description, "order": order * 10}
            )
    Language = get_model("partners", "Language")
    for code in LANGUAGES:
        info = describe_language(code)
        Language.objects.update_or_create(code=code, defaults={**info, "featured": code in FEATURED})
