"""The fixed vocabularies. Their slugs are public (URLs, the CSV import format,
listed in docs/import-format.md) and must not change; names and descriptions can be edited
in the admin afterwards. Used by a data migration and by tests that flush the
database."""

from .languages import describe_language

COMMUNITIES = [
    ("pakistani-kashmiri", "Pakistani and Kashmiri", ""),
    ("bangladeshi", "Bangladeshi", ""),
    ("indian", "Indian", ""),
    ("south-asian", "South Asian", "Any South Asian heritage"),
    ("black-african", "Black African", ""),
    ("black-caribbean", "Black Caribbean", ""),
    ("mixed-heritage", "Mixed heritage", ""),
    ("chinese-east-asian", "Chinese and East Asian", ""),
    ("arab-middle-eastern", "Arab and Middle Eastern", ""),
    ("central-eastern-european", "Central and Eastern European", ""),
    ("gypsy-roma-traveller", "Gypsy, Roma and Traveller", ""),
    ("refugees-asylum-seekers", "Refugees and people seeking asylum", ""),
    ("all-racialised-communities", "All racialised communities", "Open to people from any racialised community"),
]

SUPPORT_TYPES = [
    (
        "counselling",
        "Counselling and talking therapy",
        "Talking one-to-one or in a group with a trained counsellor or therapist",
    ),
    ("peer-support", "Peer support", "Support from people who have been through something similar"),
    ("befriending", "Befriending", "Regular contact with a volunteer, to feel less alone"),
    ("crisis-support", "Crisis support", "Help when you feel you cannot cope or are not safe"),
    ("helpline", "Helpline", "Someone to talk to on the phone"),
    ("wellbeing-activities", "Wellbeing activities", "Groups, exercise, arts and social prescribing"),
    ("advocacy", "Advocacy", "Someone on your side to help you be heard by services"),
    ("practical-advice", "Practical advice", "Housing, money, benefits and immigration"),
    ("bereavement", "Bereavement support", "Support after someone has died"),
    ("domestic-abuse", "Domestic abuse support", "Help if someone close to you is hurting or controlling you"),
    ("family-support", "Family support", "Support for parents, carers and families"),
    ("psychoeducation", "Understanding mental health", "Learning about mental health and how to look after it"),
    ("pastoral-support", "Faith-based pastoral support", "Support from faith leaders and faith communities"),
    ("substance-use", "Drugs and alcohol", "Support with drug, alcohol or gambling use"),
]

ATTRIBUTES = [
    ("community-led", "Community-led", "Run by and for the community"),
    ("faith-sensitive", "Faith-sensitive", "Respects and understands faith and religious practice"),
    ("same-gender-worker", "Same-gender worker", "You can ask for a worker of your gender"),
    ("lived-experience", "Lived experience", "Staff or volunteers with lived experience"),
    ("interpreters", "Interpreters available", "Interpreters can be arranged for other languages"),
]

MODES = [
    ("in-person", "In person", ""),
    ("phone", "By phone", ""),
    ("video", "By video call", ""),
    ("text", "By text, chat or WhatsApp", ""),
    ("home-visit", "Home visits", ""),
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
