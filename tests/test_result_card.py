"""One result row (partners/result_card.py): what it shows for each kind of service, and
the referral badges every list of services shares (signposting's referral_badges)."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from partners.models import Capacity
from partners.result_card import result_card
from partners.search.services import page_with_result_details
from signposting.templatetags.signposting import referral_badges
from tests.factories import make_location, make_organisation, make_service

pytestmark = pytest.mark.django_db


def card_of(service, show_distance=False, pick=False, shortlist=frozenset(), distance=None):
    loaded = page_with_result_details([service.pk])[service.pk]
    loaded.distance = distance
    return result_card(loaded, show_distance=show_distance, pick=pick, shortlist=shortlist)


def row(service, **context) -> str:
    loaded = page_with_result_details([service.pk])[service.pk]
    loaded.distance = context.pop("distance", None)
    return render_to_string("partners/_result.html", {"service": loaded, **context})


def test_a_service_with_a_place_shows_its_distance_only_when_the_search_had_a_place():
    organisation = make_organisation()
    service = make_service(organisation=organisation, locations=[make_location(organisation)])
    assert card_of(service, show_distance=True, distance=2.34).where == ("distance", "2.3 miles")
    assert card_of(service, show_distance=False, distance=2.34).where is None
    assert 'badge--distance">2.3 miles<' in row(service, show_distance=True, distance=2.34)


def test_a_service_without_a_place_says_it_is_by_phone_video_or_text():
    service = make_service()
    assert card_of(service, show_distance=True, distance=None).where == ("remote", "By phone, video or text")


def test_the_select_box_is_left_out_for_a_service_already_on_the_shortlist():
    service = make_service(slug="on-list")
    assert card_of(service, pick=True).pick
    chosen = card_of(service, pick=True, shortlist=frozenset({"on-list"}))
    assert chosen.on_shortlist and not chosen.pick
    html = row(service, pick_form="shortlist-pick", shortlist_slugs=frozenset({"on-list"}))
    assert 'id="pick-on-list"' not in html
    assert "Remove from shortlist" in html and 'action="/shortlist/remove/"' in html


def test_languages_list_each_language_once_with_every_way_featured_first():
    service = make_service(languages=["ur", ("ur", "interpreter"), ("pl", "written")])
    polish, urdu = str(card_of(service).languages).split("; ")
    assert polish == 'Polish <span lang="pl">Polski</span> <span class="result__how">(written information)</span>'
    assert urdu.startswith('Urdu <span lang="ur" dir="rtl">اردو</span> <span class="result__how">(')
    ways = urdu.split("(")[-1].removesuffix(")</span>").split(", ")
    assert sorted(ways) == ["staff speak it", "through an interpreter"]


def test_ways_in_put_gp_referral_first_in_bold():
    service = make_service(referrals=["self", "gp"])
    routes = str(card_of(service).routes)
    assert routes.startswith("<strong>") and "</strong>; " in routes


def test_the_checked_line_gives_the_date_or_says_not_checked():
    checked = make_service(last_verified=timezone.localdate().replace(year=2025, month=1, day=4))
    assert card_of(checked).checked == "Last checked 4 January 2025"
    assert card_of(make_service(last_verified=None)).checked == "Not checked yet"
    with translation.override("pl"):
        assert card_of(checked).checked.endswith("4 stycznia 2025")


def test_a_stale_listing_carries_the_freshness_notice():
    old = make_service(last_verified=timezone.localdate() - timedelta(days=800))
    assert card_of(old).stale
    assert "This information may be out of date." in row(old)
    assert not card_of(make_service()).stale


@pytest.mark.parametrize(
    ("routes", "kwargs", "expected"),
    [
        (["gp"], {}, ["gp"]),
        (["self"], {}, ["self"]),
        (["drop-in"], {}, ["self"]),
        (["gp", "self"], {"accepting_referrals": False}, ["gp", "self", "closed"]),
        ([], {}, []),
        # Once the service has answered the capacity question, the dated answer speaks instead.
        ([], {"accepting_referrals": False, "capacity": Capacity.OPEN, "capacity_answered": timezone.now()}, []),
    ],
)
def test_referral_badges(routes, kwargs, expected):
    service = make_service(referrals=routes, **kwargs)
    loaded = page_with_result_details([service.pk])[service.pk]
    assert [modifier for modifier, _label in referral_badges(loaded)] == expected


def test_a_drop_in_badge_says_no_referral_is_needed():
    service = make_service(referrals=["drop-in"])
    loaded = page_with_result_details([service.pk])[service.pk]
    assert referral_badges(loaded) == [("self", "Drop in: no referral needed")]


def test_every_text_of_a_listing_is_escaped_in_its_row():
    evil = '<script>alert("x")</script>'
    organisation = make_organisation(f"Org {evil}")
    service = make_service(
        f"Name {evil}",
        slug="evil",
        organisation=organisation,
        description=f"Summary {evil}",
        typical_wait=f"Wait {evil}",
        referrals=["gp"],
        phone="01274 000000",
    )
    service.referral_routes.filter(kind="gp").update(method="email", contact=f"{evil}@x.example")
    html = row(service, pick_form="shortlist-pick", shortlist_slugs=frozenset())
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 5  # name twice, org, summary, wait
