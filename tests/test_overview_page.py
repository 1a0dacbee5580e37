import pytest
from django.urls import reverse

from tests.dashboard_data import make_dashboard_data
from tests.factories import AnalystFactory

pytestmark = pytest.mark.django_db


def test_overview_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get(reverse("dashboard:overview"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:sign-in") + "?next=/"


def test_overview_lists_all_43_forces_to_a_signed_in_analyst(client):
    make_dashboard_data()
    client.force_login(AnalystFactory())
    page = client.get(reverse("dashboard:overview")).content.decode()
    start = page.index('id="forces-table"')
    forces_table = page[start : page.index("</table>", start)]
    assert forces_table.count('<th scope="row"') == 43
    assert "Kent Police" in page
