"""The capacity report for commissioners: week by week, overall and by support type,
language and community, with a chart drawn on the server; closed services count toward
unmet need; and the unmet-need report's own chart."""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from editing.capacity import record_answer
from editing.capacity_report import capacity_report
from editing.models import AnsweredVia, CapacityAnswer
from feedback.models import NeedStat, week_of
from partners.models import Capacity, Service
from tests.factories import make_service, make_user
from tests.staff import fast_passwords  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0"}
THIS_WEEK = week_of(timezone.localdate())


def answer(service: Service, weeks_ago: int, state: str, day: int = 2) -> None:
    """An answer given on day `day` (0 = Monday) of the week `weeks_ago` weeks back."""
    when = THIS_WEEK - timedelta(weeks=weeks_ago) + timedelta(days=day)
    moment = timezone.make_aware(datetime.combine(when, time(10)))
    CapacityAnswer.objects.create(service=service, answer=state, answered=moment, via=AnsweredVia.MANAGE)


@pytest.fixture
def known():
    """Three services with a known history over the last twelve weeks."""
    counselling = make_service("Counselling", support=["counselling"], languages=["ur"])
    peer = make_service("Peer group", support=["peer-support"], languages=["ur", "pl"])
    quiet = make_service("Quiet", support=["counselling"])
    answer(counselling, 11, Capacity.OPEN)
    answer(counselling, 4, Capacity.CLOSED)
    answer(peer, 10, Capacity.WAITING)
    answer(peer, 2, Capacity.OPEN)
    make_service("Draft", status="draft")  # never counted
    return counselling, peer, quiet


@override_settings(CAPACITY_VALID_DAYS=45)
def test_the_report_counts_each_week_by_the_latest_answer_still_valid(known):
    report = capacity_report()
    assert len(report.weeks) == 12 and report.weeks[-1].monday == THIS_WEEK
    # open, waiting, closed, not known: week 11 ago .. this week
    assert [week.in_order for week in report.weeks] == [
        [1, 0, 0, 2],  # 11 weeks ago: counselling open
        [1, 1, 0, 1],  # 10: peer waiting
        [1, 1, 0, 1],
        [1, 1, 0, 1],
        [1, 1, 0, 1],
        [1, 1, 0, 1],  # 6: counselling's answer is 39 days old by Sunday: still valid
        [0, 1, 0, 2],  # 5: 48 days old by Sunday: no longer valid
        [0, 0, 1, 2],  # 4: counselling closed; peer's answer no longer valid
        [0, 0, 1, 2],
        [1, 0, 1, 1],  # 2: peer open
        [1, 0, 1, 1],
        [1, 0, 1, 1],  # this week
    ]


def test_the_report_breaks_down_by_support_language_and_community(known):
    report = capacity_report()
    support = {group.name: group.weeks[-1].in_order for group in report.groups["support"]}
    assert support == {"Counselling and talking therapy": [0, 0, 1, 1], "Peer support": [1, 0, 0, 0]}
    languages = {group.code: group.weeks[-1].in_order for group in report.groups["language"]}
    assert languages == {"ur": [1, 0, 1, 0], "pl": [1, 0, 0, 0]}


@pytest.fixture
def moderator_client(client):
    from django.contrib.auth.models import Group

    user = make_user(is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    return client


def test_the_report_page_leads_with_an_accessible_chart_and_its_table(moderator_client, known):
    response = moderator_client.get("/admin/editing/capacityanswer/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("<svg") < page.index("<table")
    assert 'role="img" aria-labelledby="capacity-chart-title capacity-chart-desc"' in page
    assert '<title id="capacity-chart-title">' in page
    assert "Taking new people: 1 in the first week, 1 in the last" in page
    # Series named in a legend, and drawn with dashes and markers as well as colours.
    assert page.count("<polyline") == 4 and 'stroke-dasharray="8 4"' in page
    assert 'style="' not in page[page.index("<svg") : page.index("</figure>")]
    assert "<script" not in page[page.index("<svg") : page.index("</figure>")]


@pytest.mark.parametrize("by", ["language", "community", "support", "garbage", ""])
def test_the_breakdown_can_be_chosen_and_garbage_falls_back(moderator_client, known, by):
    response = moderator_client.get("/admin/editing/capacityanswer/", {"by": by, "end": "nonsense"})
    assert response.status_code == 200
    assert response.context["by"] == (by if by in ("language", "community") else "support")


def test_the_report_downloads_as_csv_with_every_week_and_group(moderator_client, known):
    response = moderator_client.get("/admin/editing/capacityanswer/capacity.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Week from",
        "Breakdown",
        "Name",
        "Code",
        "Taking new people",
        "Waiting list",
        "Not taking new people",
        "Not known",
    ]
    assert rows[12] == [THIS_WEEK.isoformat(), "All services", "", "", "1", "0", "1", "1"]
    # 12 overall + 12 for each of 2 support types, 2 languages, 0 communities
    assert len(rows) == 1 + 12 + 12 * 4


@pytest.mark.parametrize("path", ["/admin/editing/capacityanswer/", "/admin/editing/capacityanswer/capacity.csv"])
def test_the_capacity_report_is_for_moderators_only(client, path):
    assert "/admin/login/" in client.get(path)["Location"]
    client.force_login(make_user(is_staff=True))
    assert client.get(path).status_code == 403


# --- Unmet need ------------------------------------------------------------------------


def test_a_search_finding_only_services_not_taking_new_people_counts_as_finding_none(client):
    service = make_service("Closed circle", languages=["ur"])
    record_answer(service, Capacity.CLOSED)
    client.get("/search/", {"language": "ur"}, **BROWSER)
    assert NeedStat.objects.get().bucket == "none"
    record_answer(service, Capacity.OPEN)
    client.get("/search/", {"language": "ur"}, **BROWSER)
    assert NeedStat.objects.get(bucket="few").count == 1


def test_a_search_shown_any_of_its_words_counts_the_services_shown_not_taking_new_people(client):
    # No service has both words, so the page shows those with either: the one shown is not
    # taking new people, so the search met no need.
    service = make_service("Closed circle", description="Counselling", languages=["ur"])
    make_service("Elsewhere", description="Gardening", languages=["pl"])
    record_answer(service, Capacity.CLOSED)
    page = client.get("/search/", {"language": "ur", "q": "counselling gardening"}, **BROWSER)
    assert page.context["results"].relaxed and page.context["results"].count == 1
    assert NeedStat.objects.get().bucket == "none"


def test_the_unmet_need_report_leads_with_a_chart_of_the_weeks(moderator_client):
    NeedStat.objects.create(week=THIS_WEEK, language="so", bucket="none", count=5)
    NeedStat.objects.create(week=THIS_WEEK - timedelta(weeks=3), language="so", bucket="few", count=2)
    page = moderator_client.get("/admin/feedback/needstat/").content.decode()
    assert page.index("<svg") < page.index("<table")
    assert 'role="img" aria-labelledby="need-chart-title need-chart-desc"' in page
    assert "Found no service: 0 in the first week, 5 in the last" in page
    assert page.count("<polyline") == 2
