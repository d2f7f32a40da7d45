"""The shortlist, its share link, the printable sheet and its QR code, and the referral-first
details on results and service pages."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest
import segno
from django.conf import settings
from django.test import Client
from django.utils import timezone

from directory.languages import DEFAULT, ENABLED
from partners.models import ReferralRoute, Status
from signposting.qr import qr_svg
from signposting.shortlist import MAX_SERVICES, SESSION_KEY
from tests.factories import make_location, make_organisation, make_rich_service, make_service

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def rich(db):
    return make_rich_service(slug="mornings")


@pytest.fixture
def three(db):
    return [make_service(name, slug=name.lower()) for name in ("Amber", "Birch", "Cedar")]


def add(client, slug: str, **extra):
    return client.post("/shortlist/add/", {"service": slug, **extra.pop("data", {})}, **extra)


def session_slugs(client) -> list[str]:
    return client.session.get(SESSION_KEY, [])


# --- Adding and removing without JavaScript ---------------------------------------------------


def test_an_empty_shortlist_explains_what_it_is_and_links_to_search(client, db):
    content = client.get("/shortlist/").content.decode()
    assert "Your shortlist is empty." in content
    assert "print the services on one sheet" in content
    assert 'href="/search/"' in content
    assert 'href="/search/?referral=gp"' in content


def test_adding_a_service_keeps_it_in_the_session_and_goes_back_to_the_page(client, three):
    response = add(client, "birch", data={"next": "/search/?language=ur#result-birch"})
    assert response.status_code == 302
    assert response["Location"] == "/search/?language=ur#result-birch"
    assert session_slugs(client) == ["birch"]
    page = client.get("/shortlist/").content.decode()
    assert "Birch" in page and "Amber" not in page


def test_the_page_after_adding_says_so_and_the_header_counts_the_shortlist(client, three):
    add(client, "amber", data={"next": "/services/amber/"})
    response = client.get("/services/amber/")
    content = response.content.decode()
    assert "Added Amber to your shortlist. It has 1 service." in content
    assert "<span data-shortlist-count>1</span>" in content
    assert 'action="/shortlist/remove/"' in content
    assert "Remove from shortlist" in content


def test_services_stay_in_the_order_they_were_added(client, three):
    for slug in ("cedar", "amber", "birch"):
        add(client, slug)
    response = client.get("/shortlist/")
    assert [service.slug for service in response.context["services"]] == ["cedar", "amber", "birch"]


def test_adding_a_service_twice_keeps_it_once(client, three):
    add(client, "amber")
    add(client, "amber")
    assert session_slugs(client) == ["amber"]


def test_removing_a_service_takes_it_off(client, three):
    add(client, "amber")
    add(client, "birch")
    response = client.post("/shortlist/remove/", {"service": "amber", "next": "/shortlist/"})
    assert response["Location"] == "/shortlist/"
    assert session_slugs(client) == ["birch"]
    assert "Removed Amber from your shortlist. It has 1 service." in client.get("/shortlist/").content.decode()


def test_clearing_empties_the_shortlist(client, three):
    add(client, "amber")
    response = client.post("/shortlist/clear/")
    assert response["Location"] == "/shortlist/"
    assert session_slugs(client) == []


@pytest.mark.parametrize("path", ["/shortlist/add/", "/shortlist/remove/", "/shortlist/clear/", "/shortlist/save/"])
def test_changing_the_shortlist_needs_a_post(client, db, path):
    assert client.get(path).status_code == 405


def test_the_shortlist_holds_at_most_twenty_services(client, db):
    for i in range(MAX_SERVICES + 1):
        make_service(f"Service {i:02d}", slug=f"s{i:02d}")
    for i in range(MAX_SERVICES):
        add(client, f"s{i:02d}")
    response = add(client, "s20", data={"next": "/services/s20/"})
    assert response["Location"] == "/services/s20/"
    assert len(session_slugs(client)) == MAX_SERVICES and "s20" not in session_slugs(client)
    content = client.get("/services/s20/").content.decode()
    assert "Your shortlist is full: it can hold 20 services. Remove one before you add Service 20." in content


@pytest.mark.parametrize("slug", ["draft", "hidden-org", "archived", "no-such-service", "", "<b>x</b>", "x" * 300])
def test_only_published_services_can_be_added(client, db, slug):
    make_service("Draft", slug="draft", status=Status.DRAFT)
    make_service("Archived", slug="archived", status=Status.ARCHIVED)
    make_service("Hidden", slug="hidden-org", organisation=make_organisation(status=Status.DRAFT))
    response = add(client, slug, data={"next": "/search/"})
    assert response["Location"] == "/search/"
    assert session_slugs(client) == []
    assert "We could not find that service." in client.get("/search/").content.decode()


def test_a_service_taken_off_the_directory_leaves_the_shortlist_with_a_note(client, three):
    add(client, "amber")
    add(client, "birch")
    three[0].status = Status.ARCHIVED
    three[0].save()
    response = client.get("/shortlist/")
    assert "1 service on your shortlist is no longer in the directory, so we have taken it off." in (
        response.content.decode()
    )
    assert [service.slug for service in response.context["services"]] == ["birch"]
    assert session_slugs(client) == ["birch"]


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/search/",
        "http://evil.example",
        "javascript:alert(1)",
        "https://testserver.evil.example/",
        "\\\\evil.example",
        "/\\evil.example",
        "/search/\r\nSet-Cookie: x=y",
        "/search/\x00",
        "\t//evil.example",
        # Only a path will do, even for this site: a form never needs an absolute address.
        "http://testserver/organisations/x/",
        # A bare word is no path: redirect() took it for a URL name and answered 500.
        "foo",
        "signposting:shortlist",
        "search/",
    ],
)
def test_a_next_address_on_another_site_or_with_control_characters_is_refused(client, three, target):
    response = add(client, "amber", data={"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/shortlist/"


def test_a_next_path_on_this_site_is_followed(client, three):
    assert add(client, "amber", data={"next": "/organisations/x/?q=a#b"})["Location"] == "/organisations/x/?q=a#b"


@pytest.mark.parametrize("target", ["foo", "", "shortlist"])
def test_removing_with_a_bare_word_for_next_goes_back_to_the_shortlist(client, three, target):
    add(client, "amber")
    response = client.post("/shortlist/remove/", {"service": "amber", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/shortlist/"


# --- The script's JSON answers --------------------------------------------------------------------


def test_add_and_remove_answer_json_for_the_script(client, three):
    response = add(client, "amber", **JSON)
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "message": "Added Amber to your shortlist. It has 1 service.",
        "count": 1,
        "inShortlist": True,
        "label": "Remove from shortlist",
        "action": "/shortlist/remove/",
    }
    response = client.post("/shortlist/remove/", {"service": "amber"}, **JSON)
    assert response.json()["inShortlist"] is False
    assert response.json()["action"] == "/shortlist/add/"
    assert response.json()["count"] == 0


def test_a_full_shortlist_answers_409_with_a_message(client, db):
    for i in range(MAX_SERVICES + 1):
        make_service(slug=f"s{i}")
    for i in range(MAX_SERVICES):
        add(client, f"s{i}", **JSON)
    response = add(client, f"s{MAX_SERVICES}", **JSON)
    assert response.status_code == 409
    assert response.json()["ok"] is False
    assert response.json()["count"] == MAX_SERVICES
    assert "Your shortlist is full" in response.json()["message"]


def test_an_unknown_service_answers_404_json(client, db):
    response = add(client, "nope", **JSON)
    assert response.status_code == 404
    assert response.json()["ok"] is False


# --- Share links ------------------------------------------------------------------------------------


def test_the_share_link_reproduces_the_list_in_a_fresh_browser(client, three):
    for slug in ("cedar", "amber"):
        add(client, slug)
    content = client.get("/shortlist/").content.decode()
    assert 'value="http://testserver/shortlist/?service=cedar&amp;service=amber"' in content

    fresh = Client()
    response = fresh.get("/shortlist/?service=cedar&service=amber")
    shown = response.content.decode()
    assert response.status_code == 200
    assert "Someone shared these 2 services with you." in shown
    assert shown.index("Cedar") < shown.index("Amber") and "Birch" not in shown
    assert SESSION_KEY not in fresh.session  # nothing kept on the server


def test_a_share_link_leaves_out_unknown_and_unpublished_services_with_a_message(client, three):
    make_service("Draft", slug="draft", status=Status.DRAFT)
    content = client.get("/shortlist/?service=amber&service=draft&service=nope&service=<b>bad</b>").content.decode()
    assert "3 services in this link are not in the directory (any more), so they are not shown." in content
    assert "Amber" in content and "Draft" not in content
    assert "<b>bad</b>" not in content


def test_a_share_link_shows_at_most_twenty_services(client, db):
    slugs = [make_service(slug=f"s{i:02d}").slug for i in range(MAX_SERVICES + 2)]
    response = client.get("/shortlist/", {"service": slugs})
    assert len(response.context["services"]) == MAX_SERVICES
    assert "A shared list shows at most 20 services, so 2 services are not shown." in response.content.decode()


def test_a_shared_list_can_be_saved_to_my_shortlist(client, three):
    add(client, "birch")
    content = client.get("/shortlist/?service=amber&service=birch").content.decode()
    assert 'action="/shortlist/save/"' in content
    response = client.post("/shortlist/save/", {"service": ["amber", "birch", "nope"]})
    assert response["Location"] == "/shortlist/"
    assert session_slugs(client) == ["birch", "amber"]
    assert "Added 1 service to your shortlist." in client.get("/shortlist/").content.decode()


def test_saving_a_shared_list_stops_at_twenty(client, db):
    slugs = [make_service(slug=f"s{i:02d}").slug for i in range(MAX_SERVICES)]
    extra = [make_service(slug=f"extra{i}").slug for i in range(3)]
    for slug in extra:
        add(client, slug)
    client.post("/shortlist/save/", {"service": slugs})
    assert len(session_slugs(client)) == MAX_SERVICES
    assert "3 services did not fit: a shortlist holds 20 services." in client.get("/shortlist/").content.decode()


GARBAGE = [
    {"service": "x" * 10_000},
    {"service": ["amber"] * 500},
    {"service": [f"s{i}" for i in range(500)]},
    {"service": '"><script>alert(1)</script>'},
    {"service": "amber\x00"},
    {"service": "ämber"},
    {"service": ""},
    {"service": ["", "amber", " amber "]},
]


@pytest.mark.parametrize("params", GARBAGE)
@pytest.mark.parametrize("path", ["/shortlist/", "/shortlist/print/"])
def test_garbage_in_a_share_link_never_fails_and_is_escaped(client, three, path, params):
    response = client.get(path, params)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "x" * 300 not in content


@pytest.mark.parametrize("params", GARBAGE)
def test_garbage_never_breaks_the_qr_code(client, db, params):
    assert client.get("/shortlist/qr.svg", params).status_code in (200, 404)


def test_repeats_in_a_share_link_show_a_service_once(client, three):
    response = client.get("/shortlist/", {"service": ["amber"] * 500})
    assert [s.slug for s in response.context["services"]] == ["amber"]
    assert "not in the directory" not in response.content.decode()


# --- The printable sheet and its QR code ------------------------------------------------------------------


def test_the_printable_sheet_has_what_a_patient_needs(client, rich):
    content = client.get("/shortlist/print/?service=mornings").content.decode()
    assert "Women&#x27;s Wellbeing Mornings" in content
    assert rich.organisation.name in content
    assert "Weekly mornings for women." in content  # what it offers
    assert "Takes GP referrals" in content
    assert 'href="mailto:gp-referrals@chinar.example.org"' in content  # how a GP refers
    assert "We phone within a week." in content
    assert "Ask your GP to email us, or call." in content  # what happens next
    assert "About two weeks" in content  # typical wait
    assert "Urdu" in content and "(staff speak it)" in content and "(through an interpreter)" in content
    assert "41 Lumb Lane" in content and "BD8 7JH" in content
    assert "Tuesdays 10am to 12:30pm" in content
    assert "01632 960102" in content
    assert f"Printed on {timezone.localdate():%-d %B %Y}" in content
    today = timezone.localdate().isoformat()
    qr = (
        f'<img class="qr qr--sheet" src="/shortlist/qr.svg?service=mornings&amp;printed={today}"'
        ' alt="QR code of the link to this list">'
    )
    assert qr in content
    assert f"http://testserver/shortlist/?service=mornings&amp;printed={today}" in content
    assert "call 999" in content


def test_the_sheet_in_urdu_puts_each_heading_beside_english_and_links_to_the_urdu_list(client, three):
    response = client.get("/ur/shortlist/print/?service=amber&service=birch&service=cedar")
    content = response.content.decode()
    assert '<span lang="ur" dir="rtl">مدد جس سے آپ رابطہ کر سکتے ہیں</span>' in content
    assert '<span class="bilingual-english" lang="en-GB" dir="ltr">Support you could contact</span>' in content
    assert '<span lang="ur" dir="rtl">وہ کیا پیش کرتے ہیں</span>' in content
    assert '<span class="bilingual-english" lang="en-GB" dir="ltr">What they offer</span>' in content
    today = timezone.localdate().isoformat()
    share = f"http://testserver/ur/shortlist/?service=amber&amp;service=birch&amp;service=cedar&amp;printed={today}"
    assert f'href="{share}"' in content
    assert f'src="/ur/shortlist/qr.svg?service=amber&amp;service=birch&amp;service=cedar&amp;printed={today}"' in (
        content
    )
    qr = client.get(f"/ur/shortlist/qr.svg?service=amber&service=birch&service=cedar&printed={today}").content
    assert qr == qr_svg(f"http://testserver/ur/shortlist/?service=amber&service=birch&service=cedar&printed={today}")


def test_the_sheet_in_english_has_no_second_language(client, three):
    content = client.get("/shortlist/print/?service=amber&service=birch&service=cedar").content.decode()
    assert "<h1>Support you could contact</h1>" in content
    sheet = content[content.index('<header class="sheet__running-head">') : content.index("</footer>")]
    assert "bilingual-english" not in sheet and "lang=" not in sheet
    share = "http://testserver/shortlist/?service=amber&amp;service=birch&amp;service=cedar&amp;printed="
    assert f'href="{share}{timezone.localdate().isoformat()}"' in content


def test_the_shortlist_links_to_the_sheet_in_each_language(client, three):
    content = client.get("/shortlist/?service=amber&service=birch").content.decode()
    for language in ENABLED:
        prefix = "" if language.code == DEFAULT else f"/{language.code}"
        sheet = f"{prefix}/shortlist/print/?service=amber&amp;service=birch"
        assert f'<a href="{sheet}" hreflang="{language.code}">' in content
    assert '<span lang="ur" dir="rtl">اردو</span> <span lang="en-GB" dir="ltr">(Urdu)</span>' in content
    add(client, "amber")
    content = client.get("/shortlist/").content.decode()
    assert '<a href="/pl/shortlist/print/" hreflang="pl">' in content


def test_the_printable_sheet_has_a_print_stylesheet_and_a_print_button_for_javascript(client, rich):
    content = client.get("/shortlist/print/?service=mornings").content.decode()
    assert '<button type="button" class="button" hidden data-print-button>Print this page</button>' in content
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    assert "@page { size: A4;" in css and "@media print" in css


def test_the_printable_sheet_asks_for_no_personal_information(client, rich):
    content = client.get("/shortlist/print/?service=mornings").content.decode()
    assert "<input" not in content.split("</header>", 2)[-1]  # no form fields on the sheet itself
    assert "patient name" not in content.lower() and "date of birth" not in content.lower()


def test_the_printable_sheet_of_my_shortlist(client, three):
    add(client, "birch")
    response = client.get("/shortlist/print/")
    assert [service.slug for service in response.context["services"]] == ["birch"]
    today = timezone.localdate().isoformat()
    assert f'src="/shortlist/qr.svg?service=birch&amp;printed={today}"' in response.content.decode()


def test_a_printable_sheet_with_nothing_on_it_says_so(client, db):
    content = client.get("/shortlist/print/").content.decode()
    assert "There are no services to print." in content
    assert "qr.svg" not in content


def test_the_qr_code_is_an_svg_of_the_share_link(client, db):
    response = client.get("/shortlist/qr.svg?service=amber&service=birch")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox")
    assert response.content == qr_svg("http://testserver/shortlist/?service=amber&service=birch")
    # The same modules segno draws for that link: the code says exactly the share link.
    expected = segno.make("http://testserver/shortlist/?service=amber&service=birch", error="m", micro=False)
    assert root.get("viewBox") == f"0 0 {expected.symbol_size()[0]} {expected.symbol_size()[1]}"


def test_a_qr_code_of_nothing_is_not_found(client, db):
    assert client.get("/shortlist/qr.svg").status_code == 404
    assert client.get("/shortlist/qr.svg?service=<script>").status_code == 404


def test_the_qr_code_needs_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/shortlist/qr.svg?service=amber").status_code == 200


# --- Query counts -----------------------------------------------------------------------------------------

# services 1 + 7 prefetches (organisation joined), example banner 1
SHARED_QUERIES = 9
# the same, and the services' and organisations' Urdu translations
IN_URDU_QUERIES = 11
# the same, and the session
SESSION_QUERIES = 10


def many(count: int) -> list[str]:
    organisation = make_organisation()
    slugs = []
    for i in range(count):
        location = make_location(organisation)
        service = make_service(
            f"Service {i}",
            organisation=organisation,
            support=["counselling"],
            communities=["indian"],
            languages=["ur", ("pa", "interpreter")],
            referrals=["gp", "self"],
            modes=["in-person"],
            locations=[location],
            opening_hours="Mondays",
        )
        slugs.append(service.slug)
    return slugs


@pytest.mark.parametrize("count", [1, 12])
@pytest.mark.parametrize(
    "path, queries",
    [("/shortlist/", SHARED_QUERIES), ("/shortlist/print/", SHARED_QUERIES), ("/ur/shortlist/print/", IN_URDU_QUERIES)],
)
def test_a_shared_list_takes_a_fixed_number_of_queries(client, db, django_assert_num_queries, count, path, queries):
    slugs = many(count)
    with django_assert_num_queries(queries):
        response = client.get(path, {"service": slugs})
    assert len(response.context["services"]) == count


@pytest.mark.parametrize("count", [1, 12])
@pytest.mark.parametrize("path", ["/shortlist/", "/shortlist/print/"])
def test_my_shortlist_takes_a_fixed_number_of_queries(client, db, django_assert_num_queries, count, path):
    for slug in many(count):
        add(client, slug)
    with django_assert_num_queries(SESSION_QUERIES):
        response = client.get(path)
    assert len(response.context["services"]) == count


# --- Referral first: results, service pages, the page for professionals ----------------------------------


def test_a_result_says_it_takes_gp_referrals_how_to_refer_and_the_wait(client, rich):
    content = client.get("/search/", {"referral": "gp"}).content.decode()
    assert '<span class="badge badge--gp">Takes GP referrals</span>' in content
    assert '<span class="badge badge--self">People can refer themselves</span>' in content
    assert "<dt>GP referral</dt>" in content
    assert 'Email: <a dir="ltr" href="mailto:gp-referrals@chinar.example.org">' in content
    assert "<dt>Typical wait</dt>" in content and "About two weeks" in content


def test_a_result_not_taking_referrals_says_so(client, db):
    make_service("Full up", accepting_referrals=False, referrals=["gp"])
    content = client.get("/search/").content.decode()
    assert '<span class="badge badge--closed">Not taking new referrals at the moment</span>' in content


def test_a_service_without_a_gp_route_has_no_gp_badge(client, db):
    make_service("Drop in only", slug="drop", referrals=["drop-in"])
    content = client.get("/services/drop/").content.decode()
    assert "Takes GP referrals" not in content
    assert "Drop in: no referral needed" in content


def test_results_and_service_pages_have_an_add_to_shortlist_button(client, rich):
    for path in ("/search/", "/services/mornings/", f"/organisations/{rich.organisation.slug}/"):
        content = client.get(path).content.decode()
        assert 'action="/shortlist/add/" data-shortlist-form' in content, path
        assert 'name="service" value="mornings"' in content, path
        assert 'Add to shortlist</span><span class="visually-hidden"> (Women&#x27;s Wellbeing Mornings)</span>' in (
            content
        ), path


def test_a_result_button_comes_back_to_its_row(client, rich):
    content = client.get("/search/", {"language": "ur"}).content.decode()
    assert 'name="next" value="/search/?language=ur#result-mornings"' in content


def test_the_service_page_gp_badge_and_report_link(client, rich):
    content = client.get("/services/mornings/").content.decode()
    assert '<li class="badge badge--gp">Takes GP referrals</li>' in content
    assert 'href="/services/mornings/report/">Report a problem with this listing</a>' in content


@pytest.mark.parametrize("contact", ["javascript://x.example/%0Aalert(1)", "data:text/html,hi", "JAVASCRIPT:alert(1)"])
def test_a_web_form_way_in_is_never_a_script_link(client, rich, contact):
    ReferralRoute.objects.filter(service=rich, kind="gp").update(method="web-form", contact=contact)
    for path in ("/services/mornings/", "/search/", "/shortlist/print/?service=mornings"):
        content = client.get(path).content.decode()
        assert 'href="javascript' not in content.lower() and 'href="data:' not in content, path


def test_a_web_form_way_in_links_to_its_page(client, rich):
    ReferralRoute.objects.filter(service=rich, kind="gp").update(
        method="web-form", contact="https://chinar.example.org/refer"
    )
    content = client.get("/services/mornings/").content.decode()
    assert 'Online form: <a href="https://chinar.example.org/refer">' in content


def test_the_page_for_professionals_explains_the_consultation_workflow(client, db):
    content = client.get("/for-professionals/").content.decode()
    assert "<h1>For GPs and other professionals</h1>" in content
    assert 'href="/search/?referral=gp"' in content
    for words in ("shortlist", "print", "QR code", "link", "never ask for or keep information about your patient"):
        assert words in content


def test_every_page_links_to_the_page_for_professionals_and_the_shortlist(client, db):
    content = client.get("/").content.decode()
    assert 'href="/for-professionals/"' in content
    assert 'href="/shortlist/"' in content


def test_dates_in_the_sheet_use_the_local_date(client, rich, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2030, 2, 3))
    assert "Printed on 3 February 2030" in client.get("/shortlist/print/?service=mornings").content.decode()


# --- Picking several without JavaScript, and saying where the list is kept -------------------


def test_results_can_be_picked_and_added_in_one_submit(client, three):
    page = client.get("/search/").content.decode()
    assert 'form="shortlist-pick" name="service" value="birch"' in page
    assert '<form id="shortlist-pick"' in page
    response = client.post("/shortlist/save/", {"service": ["amber", "cedar", "birch"]})
    assert response["Location"] == "/shortlist/"
    assert session_slugs(client) == ["amber", "cedar", "birch"]


def test_a_row_already_on_the_shortlist_has_nothing_to_select(client, three):
    add(client, "birch")
    page = client.get("/search/").content.decode()
    assert 'value="birch" id="pick-birch"' not in page
    assert 'id="pick-amber"' in page


def test_the_shortlist_says_where_it_is_kept_and_offers_to_clear_it(client, three):
    add(client, "amber")
    page = client.get("/shortlist/").content.decode()
    assert "kept in this browser for 14 days, or until you clear it. Nothing is sent to the services." in page
    assert page.index("You have chosen 1 service.") < page.index("Clear my shortlist")


def test_adding_selected_with_nothing_selected_says_so_and_goes_back(client, three):
    response = client.post("/shortlist/save/", {"next": "/search/?q=birch"}, follow=True)
    assert response.redirect_chain[-1][0] == "/search/?q=birch"
    assert "Select at least one service to add to your shortlist." in response.content.decode()
    assert session_slugs(client) == []
