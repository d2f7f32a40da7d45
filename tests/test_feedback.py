"""Report a problem with a listing, and the unmet need counts and report."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import DatabaseError

from feedback import needs
from feedback.models import NeedStat, ProblemReport, ReportState
from feedback.needs import FEW_RESULTS, need_report, record_search
from partners.models import Status
from partners.postcodes import Place
from partners.search import SearchParams
from tests.factories import make_member, make_organisation, make_postcode, make_service, make_user
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0"}


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service(db):
    organisation = make_organisation("Sunrise Wellbeing", slug="sunrise")
    return make_service("Talking circle", slug="circle", organisation=organisation)


@pytest.fixture
def owner(service):
    return make_member(service.organisation, email="owner@sunrise.example", role="owner").user


def report(client, slug="circle", ip="203.0.113.9", **data):
    fields = {"kind": "wrong-phone", "details": "The number is now 01632 960555.", "reply_email": "", "website": ""}
    fields.update(data)
    return client.post(f"/services/{slug}/report/", fields, REMOTE_ADDR=ip)


# --- Report a problem -----------------------------------------------------------------------------


def test_the_report_form_asks_what_is_wrong_and_nothing_personal(client, service):
    response = client.get("/services/circle/report/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Report a problem with this listing</h1>" in content
    for label in (
        "The phone number or email address is wrong",
        "The service has closed",
        "has moved",
        "Something else",
    ):
        assert label in content
    assert "You do not need to give your name." in content
    assert 'name="reply_email"' in content and "(optional)" in content
    assert "Please do not include personal or health information." in content


@pytest.mark.parametrize("status", [Status.DRAFT, Status.ARCHIVED])
def test_only_published_listings_can_be_reported(client, db, status):
    make_service(slug="hidden", status=status)
    make_service(slug="hidden-org", organisation=make_organisation(status=status))
    for slug in ("hidden", "hidden-org", "no-such-thing"):
        assert client.get(f"/services/{slug}/report/").status_code == 404
        assert report(client, slug=slug).status_code == 404
    assert ProblemReport.objects.count() == 0


def test_a_report_is_kept_for_the_moderators_and_emailed_to_the_owners(
    client, service, owner, django_capture_on_commit_callbacks
):
    make_member(service.organisation, email="editor@sunrise.example", role="editor")
    with django_capture_on_commit_callbacks(execute=True):
        response = report(client, reply_email="Reporter@Example.org")
    assert response.status_code == 302
    assert response["Location"] == "/services/circle/report/sent/"
    saved = ProblemReport.objects.get()
    assert (saved.service, saved.kind, saved.details, saved.reply_email, saved.state) == (
        service,
        "wrong-phone",
        "The number is now 01632 960555.",
        "Reporter@example.org",
        ReportState.OPEN,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@sunrise.example"]
    assert message.subject == "Someone reported a problem with Talking circle"
    assert "The phone number or email address is wrong" in message.body
    assert "01632 960555" in message.body
    assert "http://127.0.0.1:8000/manage/services/circle/" in message.body
    assert "Reporter@example.org" not in message.body  # the reply address stays with the moderators
    assert "Reporter@example.org" not in message.alternatives[0][0]


def test_a_report_about_a_listing_nobody_looks_after_goes_to_the_moderators(
    client, service, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report(client)
    assert mail.outbox[0].to == [moderator.email]
    saved = ProblemReport.objects.get()
    assert f"/admin/feedback/problemreport/{saved.pk}/change/" in mail.outbox[0].body


def test_the_confirmation_page_thanks_the_reporter(client, service):
    content = client.get("/services/circle/report/sent/").content.decode()
    assert "<h1>Thank you for your report</h1>" in content
    assert 'href="/services/circle/"' in content


BAD_REPORTS = [
    ({"kind": ""}, "kind", "Choose what is wrong with the listing."),
    ({"kind": "<script>alert(1)</script>"}, "kind", "Choose what is wrong with the listing."),
    ({"kind": "wrong-phone" * 50}, "kind", "Choose what is wrong with the listing."),
    ({"details": "x" * 2001}, "details", "Use 2000 characters or fewer (you used 2001)."),
    ({"details": "bad\x00byte"}, "details", "Null characters are not allowed."),
    ({"kind": "other", "details": ""}, "details", "Tell us what is wrong, so the organisation can put it right."),
    ({"kind": "wrong-details", "details": "   "}, "details", "Tell us what is wrong"),
    ({"reply_email": "not an address"}, "reply_email", "Enter an email address like name@example.org"),
    ({"reply_email": "a@" + "b" * 300 + ".org"}, "reply_email", "Enter an email address like name@example.org"),
    ({"reply_email": "<script>@x.org"}, "reply_email", "Enter an email address like name@example.org"),
]


@pytest.mark.parametrize(("data", "field", "message"), BAD_REPORTS)
def test_a_bad_report_is_refused_with_a_message_by_the_field(client, service, data, field, message):
    response = report(client, **data)
    assert response.status_code == 200
    assert ProblemReport.objects.count() == 0
    assert field in response.context["form"].errors
    content = response.content.decode()
    assert message in content
    assert "<title>Error:" in content
    assert 'class="error-summary"' in content
    assert "<script>alert(1)</script>" not in content


def test_control_characters_are_taken_out_of_the_details(client, service):
    report(client, details="Closed\x07 on\x1b Mondays\r\nnow")
    assert ProblemReport.objects.get().details == "Closed on Mondays\nnow"


def test_the_robot_trap_is_hidden_labelled_and_skipped(client, service):
    content = client.get("/services/circle/report/").content.decode()
    assert '<div class="form-trap">' in content
    assert '<label for="id_website">Leave this empty</label>' in content
    assert 'autocomplete="off"' in content and 'tabindex="-1"' in content


def test_a_robot_filling_the_trap_is_thanked_and_nothing_is_kept_or_sent(
    client, service, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = report(client, website="http://spam.example")
    assert response["Location"] == "/services/circle/report/sent/"
    assert ProblemReport.objects.count() == 0
    assert mail.outbox == []


def test_one_client_may_send_a_few_reports_an_hour(client, service, settings):
    settings.PROBLEM_REPORTS_PER_HOUR = 2
    assert report(client).status_code == 302
    assert report(client).status_code == 302
    response = report(client, details="A third time")
    assert response.status_code == 429
    assert "You have sent several reports in the last hour." in response.content.decode()
    assert "A third time" in response.content.decode()  # their words are kept in the form
    assert ProblemReport.objects.count() == 2
    # Someone else is not held up.
    assert report(client, ip="198.51.100.7").status_code == 302
    assert ProblemReport.objects.count() == 3


def test_mistakes_do_not_count_towards_the_limit(client, service, settings):
    settings.PROBLEM_REPORTS_PER_HOUR = 1
    for _ in range(3):
        report(client, kind="")
    assert report(client).status_code == 302


def test_the_rate_limit_keeps_no_address_anywhere(client, service):
    report(client, ip="203.0.113.77")
    keys = list(cache._cache.keys())  # the local-memory cache used in tests
    assert keys and not any("203.0.113.77" in key for key in keys)
    assert not any("203.0.113.77" in str(value) for value in ProblemReport.objects.values().get().values())


def test_moderators_see_open_reports_in_the_admin_and_resolve_them(moderator_client, moderator, service):
    open_report = ProblemReport.objects.create(service=service, kind="closed", reply_email="r@example.org")
    ProblemReport.objects.create(service=service, kind="moved").resolve(moderator)
    response = moderator_client.get("/admin/feedback/problemreport/")
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [open_report]  # the queue opens on open reports
    all_reports = moderator_client.get("/admin/feedback/problemreport/?state=all")
    assert all_reports.context["cl"].result_count == 2

    moderator_client.post(
        "/admin/feedback/problemreport/", {"action": "mark_resolved", "_selected_action": [open_report.pk]}
    )
    open_report.refresh_from_db()
    assert open_report.state == ReportState.RESOLVED
    assert open_report.resolved_by == moderator and open_report.resolved_at is not None
    assert open_report.reply_email == ""  # deleted once dealt with


def test_a_moderator_can_open_a_report_and_write_a_note(moderator_client, service):
    problem = ProblemReport.objects.create(service=service, kind="other", details="Wrong day")
    page = moderator_client.get(f"/admin/feedback/problemreport/{problem.pk}/change/")
    assert page.status_code == 200 and "Wrong day" in page.content.decode()
    moderator_client.post(f"/admin/feedback/problemreport/{problem.pk}/change/", {"moderator_note": "Fixed."})
    problem.refresh_from_db()
    assert problem.moderator_note == "Fixed."
    assert moderator_client.get("/admin/feedback/problemreport/add/").status_code == 403


# --- Unmet need: what is counted ------------------------------------------------------------------------------


@pytest.fixture
def keighley(db):
    return make_postcode("BD21 3DN")


def search(client, **params):
    response = client.get("/search/", params, **BROWSER, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    return response


def test_a_search_finding_nothing_is_counted_with_no_personal_data(client, keighley, alice):
    client.force_login(alice)
    search(client, q="my name is Jane Doe", language=["so", "ti"], support="counselling", postcode="bd213dn")
    rows = list(NeedStat.objects.values())
    monday = date.today() - timedelta(days=date.today().weekday())
    assert rows == [
        {
            "id": rows[0]["id"],
            "week": monday,
            "language": "so,ti",
            "community": "",
            "support": "counselling",
            "district": "BD21",
            "narrowed": True,  # words were typed as well: we say so, and keep none of them
            "bucket": "none",
            "count": 1,
        }
    ]
    assert {f.name for f in NeedStat._meta.get_fields()} == {
        "id",
        "week",
        "language",
        "community",
        "support",
        "district",
        "narrowed",
        "bucket",
        "count",
    }


def test_the_same_search_again_adds_to_the_count(client, db):
    for _ in range(3):
        search(client, community="black-african")
    assert NeedStat.objects.get().count == 3


def test_values_in_any_order_count_as_one_combination(client, db):
    search(client, language=["ur", "pa"])
    search(client, language=["pa", "ur", "pa"])
    assert list(NeedStat.objects.values_list("language", "count")) == [("pa,ur", 2)]


def test_a_plain_filter_search_is_not_narrowed(client, db):
    search(client, language="so")
    assert NeedStat.objects.get().narrowed is False


@pytest.mark.parametrize(("found", "bucket"), [(0, "none"), (1, "few"), (FEW_RESULTS, "few"), (FEW_RESULTS + 1, None)])
def test_searches_are_sorted_into_none_and_few_at_the_boundaries(client, db, found, bucket):
    for i in range(found):
        make_service(f"Somali {i}", languages=["so"])
    search(client, language="so")
    assert list(NeedStat.objects.values_list("bucket", flat=True)) == ([bucket] if bucket else [])


@pytest.mark.parametrize(
    ("count", "bucket"), [(-1, "none"), (0, "none"), (1, "few"), (2, "few"), (3, None), (1000, None)]
)
def test_record_search_buckets(db, count, bucket):
    row = record_search(SearchParams(language=("so",)), count)
    assert (row.bucket if row else None) == bucket


def test_record_search_uses_the_monday_of_the_week(db):
    row = record_search(SearchParams(language=("so",)), 0, today=date(2025, 3, 9))  # a Sunday
    assert row.week == date(2025, 3, 3)


def test_a_search_by_location_keeps_no_place(db):
    place = Place("your location", 53.79, -1.75, is_district=False)
    assert record_search(SearchParams(place=place), 0) is None  # nothing else to say about it
    row = record_search(SearchParams(place=place, language=("so",)), 0)
    assert row.district == ""


def test_an_outward_code_search_keeps_the_district(db):
    row = record_search(SearchParams(place=Place("BD7", 53.78, -1.78, is_district=True)), 0)
    assert row.district == "BD7"


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"q": "anything at all"}, BROWSER),  # words alone: nothing we may keep
        ({}, BROWSER),
        ({"language": "so", "page": "2"}, BROWSER),
        ({"language": "so"}, {}),  # no User-Agent
        ({"language": "so"}, {"HTTP_USER_AGENT": "Googlebot/2.1 (+http://www.google.com/bot.html)"}),
        ({"language": "so"}, {"HTTP_USER_AGENT": "python-requests/2.32"}),
        ({"language": "so"}, {**BROWSER, "HTTP_SEC_PURPOSE": "prefetch"}),
    ],
)
def test_searches_that_are_not_a_person_looking_are_not_counted(client, db, params, headers):
    client.get("/search/", params, **headers)
    assert NeedStat.objects.count() == 0


def test_a_search_by_words_alone_does_not_search_again_for_services_not_taking_new_people(client, db):
    # Nothing would be kept for it, so its open result count is never worked out.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def closed_counts(queries) -> list:
        return [q for q in queries.captured_queries if "COUNT(" in q["sql"] and "capacity_answered" in q["sql"]]

    make_service("Counselling group", support=["counselling"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": "counselling"}, **BROWSER)
    assert response.status_code == 200
    assert not closed_counts(queries)
    with CaptureQueriesContext(connection) as queries:
        client.get("/search/", {"q": "counselling", "support": "counselling"}, **BROWSER)
    assert closed_counts(queries)


def test_the_map_data_is_not_counted(client, db):
    client.get("/search/geojson/", {"language": "so"}, **BROWSER)
    assert NeedStat.objects.count() == 0


def test_a_database_problem_while_counting_never_stops_the_search(client, db, monkeypatch):
    def broken(key):
        raise DatabaseError("disk full")

    monkeypatch.setattr(needs, "_increment", broken)
    assert search(client, language="so").status_code == 200


# --- Unmet need: the report for commissioners -----------------------------------------------------------


@pytest.fixture
def counted(db):
    this_week = needs.week_of(date.today())
    rows = [
        ("so", "", "counselling", "BD3", False, "none", 7),
        ("so", "", "counselling", "BD3", True, "none", 2),
        ("so", "", "counselling", "BD3", False, "few", 1),
        ("pa,ur", "pakistani-kashmiri", "", "", False, "few", 4),
        ("ti", "black-african", "", "BD8", False, "none", 3),
    ]
    for language, community, support, district, narrowed, bucket, count in rows:
        NeedStat.objects.create(
            week=this_week,
            language=language,
            community=community,
            support=support,
            district=district,
            narrowed=narrowed,
            bucket=bucket,
            count=count,
        )
    NeedStat.objects.create(week=this_week - timedelta(weeks=30), language="ro", bucket="none", count=50)
    return this_week


def test_the_report_puts_the_most_searched_combinations_with_no_service_first(counted):
    report_ = need_report(counted - timedelta(weeks=4), counted)
    assert [(r.language, r.community, r.support, r.district, r.none, r.few, r.narrowed) for r in report_.rows] == [
        ("Somali", "", "Counselling and talking therapy", "BD3", 9, 1, 2),
        ("Tigrinya", "Black African", "", "BD8", 3, 0, 0),
        ("Punjabi or Urdu", "Pakistani and Kashmiri", "", "", 0, 4, 0),
    ]
    assert (report_.searches_with_none, report_.searches_with_few) == (12, 5)


def test_the_report_can_leave_out_searches_narrowed_by_other_choices(counted):
    rows = need_report(counted, counted, include_narrowed=False).rows
    assert rows[0].none == 7 and rows[0].narrowed == 0


@pytest.mark.parametrize("path", ["/admin/feedback/needstat/", "/admin/feedback/needstat/unmet-need.csv"])
def test_the_unmet_need_report_is_for_moderators_only(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(make_user())
    assert "/admin/login/" in client.get(path)["Location"]
    client.force_login(make_user(is_staff=True))
    assert client.get(path).status_code == 403


def test_moderators_read_the_report_in_words(moderator_client, counted):
    response = moderator_client.get("/admin/feedback/needstat/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Unmet need: searches that found no or few services" in content
    assert "<td>Somali</td>" in content and "<td>Counselling and talking therapy</td>" in content
    assert "<td>Punjabi or Urdu</td>" in content and "<td>Pakistani and Kashmiri</td>" in content
    assert "12 searches found no service." in content
    assert "Romanian" not in content  # thirty weeks ago: outside the last twelve weeks
    assert 'href="/admin/feedback/needstat/unmet-need.csv"' in content


def test_the_report_has_a_date_range(moderator_client, counted):
    start = (counted - timedelta(weeks=31)).isoformat()
    end = (counted - timedelta(weeks=29)).isoformat()
    content = moderator_client.get("/admin/feedback/needstat/", {"start": start, "end": end}).content.decode()
    assert "<td>Romanian</td>" in content and "Somali" not in content
    assert f'unmet-need.csv?start={start}&amp;end={end}"' in content


@pytest.mark.parametrize("query", [{"start": "yesterday"}, {"start": "2025-02-01", "end": "2025-01-01"}])
def test_a_bad_date_range_says_so_and_shows_the_usual_weeks(moderator_client, counted, query):
    response = moderator_client.get("/admin/feedback/needstat/", query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "<td>Somali</td>" in response.content.decode()


def test_moderators_download_the_report_as_csv(moderator_client, counted):
    response = moderator_client.get("/admin/feedback/needstat/unmet-need.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"] and "unmet-need-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][2:9] == [
        "Languages",
        "Communities",
        "Types of support",
        "Postcode district",
        "Searches finding no service",
        "Searches finding one or two services",
        "Of these, narrowed by other choices",
    ]
    assert rows[1][2:] == [
        "Somali",
        "",
        "Counselling and talking therapy",
        "BD3",
        "9",
        "1",
        "2",
        "so",
        "",
        "counselling",
    ]
    assert len(rows) == 4


def test_a_name_that_looks_like_a_formula_is_defused_in_the_csv(moderator_client, counted):
    from partners.models import Language

    Language.objects.filter(code="so").update(name="=HYPERLINK(1)")
    rows = list(
        csv.reader(io.StringIO(moderator_client.get("/admin/feedback/needstat/unmet-need.csv").content.decode()))
    )
    assert rows[1][2] == "'=HYPERLINK(1)"


def test_the_counts_cannot_be_changed_in_the_admin(moderator_client, counted):
    row = NeedStat.objects.first()
    assert moderator_client.get("/admin/feedback/needstat/add/").status_code == 404
    assert moderator_client.get(f"/admin/feedback/needstat/{row.pk}/change/").status_code == 404


def test_the_report_takes_a_fixed_number_of_queries(moderator_client, counted, django_assert_num_queries):
    for i in range(20):
        NeedStat.objects.create(week=counted, language="so", district=f"BD{i}", bucket="none", count=1)
    # session and user 2, the rows 1, the weeks for the chart 1, three vocabularies 3
    with django_assert_num_queries(7):
        moderator_client.get("/admin/feedback/needstat/")


def test_the_moderators_group_can_work_the_queue_and_read_the_report(client, db):
    from django.contrib.auth.models import Group

    user = make_user(is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    assert client.get("/admin/feedback/problemreport/").status_code == 200
    assert client.get("/admin/feedback/needstat/").status_code == 200
    assert client.get("/admin/feedback/needstat/unmet-need.csv").status_code == 200


def test_an_empty_post_shows_what_is_missing(client, service):
    response = client.post("/services/circle/report/")
    assert response.status_code == 200
    assert "Choose what is wrong with the listing." in response.content.decode()
