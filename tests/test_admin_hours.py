"""Moderators editing weekly hours in the admin: checked like everywhere else, and the
open-now table follows."""

import pytest

from partners.models import Service
from tests.factories import make_service

pytestmark = pytest.mark.django_db


def admin_form_data(response) -> dict:
    """The change form as the browser would send it back untouched."""
    data: dict[str, object] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            data[field.html_name] = value
    return data


@pytest.fixture
def service():
    return make_service("Talking circle", hours="Mo 09:00-17:00", languages=["ur"])


def test_changing_hours_in_the_admin_normalises_them_and_rebuilds_the_open_now_table(moderator_client, service):
    url = f"/admin/partners/service/{service.pk}/change/"
    data = {**admin_form_data(moderator_client.get(url)), "hours": "sat 10:00-12:00, sun 10:00-12:00"}
    response = moderator_client.post(url, data)
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.hours == "Sa-Su 10:00-12:00"
    assert sorted(service.opening_periods.values_list("weekday", flat=True)) == [5, 6]


def test_unreadable_hours_in_the_admin_say_where_the_problem_is(moderator_client, service):
    url = f"/admin/partners/service/{service.pk}/change/"
    data = {**admin_form_data(moderator_client.get(url)), "hours": "Mo 09:00-17:00; whenever"}
    response = moderator_client.post(url, data)
    assert response.status_code == 200
    assert "At character 17:" in response.content.decode()
    assert Service.objects.get().hours == "Mo 09:00-17:00"
