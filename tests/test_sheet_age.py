"""Printed sheets that know their age (issue 13): each service's last check and the
12-month warning on the sheet, the print date in its link and QR code, and what the page
that link opens says has changed or gone since the printing."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from editing.services import confirm_listing
from partners.models import Organisation, Service, Status
from signposting.qr import qr_svg
from signposting.shortlist import parse_printed
from tests.factories import days_ago, make_location, make_organisation, make_service, make_user

pytestmark = pytest.mark.django_db

WARNING = "This information may be out of date."


def sheet(client, *slugs: str, prefix: str = "") -> str:
    return client.get(f"{prefix}/shortlist/print/", {"service": list(slugs)}).content.decode()


def long_date(day: date, language: str = "en") -> str:
    with translation.override(language):
        return date_format(day, "j E Y")


# --- How old each service on the sheet is ---------------------------------------------------------------


def test_the_sheet_says_when_each_service_was_last_checked(client, db):
    checked = days_ago(40)
    make_service("Amber", slug="amber", last_verified=checked)
    content = sheet(client, "amber")
    assert f'<p class="sheet-service__checked">Last checked on {long_date(checked)}</p>' in content
    assert WARNING not in content


def test_a_service_checked_exactly_twelve_months_ago_carries_no_warning(client, db, settings):
    settings.VERY_STALE_AFTER_DAYS = 365
    make_service("Amber", slug="amber", last_verified=days_ago(365))
    content = sheet(client, "amber")
    assert f"Last checked on {long_date(days_ago(365))}" in content
    assert WARNING not in content


def test_a_service_not_checked_for_more_than_twelve_months_carries_a_warning(client, db, settings):
    settings.VERY_STALE_AFTER_DAYS = 365
    make_service("Amber", slug="amber", last_verified=days_ago(366))
    make_service("Birch", slug="birch", last_verified=days_ago(3))
    content = sheet(client, "amber", "birch")
    assert f"Last checked on {long_date(days_ago(366))}" in content
    assert content.count(WARNING) == 1
    assert "It has not been checked in the last 12 months: contact the service to check before you go." in content
    amber, birch = content.split('<li class="sheet-service">')[1:]
    assert WARNING in amber and WARNING not in birch


def test_a_service_never_checked_says_so_and_carries_the_warning(client, db):
    make_service("Amber", slug="amber", last_verified=None)
    content = sheet(client, "amber")
    assert '<p class="sheet-service__checked">This listing has not been checked yet.</p>' in content
    assert "Last checked on" not in content
    assert WARNING in content


def test_the_warning_follows_the_one_freshness_setting(client, db, settings):
    settings.VERY_STALE_AFTER_DAYS = 183
    make_service("Amber", slug="amber", last_verified=days_ago(184))
    make_service("Birch", slug="birch", last_verified=days_ago(183))
    content = sheet(client, "amber", "birch")
    assert content.count(WARNING) == 1
    assert "It has not been checked in the last 6 months" in content
    # The same rule as the public "may be out of date" notice on the service page.
    assert WARNING in client.get("/services/amber/").content.decode()
    assert WARNING not in client.get("/services/birch/").content.decode()


def test_the_warning_in_urdu_is_right_to_left_with_english_beside_it(client, db):
    make_service("Amber", slug="amber", last_verified=days_ago(400))
    content = sheet(client, "amber", prefix="/ur")
    with translation.override("ur"):
        warning = translation.gettext(WARNING)
        checked = translation.gettext("Last checked on %(date)s") % {"date": long_date(days_ago(400), "ur")}
    assert warning != WARNING
    assert f'<span lang="ur" dir="rtl">{warning}</span>' in content
    assert f'<span class="bilingual-english" lang="en-GB" dir="ltr">{WARNING}</span>' in content
    assert f'<span lang="ur" dir="rtl">{checked}</span>' in content
    assert f"Last checked on {long_date(days_ago(400))}" in content


def test_dates_on_the_sheet_are_in_the_language_s_long_form(client, db):
    checked = date(2026, 3, 4) if timezone.localdate() >= date(2026, 3, 4) else days_ago(1)
    make_service("Amber", slug="amber", last_verified=checked)
    content = sheet(client, "amber", prefix="/pl")
    assert long_date(checked, "pl") in content  # "4 marca 2026": the genitive month, as Poles write a date
    assert long_date(timezone.localdate(), "pl") in content


# --- The print date in the sheet's link and QR code ---------------------------------------------------------


def test_the_sheet_s_link_and_qr_code_carry_the_day_it_was_printed(client, db):
    make_service("Amber", slug="amber")
    today = timezone.localdate().isoformat()
    content = sheet(client, "amber")
    assert f'href="http://testserver/shortlist/?service=amber&amp;printed={today}"' in content
    assert f'src="/shortlist/qr.svg?service=amber&amp;printed={today}"' in content
    qr = client.get("/shortlist/qr.svg", {"service": "amber", "printed": today}).content
    assert qr == qr_svg(f"http://testserver/shortlist/?service=amber&printed={today}")
    # The list's own link on screen is not a printed sheet: it carries no date.
    assert "printed=" not in client.get("/shortlist/", {"service": "amber"}).context["share_url"]


# The last is 2026-01-15 in Arabic-Indic digits: a date, but not in the form the sheet writes.
NOT_DAYS = [
    "yesterday",
    "2026-02-30",
    "9999-12-31",
    "20260115",
    "<script>",
    "",
    "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0661\u0665",
]


@pytest.mark.parametrize("value", NOT_DAYS)
def test_a_qr_code_leaves_out_a_print_date_that_is_not_a_real_past_day(client, db, value):
    qr = client.get("/shortlist/qr.svg", {"service": "amber", "printed": value})
    assert qr.status_code == 200
    assert qr.content == qr_svg("http://testserver/shortlist/?service=amber")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-01-15", date(2026, 1, 15)),
        (" 2026-01-15 ", date(2026, 1, 15)),
        ("2026-02-30", None),
        ("0000-00-00", None),
        ("2026-1-5", None),
        ("2026-01-15T10:00", None),
        (None, None),
    ],
)
def test_a_print_date_is_an_iso_day(value, expected):
    if expected and expected > timezone.localdate():
        pytest.skip("the test clock is before this date")
    assert parse_printed(value) == expected


def test_a_print_date_in_the_future_is_ignored():
    assert parse_printed((timezone.localdate() + timedelta(days=1)).isoformat()) is None
    assert parse_printed(timezone.localdate().isoformat()) == timezone.localdate()


# --- What the sheet's link says has changed since --------------------------------------------------------------


@pytest.fixture
def printed_list(db):
    """Three services on a sheet printed ten days ago, none changed since."""
    organisation = make_organisation("Sunrise", slug="sunrise")
    other = make_organisation("Hillside", slug="hillside")
    services = [
        make_service("Amber", slug="amber", organisation=organisation, locations=[make_location(organisation)]),
        make_service("Birch", slug="birch", organisation=organisation),
        make_service("Cedar", slug="cedar", organisation=other),
    ]
    before = timezone.now() - timedelta(days=30)
    Organisation.objects.update(updated=before)
    Service.objects.update(updated=before)
    return services


PRINTED = timezone.localdate() - timedelta(days=10)


def opened(client, *slugs: str, printed: str | None = None):
    params = {"service": list(slugs) or ["amber", "birch", "cedar"], "printed": printed or PRINTED.isoformat()}
    return client.get("/shortlist/", params)


def notice(response) -> str:
    content = response.content.decode()
    start = content.index('<section class="since-printed"')
    return content[start : content.index("</section>", start)]


def test_a_sheet_s_link_says_nothing_has_changed_since_it_was_printed(client, printed_list):
    response = opened(client)
    text = notice(response)
    assert f"Since this sheet was printed on {long_date(PRINTED)}" in text
    assert "No service on the sheet has new details since then." in text
    assert response.context["since"]["changed"] == []


def test_a_sheet_s_link_names_the_services_changed_after_it_was_printed(client, printed_list):
    Service.objects.filter(slug="birch").update(updated=timezone.now() - timedelta(days=2))
    text = notice(opened(client))
    assert "1 service has new details. What you see below is the latest:" in text
    assert '<li><a href="#result-birch">Birch</a></li>' in text
    assert "Amber" not in text and "Cedar" not in text


def test_a_change_to_the_organisation_counts_as_a_change_to_its_services(client, printed_list):
    Organisation.objects.filter(slug="hillside").update(updated=timezone.now())
    text = notice(opened(client))
    assert '<li><a href="#result-cedar">Cedar</a></li>' in text
    assert "Amber" not in text


def test_a_change_made_before_or_on_the_day_of_printing_is_not_flagged(client, printed_list):
    same_day = timezone.make_aware(datetime.combine(PRINTED, time.max))
    Service.objects.filter(slug="amber").update(updated=same_day)
    Service.objects.filter(slug="birch").update(updated=same_day + timedelta(microseconds=1))
    response = opened(client)
    assert [service.slug for service in response.context["since"]["changed"]] == ["birch"]


def test_a_listing_confirmed_unchanged_since_printing_is_not_a_change(client, printed_list):
    confirm_listing(Service.objects.get(slug="amber"), make_user())
    assert opened(client).context["since"]["changed"] == []


def test_a_sheet_s_link_names_the_services_withdrawn_since_and_counts_the_deleted(client, printed_list):
    Service.objects.filter(slug="birch").update(status=Status.ARCHIVED)
    Organisation.objects.filter(slug="hillside").update(status=Status.ARCHIVED)
    response = opened(client, "amber", "birch", "cedar", "deleted-since")
    text = notice(response)
    assert "3 services on the sheet are no longer in the directory, so they are not shown here." in text
    assert "<li>Birch</li>" in text and "<li>Cedar</li>" in text
    assert [service.slug for service in response.context["services"]] == ["amber"]
    # Said once, in the sheet's own words, not again in the general note for links.
    assert "not in the directory (any more)" not in response.content.decode()


def test_a_draft_is_never_named_as_no_longer_listed(client, printed_list):
    make_service("Secret plans", slug="secret-plans", status=Status.DRAFT)
    text = notice(opened(client, "amber", "secret-plans"))
    assert "1 service on the sheet is no longer in the directory" in text
    assert "Secret plans" not in text


def test_a_sheet_whose_services_are_all_gone_still_says_so(client, printed_list):
    Service.objects.update(status=Status.ARCHIVED)
    response = opened(client)
    assert "3 services on the sheet are no longer in the directory" in notice(response)
    assert "This link does not name any service in the directory." in response.content.decode()


@pytest.mark.parametrize(
    "value",
    ["garbage", "2026-02-30", "9999-12-31", "0001-01-01x", "", "2026-11-30T00:00", "<script>alert(1)</script>", "\x00"],
)
def test_a_garbage_or_future_print_date_is_ignored(client, printed_list, value):
    response = client.get("/shortlist/", {"service": ["amber", "gone"], "printed": value})
    assert response.status_code == 200
    content = response.content.decode()
    assert "since-printed" not in content
    assert response.context["since"] is None
    assert "1 service in this link is not in the directory (any more), so it is not shown." in content
    assert "<script>alert(1)</script>" not in content


def test_a_very_old_print_date_counts_every_change_since(client, printed_list):
    response = opened(client, printed="0001-01-01")
    assert len(response.context["since"]["changed"]) == 3


def test_my_own_shortlist_ignores_a_print_date(client, printed_list):
    client.post("/shortlist/add/", {"service": "amber"})
    response = client.get("/shortlist/", {"printed": PRINTED.isoformat()})
    assert response.context["since"] is None
    assert "since-printed" not in response.content.decode()


def test_the_changed_since_notice_is_in_the_visitor_s_language(client, printed_list):
    Service.objects.filter(slug="birch").update(updated=timezone.now())
    response = client.get("/ar/shortlist/", {"service": ["amber", "birch"], "printed": PRINTED.isoformat()})
    text = notice(response)
    with translation.override("ar"):
        heading = translation.gettext("Since this sheet was printed on %(date)s") % {"date": long_date(PRINTED, "ar")}
    assert not heading.startswith("Since")
    assert heading in text
    assert response.content.decode().startswith('<!doctype html>\n\n<html lang="ar" dir="rtl">')


# --- Query counts ----------------------------------------------------------------------------------------------------

# As tests/test_shortlist.py SHARED_QUERIES: the services, 7 prefetches (organisation joined), the example banner.
SHARED_QUERIES = 9


@pytest.mark.parametrize("count", [1, 12])
def test_a_sheet_s_link_takes_no_more_queries_for_what_changed(client, db, django_assert_num_queries, count):
    organisation = make_organisation()
    slugs = [make_service(f"Service {i}", organisation=organisation, languages=["ur"]).slug for i in range(count)]
    Service.objects.filter(slug=slugs[0]).update(updated=timezone.now())
    with django_assert_num_queries(SHARED_QUERIES):
        response = client.get("/shortlist/", {"service": slugs, "printed": PRINTED.isoformat()})
    assert len(response.context["since"]["changed"]) == count


@pytest.mark.parametrize("gone", [1, 5])
def test_a_sheet_s_link_with_services_gone_takes_one_query_more(client, db, django_assert_num_queries, gone):
    organisation = make_organisation()
    slugs = [make_service(f"Service {i}", organisation=organisation).slug for i in range(6)]
    Service.objects.filter(slug__in=slugs[:gone]).update(status=Status.ARCHIVED)
    with django_assert_num_queries(SHARED_QUERIES + 1):
        response = client.get("/shortlist/", {"service": slugs, "printed": PRINTED.isoformat()})
    assert response.context["since"]["gone"] == gone


def test_the_warning_in_arabic_counts_twelve_months_as_arabic_does(client, db):
    make_service("Amber", slug="amber", last_verified=days_ago(400))
    content = sheet(client, "amber", prefix="/ar")
    assert "خلال آخر 12 شهرًا" in content  # 11 to 99 take the accusative singular
