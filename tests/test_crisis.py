"""Crisis help: the lines moderators keep, whether a line is open now, and the crisis box
that opens a search whose words suggest someone is in crisis."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from feedback.models import NeedStat
from partners import facet_index
from partners.hours import DAYS, is_open, parse_hours
from signposting.crisis import CACHE_KEY, crisis_lines, crisis_services, crisis_services_count, national_lines
from signposting.crisis_words import CRISIS_TERMS, suggests_crisis
from signposting.models import CrisisLine, CrisisLineTranslation
from tests.factories import make_moderator, make_service, make_user

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")


def at(year, month, day, hour, minute=0, tz=LONDON) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


# --- Hours -----------------------------------------------------------------------------


def test_always_open_hours_are_open_at_any_time():
    assert is_open("24/7", at(2026, 12, 25, 3)) is True


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 11, 30, 9, 0), True),  # Monday, opening time
        (at(2026, 11, 30, 16, 59), True),
        (at(2026, 11, 30, 17, 0), False),  # closing time is closed
        (at(2026, 12, 5, 11), True),  # Saturday
        (at(2026, 12, 5, 15), False),
        (at(2026, 12, 6, 11), False),  # Sunday
    ],
)
def test_weekly_hours_are_open_only_inside_their_periods(moment, expected):
    assert is_open("Mon-Fri 09:00-17:00; Sat 10:00-14:00", moment) is expected


def test_hours_past_midnight_run_into_the_next_morning():
    hours = "Fri-Sat 22:00-02:00"
    assert is_open(hours, at(2026, 12, 5, 1)) is True  # Saturday 01:00, from Friday night
    assert is_open(hours, at(2026, 12, 6, 1)) is True  # Sunday 01:00, from Saturday night
    assert is_open(hours, at(2026, 12, 7, 1)) is False  # Monday 01:00
    assert is_open(hours, at(2026, 12, 4, 21)) is False


def test_a_day_range_can_wrap_round_the_weekend():
    assert is_open("Sat-Mon 09:00-12:00", at(2026, 11, 30, 10)) is True  # Monday
    assert is_open("Sat-Mon 09:00-12:00", at(2026, 12, 1, 10)) is False  # Tuesday


def test_hours_are_local_time_with_the_clocks_changed_for_summer():
    # 08:30 UTC is 09:30 in London in July (BST) but 08:30 in January (GMT).
    assert is_open("Mon-Sun 09:00-17:00", at(2026, 7, 6, 8, 30, tz=UTC)) is True
    assert is_open("Mon-Sun 09:00-17:00", at(2026, 1, 5, 8, 30, tz=UTC)) is False


@pytest.mark.parametrize(
    "text", ["", "whenever", "Mon 9-5", "Funday 09:00-17:00", "Mon 25:00-26:00", "Mon 09:61-10:00"]
)
def test_hours_we_cannot_read_are_neither_open_nor_closed(text):
    assert is_open(text, at(2026, 11, 30, 10)) is None


def test_unreadable_hours_give_a_message_a_moderator_can_act_on():
    with pytest.raises(ValueError, match="Mon-Fri 09:00-17:00"):
        parse_hours("weekdays")


def test_a_crisis_line_with_unreadable_hours_is_refused(db):
    line = CrisisLine(name="Local line", number="01632 960 000", hours="weekdays 9 to 5")
    with pytest.raises(ValidationError) as error:
        line.full_clean()
    assert "hours" in error.value.message_dict


def test_a_crisis_line_number_must_be_dialable(db):
    line = CrisisLine(name="Local line", number="call us")
    with pytest.raises(ValidationError) as error:
        line.full_clean()
    assert "number" in error.value.message_dict


# --- The lines -------------------------------------------------------------------------


def test_the_national_lines_are_seeded_as_the_built_in_ones(db):
    fields = ["name", "number", "kind", "text_body", "dial_note", "description", "hours", "languages", "order"]
    seeded = [[str(getattr(line, f)) for f in fields] for line in CrisisLine.objects.all()]
    built_in = [[str(getattr(line, f)) for f in fields] for line in national_lines()]
    assert seeded == built_in
    assert [line.number for line in national_lines()] == ["999", "111", "116 123", "85258"]


def test_lines_are_tap_to_call_or_tap_to_text_with_a_name_saying_what_happens():
    _emergency, nhs, samaritans, shout = national_lines()
    assert samaritans.href == "tel:116123"
    assert samaritans.link_label == "Samaritans: call 116 123"
    assert nhs.link_label == "NHS: call 111, option 2"
    assert shout.href == "sms:85258?&body=SHOUT"
    assert shout.link_label == "Shout: text SHOUT to 85258"


def test_every_page_shows_the_lines_with_a_link_to_more(client, db):
    content = client.get("/").content.decode()
    for href in ('href="tel:999"', 'href="tel:111"', 'href="tel:116123"', 'href="sms:85258?&amp;body=SHOUT"'):
        assert href in content
    assert 'href="/crisis/"' in content


def test_a_regions_own_line_shows_on_every_page(client, db):
    CrisisLine.objects.create(name="Bradford Safe Space", number="01632 960 111", hours="Mon-Sun 18:00-02:00")
    assert 'href="tel:01632960111"' in client.get("/").content.decode()


def test_an_inactive_line_is_not_shown(client, db):
    CrisisLine.objects.filter(number="116 123").update(active=False)
    cache.delete(CACHE_KEY)
    assert 'href="tel:116123"' not in client.get("/").content.decode()


def test_a_line_kept_off_the_panel_is_still_on_the_crisis_page(client, db):
    CrisisLine.objects.create(name="Local line", number="01632 960 222", show_in_panel=False)
    assert 'href="tel:01632960222"' not in client.get("/").content.decode()
    assert 'href="tel:01632960222"' in client.get("/crisis/").content.decode()


def test_the_lines_are_read_once_then_from_the_cache(db):
    cache.delete(CACHE_KEY)
    with CaptureQueriesContext(connection) as queries:
        crisis_lines()
        crisis_lines()
    assert len(queries) == 2  # the lines and their translations


def test_saving_a_line_is_seen_at_once(db):
    crisis_lines()
    line = CrisisLine.objects.get(number="116 123")
    line.name = "Samaritans (free)"
    line.save()
    assert "Samaritans (free)" in [str(line.name) for line in crisis_lines()]


def test_the_national_lines_are_shown_when_every_line_is_switched_off(db):
    cache.delete(CACHE_KEY)
    CrisisLine.objects.update(active=False)
    assert [line.number for line in crisis_lines()] == ["999", "111", "116 123", "85258"]


def test_the_crisis_page_says_whether_a_line_with_hours_is_open(client, db):
    CrisisLine.objects.create(name="Never open", number="01632 960 333", hours="Mon 00:00-00:01")
    content = client.get("/crisis/").content.decode()
    assert "Open 24 hours, every day" in content
    assert "Closed now" in content or "Open now" in content
    assert "Hours: Mon 00:00-00:01" in content


def test_the_crisis_page_lists_the_directorys_crisis_support_services(client, db):
    make_service("Night Support Line", support=["crisis-support"], opening_hours="24/7", phone="01632 960 444")
    make_service("Draft Crisis Team", support=["crisis-support"], status="draft")
    make_service("Counselling", support=["counselling"])
    content = client.get("/crisis/").content.decode()
    assert "Night Support Line" in content
    assert 'href="tel:01632960444"' in content
    assert "Draft Crisis Team" not in content
    assert "Counselling" not in content


def test_moderators_may_edit_the_crisis_lines(db):
    perms = set(Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True))
    assert {"view_crisisline", "add_crisisline", "change_crisisline", "delete_crisisline"} <= perms


# The admin's inline of translations, sent empty.
NO_TRANSLATIONS = {"translations-TOTAL_FORMS": "0", "translations-INITIAL_FORMS": "0"}


def test_a_moderator_can_add_a_line_in_the_admin(client, db):
    client.force_login(make_moderator())
    response = client.post(
        "/admin/signposting/crisisline/add/",
        {
            "name": "Local line",
            "number": "01632 960 555",
            "kind": "call",
            "hours": "24/7",
            "order": "50",
            "active": "on",
            **NO_TRANSLATIONS,
        },
    )
    assert response.status_code == 302
    assert CrisisLine.objects.filter(number="01632 960 555").exists()


def test_a_member_of_the_moderators_group_sees_the_crisis_lines_in_the_admin(client, db):
    user = make_user(is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    assert client.get("/admin/signposting/crisisline/").status_code == 200


# --- Crisis-aware search ---------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "suicide",
        "SUICIDAL thoughts",
        "I want to kill myself",
        "how to end my life",
        "self-harm",
        "self harm support",
        "Overdose",
        "i want to die",
        "I can't go on",
        "cant go on!!",
        "can\u2019t go on",  # a curly apostrophe, as phones type it
    ],
)
def test_words_that_suggest_a_crisis_are_recognised(words):
    assert suggests_crisis(words)


@pytest.mark.parametrize(
    "words",
    [
        "myśli samobójcze",
        "Nie chcę już żyć",
        "zabic sie",  # typed without Polish letters
        "przedawkowalem",
        "خودکشی",
        "خودكشي",  # with the Arabic keyboard's kaf and yeh
        "مرنا چاہتی ہوں",
        "Khud kushi",
    ],
)
def test_crisis_words_in_polish_and_urdu_are_recognised_however_they_are_typed(words):
    assert suggests_crisis(words)


def test_a_polish_crisis_search_on_a_polish_page_opens_with_crisis_help(client, db):
    content = client.get("/pl/search/", {"q": "chcę umrzeć"}).content.decode()
    assert "data-crisis-box" in content


@pytest.mark.parametrize(
    "words", ["", None, "counselling in Urdu", "bereavement", "diet plan", "skill myself up", "depresja", "اداسی"]
)
def test_other_words_are_not_taken_for_a_crisis(words):
    assert not suggests_crisis(words)


def test_every_crisis_term_is_recognised_as_written():
    for terms in CRISIS_TERMS.values():
        for term in terms:
            assert suggests_crisis(term), term


def test_a_crisis_search_opens_with_crisis_help_then_the_results(client, db):
    make_service("Suicide bereavement group", support=["bereavement"])
    content = client.get("/search/", {"q": "suicide"}).content.decode()
    assert "data-crisis-box" in content
    assert content.index("data-crisis-box") < content.index("Suicide bereavement group")
    assert 'aria-label="Samaritans: call 116 123"' in content


def test_an_ordinary_search_has_no_crisis_box(client, db):
    assert "data-crisis-box" not in client.get("/search/", {"q": "counselling"}).content.decode()


def test_the_crisis_box_lists_crisis_support_services_open_now(client, db):
    make_service("Always There", support=["crisis-support"], opening_hours="24/7")
    make_service("Hours Unknown", support=["crisis-support"], opening_hours="ring for times")
    response = client.get("/search/", {"q": "I want to die"})
    assert [s.name for s in response.context["crisis_services"]] == ["Always There"]


def test_a_crisis_search_is_counted_no_differently_from_any_other(client, db):
    agent = {"HTTP_USER_AGENT": "Mozilla/5.0"}
    client.get("/search/", {"q": "suicide", "language": "so"}, **agent)
    client.get("/search/", {"q": "counselling", "language": "so"}, **agent)
    stats = list(NeedStat.objects.values())
    assert len(stats) == 1
    assert stats[0]["count"] == 2
    assert not any("suicide" in str(value) for value in stats[0].values())


def test_crisis_services_sorts_open_ones_first(db):
    make_service("A closed", support=["crisis-support"], opening_hours="Mon 00:00-00:01")
    make_service("B always", support=["crisis-support"], opening_hours="24/7")
    assert [s.name for s in crisis_services()] == ["B always", "A closed"]


def test_the_panel_says_when_a_line_is_closed_now(client, db):
    cache.delete(CACHE_KEY)
    day_after_tomorrow = DAYS[(timezone.localdate().weekday() + 2) % 7].title()
    CrisisLine.objects.create(name="Tiny window", number="01632 960 666", hours=f"{day_after_tomorrow} 00:00-00:01")
    assert "Tiny window" in client.get("/").content.decode()
    assert "(closed now)" in client.get("/").content.decode()


def crisis_search_queries(client) -> tuple[int, int]:
    """How many queries an ordinary search and a crisis search cost (both find nothing)."""
    # No service speaks Somali: both searches find nothing, so they differ only in crisis help.
    facet_index.current().words()  # built once per directory version, before either
    with CaptureQueriesContext(connection) as ordinary:
        client.get("/search/", {"q": "sadness", "language": "so"})
    with CaptureQueriesContext(connection) as crisis:
        client.get("/search/", {"q": "suicidal", "language": "so"})
    return len(ordinary), len(crisis)


def test_a_crisis_search_costs_two_queries_more_than_any_other_however_many_crisis_services(client, db):
    make_service("Always There", support=["crisis-support"], opening_hours="24/7")
    ordinary, crisis = crisis_search_queries(client)
    assert crisis == ordinary + 2
    for n in range(12):
        make_service(f"Crisis team {n}", support=["crisis-support"], hours="Mo-Su 00:00-24:00")
        make_service(f"Crisis café {n}", support=["crisis-support"], opening_hours=f"Mon-Fri 09:00-1{n % 8}:00")
    assert crisis_search_queries(client) == (ordinary, crisis)


def test_crisis_services_read_structured_hours_and_hours_in_the_note_alike(db):
    make_service("Structured, always", support=["crisis-support"], hours="Mo-Su 00:00-24:00")
    make_service("Structured, never", support=["crisis-support"], hours="Mo 00:00-00:01")
    make_service("Note, always", support=["crisis-support"], opening_hours="24/7")
    make_service("Note, unreadable", support=["crisis-support"], opening_hours="ring for times")
    # The structured hours win over a note that says otherwise.
    make_service("Structured over note", support=["crisis-support"], hours="Mo 00:00-00:01", opening_hours="24/7")
    listed = crisis_services()
    assert [s.name for s in listed] == [
        "Note, always",
        "Structured, always",
        "Note, unreadable",
        "Structured over note",
        "Structured, never",
    ]
    assert [s.open_now for s in listed] == [True, True, False, False, False]
    assert [s.name for s in crisis_services(open_only=True)] == ["Note, always", "Structured, always"]


@pytest.mark.parametrize("index", [True, False], ids=["facet index", "sql"])
def test_at_most_ten_crisis_services_are_listed_open_ones_first(db, settings, index):
    if not index:
        settings.MAP_CACHE_SECONDS = 0  # no facet index: the search's SQL finds them
    for n in range(8):
        make_service(f"A closed {n}", support=["crisis-support"], hours="Mo 00:00-00:01")
    for n in range(8):
        make_service(f"B open {n}", support=["crisis-support"], opening_hours="24/7")
    listed = crisis_services()
    assert [s.name for s in listed] == [f"B open {n}" for n in range(8)] + ["A closed 0", "A closed 1"]
    assert len(crisis_services(open_only=True)) == 8
    assert crisis_services_count() == 16


def test_the_crisis_page_links_to_every_crisis_service_when_it_lists_only_some(client, db):
    for n in range(11):
        make_service(f"Crisis team {n:02}", support=["crisis-support"], opening_hours="24/7")
    make_service("Not public", support=["crisis-support"], status="draft")
    content = client.get("/crisis/").content.decode()
    assert "Crisis team 09" in content
    assert "Crisis team 10" not in content
    assert "See all 11 crisis support services" in content
    assert 'href="/search/?support=crisis-support"' in content
    assert 'name="support" value="crisis-support"' in content  # the search near a postcode


def test_the_crisis_page_lists_every_crisis_service_of_a_small_directory_without_a_link(client, db):
    for n in range(10):
        make_service(f"Crisis team {n}", support=["crisis-support"], opening_hours="24/7")
    content = client.get("/crisis/").content.decode()
    assert all(f"Crisis team {n}" in content for n in range(10))
    assert "See all" not in content


def test_the_seeded_lines_read_in_the_visitors_language_and_a_regions_own_words_stay_as_typed(client, db):
    cache.delete(CACHE_KEY)  # read the lines the migration seeded, not the cached national ones
    CrisisLine.objects.create(name="Bradford Safe Haven", number="01274 000000", description="Open every evening.")
    english = "Someone to talk to about anything you are going through. Free from any phone."
    with translation.override("ur"):
        urdu = translation.gettext(english)
    assert urdu != english
    content = client.get("/ur/crisis/").content.decode()
    assert urdu in content and english not in content
    assert "Open every evening." in content


# --- A region's own lines in the visitors' languages ------------------------------------

HAVEN = {
    "name": "Bradford Safe Haven",
    "number": "01274 000 000",
    "kind": "call",
    "hours": "24/7",
    "order": "50",
    "active": "on",
    "description": "Somewhere calm to go in the evening.",
    "languages": "English",
}


def with_translations(*rows: dict) -> dict:
    data = {"translations-TOTAL_FORMS": str(len(rows)), "translations-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data.update({f"translations-{i}-{field}": value for field, value in row.items()})
    return data


URDU_HAVEN = {"language": "ur", "name": "بریڈفورڈ سیف ہیون", "description": "شام کو پُرسکون جگہ جہاں آپ جا سکتے ہیں"}


def test_a_moderator_translates_a_regions_own_line_and_urdu_pages_show_it(client, db):
    client.force_login(make_moderator())
    response = client.post("/admin/signposting/crisisline/add/", {**HAVEN, **with_translations(URDU_HAVEN)})
    assert response.status_code == 302
    line = CrisisLine.objects.get(number="01274 000 000")
    assert line.translations.get().language == "ur"
    client.logout()
    urdu = client.get("/ur/crisis/").content.decode()
    assert "بریڈفورڈ سیف ہیون" in urdu and "شام کو پُرسکون جگہ" in urdu
    assert "Somewhere calm to go in the evening." not in urdu
    # Fields left empty, and languages with no translation, show the line's own words.
    polish = client.get("/pl/crisis/").content.decode()
    assert "Bradford Safe Haven" in polish and "Somewhere calm to go in the evening." in polish
    english = client.get("/crisis/").content.decode()
    assert "Bradford Safe Haven" in english and "بریڈفورڈ" not in english


def test_a_translation_shows_at_once_though_the_lines_are_cached(client, db):
    line = CrisisLine.objects.create(name="Bradford Safe Haven", number="01274 000000", description="Calm.")
    assert "Bradford Safe Haven" in client.get("/ur/crisis/").content.decode()  # now cached
    translation_row = CrisisLineTranslation.objects.create(crisis_line=line, language="ur", name="سیف ہیون")
    assert "سیف ہیون" in client.get("/ur/crisis/").content.decode()
    translation_row.delete()
    assert "سیف ہیون" not in client.get("/ur/crisis/").content.decode()


def test_a_moderators_translation_of_a_national_line_wins_over_the_catalogue(client, db):
    cache.delete(CACHE_KEY)
    samaritans = CrisisLine.objects.get(number="116 123")
    CrisisLineTranslation.objects.create(crisis_line=samaritans, language="pl", description="Nasze własne słowa.")
    content = client.get("/pl/crisis/").content.decode()
    assert "Nasze własne słowa." in content


@pytest.mark.parametrize("language", ["", "en", "zz", "phr", "ur'--", "x" * 20])
def test_a_translation_in_a_language_the_site_does_not_offer_is_refused_and_nothing_saved(client, db, language):
    client.force_login(make_moderator())
    response = client.post(
        "/admin/signposting/crisisline/add/", {**HAVEN, **with_translations({**URDU_HAVEN, "language": language})}
    )
    assert response.status_code == 200
    assert response.context["errors"]
    assert not CrisisLine.objects.filter(number="01274 000 000").exists()
    assert not CrisisLineTranslation.objects.exists()


def test_a_line_cannot_have_two_translations_into_one_language(client, db):
    client.force_login(make_moderator())
    response = client.post("/admin/signposting/crisisline/add/", {**HAVEN, **with_translations(URDU_HAVEN, URDU_HAVEN)})
    assert response.status_code == 200
    assert not CrisisLine.objects.filter(number="01274 000 000").exists()


def test_moderators_may_translate_the_crisis_lines(db):
    perms = set(Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True))
    assert {f"{action}_crisislinetranslation" for action in ("view", "add", "change", "delete")} <= perms


def test_the_error_pages_national_lines_need_no_translation_rows(client, db):
    with translation.override("ur"):
        lines = crisis_lines(read_database=False)
    assert [line.number for line in lines] == ["999", "111", "116 123", "85258"]
