"""Interface languages: URLs, the language switcher, the draft notice and the catalogues."""

import re
from dataclasses import replace
from datetime import date

import pytest
from babel import Locale
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command

from directory import catalogues, languages
from feedback.models import ProblemKind, ProblemReport
from tests.factories import make_member, make_organisation, make_service

pytestmark = pytest.mark.django_db

URDU_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "ur,pl;q=0.8,en;q=0.5"}


@pytest.fixture
def service(db):
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise", phone="01632 960100")
    return make_service("Talking circle", slug="circle", organisation=organisation, phone="01632 960101")


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


PUBLIC_PATHS = [
    "/",
    "/search/?q=talking",
    "/services/circle/",
    "/organisations/sunrise/",
    "/shortlist/",
    "/shortlist/print/?service=circle",
    "/services/circle/report/",
    "/for-professionals/",
    "/about/data/",
]


def html_tag(content: str) -> str:
    return re.search(r"<html[^>]*>", content).group(0)


# --- URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_an_old_english_url_still_answers_in_english_whatever_the_browser_prefers(client, service, path):
    response = client.get(path, **URDU_BROWSER)
    assert response.status_code == 200
    assert html_tag(response.content.decode()) == '<html lang="en-gb" dir="ltr">'
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_every_public_page_answers_under_the_urdu_and_polish_prefixes(client, service, path):
    for code in ("ur", "pl"):
        response = client.get(f"/{code}{path}")
        assert response.status_code == 200, f"/{code}{path}"
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_urdu_pages_are_right_to_left_and_polish_left_to_right(client, service):
    assert html_tag(client.get("/ur/").content.decode()) == '<html lang="ur" dir="rtl">'
    assert html_tag(client.get("/pl/").content.decode()) == '<html lang="pl" dir="ltr">'
    assert html_tag(client.get("/").content.decode()) == '<html lang="en-gb" dir="ltr">'


def test_a_prefixed_page_is_in_its_language(client, service):
    assert "Znajdź pomoc" in client.get("/pl/").content.decode()
    assert "مدد تلاش کریں" in client.get("/ur/").content.decode()


@pytest.mark.parametrize("path", ["/ur/manage/", "/ur/api/", "/ur/accounts/login/", "/ur/admin/", "/de/", "/en-gb/"])
def test_staff_pages_the_api_and_languages_not_offered_have_no_prefixed_url(client, path):
    assert client.get(path).status_code == 404


def test_the_api_and_staff_pages_keep_their_english_addresses(client):
    assert client.get("/api/").status_code == 200
    assert client.get("/accounts/login/", **URDU_BROWSER).status_code == 200


# --- The language switcher ------------------------------------------------------------


def test_the_switcher_links_to_the_same_page_and_query_in_each_language(client, service):
    content = client.get("/search/?q=talking&cost=free").content.decode()
    assert '<a href="/ur/search/?q=talking&amp;cost=free" hreflang="ur" lang="ur" dir="rtl">اردو</a>' in content
    assert '<a href="/pl/search/?q=talking&amp;cost=free" hreflang="pl" lang="pl" dir="ltr">Polski</a>' in content
    assert (
        '<a href="/search/?q=talking&amp;cost=free" hreflang="en-gb" lang="en-gb" dir="ltr" aria-current="page">'
        "English</a>"
    ) in content


def test_the_switcher_on_a_translated_page_leads_back_to_the_english_url(client, service):
    content = client.get("/ur/services/circle/").content.decode()
    assert '<a href="/services/circle/" hreflang="en-gb"' in content
    assert 'href="/ur/services/circle/" hreflang="ur" lang="ur" dir="rtl" aria-current="page"' in content


def test_staff_pages_have_no_switcher(client):
    assert "language-switcher" not in client.get("/accounts/login/").content.decode()


def test_the_switcher_does_not_repeat_a_garbage_query_string(client, service):
    content = client.get("/search/", {"q": "x" * 6000}).content.decode()
    assert '<a href="/ur/search/" hreflang="ur"' in content


# --- The draft notice ------------------------------------------------------------------


def test_a_draft_translation_says_so_and_english_does_not(client, service):
    assert 'class="draft-notice"' not in client.get("/").content.decode()
    content = client.get("/pl/").content.decode()
    assert 'class="draft-notice"' in content
    assert 'href="/pl/about/data/#translations"' in content


def test_the_draft_notice_on_a_service_page_opens_its_report_form_at_translation(client, service):
    content = client.get("/ur/services/circle/").content.decode()
    assert 'href="/ur/services/circle/report/?kind=translation"' in content
    form = client.get("/ur/services/circle/report/?kind=translation").content.decode()
    assert re.search(r'<input type="radio" name="kind" value="translation"[^>]*checked', form)


@pytest.mark.parametrize("kind", ["", "nonsense", "x" * 5000, "<script>"])
def test_a_garbage_kind_in_the_report_link_chooses_nothing(client, service, kind):
    response = client.get("/services/circle/report/", {"kind": kind})
    assert response.status_code == 200
    assert "checked" not in response.content.decode()


def test_a_language_is_a_draft_until_a_named_reviewer_signs_it_off_on_a_date():
    polish = languages.BY_CODE["pl"]
    assert polish.is_draft
    assert replace(polish, reviewed_by="A. Nowak").is_draft
    assert not replace(polish, reviewed_by="A. Nowak", reviewed_on=date(2026, 12, 1)).is_draft


def test_a_translation_report_goes_to_the_moderators_not_the_organisation(
    client, service, moderator, django_capture_on_commit_callbacks
):
    make_member(service.organisation, email="owner@sunrise.example", role="owner")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/ur/services/circle/report/",
            {"kind": "translation", "details": "The button says the wrong thing.", "reply_email": "", "website": ""},
        )
    assert response.status_code == 302
    assert ProblemReport.objects.get().kind == ProblemKind.TRANSLATION
    assert [message.to for message in mail.outbox] == [[moderator.email]]
    body = mail.outbox[0].body
    assert "The translation into my language is wrong or hard to understand" in body  # in English
    assert "/ur/" not in body


# --- Right to left ----------------------------------------------------------------------


def test_phone_numbers_read_left_to_right_in_urdu(client, service):
    content = client.get("/ur/services/circle/").content.decode()
    assert '<span class="contact-action__detail" dir="ltr">01632 960101</span>' in content  # the Call button
    assert 'href="tel:01632960101" dir="ltr">01632 960101</a>' in content  # the contact details
    assert 'dir="ltr" id="id_postcode"' in client.get("/ur/").content.decode()


# --- The languages and their catalogues ---------------------------------------------------


def test_settings_languages_come_from_the_languages_module():
    expected = [(language.code, language.autonym) for language in languages.ENABLED]
    assert expected == settings.LANGUAGES
    assert settings.LANGUAGE_CODE == languages.DEFAULT
    assert {"ur", "ar", "fa"} <= set(settings.LANGUAGES_BIDI)


@pytest.mark.parametrize("language", languages.INTERFACE_LANGUAGES, ids=lambda language: language.code)
def test_each_language_reads_in_the_direction_cldr_gives_it(language):
    assert language.direction == Locale.parse(language.code.replace("-", "_")).text_direction


def test_the_catalogues_are_up_to_date_with_the_code():
    # `make messages-check` runs the same; the message names the command that regenerates them.
    call_command("catalogues", check=True)


@pytest.mark.parametrize("language", languages.TRANSLATED, ids=lambda language: language.code)
def test_every_enabled_language_translates_every_public_message(language):
    gaps = catalogues.gaps(language.code)
    assert not gaps, (
        f"{len(gaps)} public messages are not translated properly in {catalogues.po_path(language.code)}: "
        + "; ".join(str(gap) for gap in gaps[:20])
        + f". Run `{catalogues.REGENERATE}`, translate them (docs/translating.md), or turn the language off "
        "in directory/languages.py."
    )


def test_a_public_message_is_one_from_a_public_template():
    template = catalogues.extract_template()
    public = {message.id for message in template if catalogues.is_public(message)}
    assert "Find support" in public  # base.html
    assert "Choose a password" not in public  # staff only


def test_dates_take_the_form_the_language_writes_them_in(client, service):
    # Polish writes "30 listopada 2026" (the month in the genitive), English "30 November 2026".
    service.last_verified = date(2026, 11, 30)
    service.save()
    assert "30 listopada 2026" in client.get("/pl/services/circle/").content.decode()
    assert "30 November 2026" in client.get("/services/circle/").content.decode()


@pytest.mark.parametrize(
    ("prefix", "written"),
    [
        ("", "Last checked on 30 November 2026"),
        ("/pl", "30 listopada 2026"),
        ("/ro", "30 noiembrie 2026"),  # Romanian months are lower case (Django's have a capital)
        ("/sk", "30. 11. 2026"),  # Django has no Slovak month form to follow a day ("novembra")
        ("/ur", "30 نومبر 2026"),
    ],
)
def test_a_date_in_words_reads_as_each_language_writes_it(client, service, prefix, written):
    service.last_verified = date(2026, 11, 30)
    service.save()
    content = client.get(f"{prefix}/services/circle/").content.decode()
    assert written in content
    assert "Noiembrie" not in content and "30 november 2026" not in content
