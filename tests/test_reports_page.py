import csv
import io

import pytest

from engagement.store.filters import FILTER_PARAMETERS
from forces.models import Force
from tests.factories import ChannelFactory, long_layout_size

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, analyst):
    client.force_login(analyst)
    return client


def test_the_report_page_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get("/reports/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/reports/"


def test_the_download_asks_an_anonymous_visitor_to_sign_in(client):
    assert client.get("/reports/export.csv").status_code == 302


def test_the_empty_form_offers_every_filter(signed_in, published):
    page = signed_in.get("/reports/").content.decode()
    for name in [*FILTER_PARAMETERS, "layout", "bom"]:
        assert f'name="{name}"' in page
    assert "Download the CSV" not in page


def test_a_valid_form_previews_the_first_rows_and_links_the_download(signed_in, published):
    response = signed_in.get(
        "/reports/", {"period": "2026-04", "force": ["alpha"], "scope": "force"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<th scope="col">share_of_engaged</th>' in page
    assert '<th scope="col">share_of_population</th>' in page
    assert page.count("<td>alpha</td>") == 7  # rung 0 to 6 of alpha's force-scope row
    assert 'href="/reports/export.csv?period=2026-04&amp;force=alpha&amp;scope=force"' in page


def test_the_preview_shows_at_most_twenty_rows(signed_in, published):
    page = signed_in.get("/reports/", {"period_type": "month"}).content.decode()
    assert page.count("<tr><td>") == 20


def test_the_wide_preview_has_a_column_per_rung(signed_in, published):
    page = signed_in.get("/reports/", {"period": "2026-04", "layout": "wide"}).content.decode()
    assert '<th scope="col">rung_6_co-designer</th>' in page
    assert page.count("<tr><td>") == 5


def test_a_bad_filter_is_reported_next_to_its_name(signed_in, published):
    response = signed_in.get("/reports/", {"period": "2026-13", "force": "atlantis"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert 'href="#id_period"' in page and 'href="#id_force"' in page
    assert "Unknown force: atlantis." in page


def test_the_download_is_a_named_csv_of_the_filtered_figures(signed_in, published):
    response = signed_in.get("/reports/export.csv", {"period": "2026-Q2", "force": "alpha,bravo"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="ladder-v1-2026-q2-all-scopes-alpha-bravo-long.csv"'
    )
    text = b"".join(response.streaming_content).decode()
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == long_layout_size(published, period="2026-Q2")
    assert {row["period"] for row in table} == {"2026-Q2"}


def test_the_download_takes_forces_as_repeated_parameters_too(signed_in, published):
    response = signed_in.get(
        "/reports/export.csv", {"period": "2026-Q2", "force": ["alpha", "bravo"]}
    )
    text = b"".join(response.streaming_content).decode()
    assert {row["force"] for row in csv.DictReader(io.StringIO(text))} == {"alpha", "bravo"}


def test_the_download_can_start_with_a_bom_for_excel(signed_in, published):
    response = signed_in.get("/reports/export.csv", {"bom": "1", "layout": "wide"})
    assert b"".join(response.streaming_content).startswith(b"\xef\xbb\xbfdefinition_version,")


def test_a_bad_download_gets_a_400_naming_the_parameters(signed_in, published):
    response = signed_in.get("/reports/export.csv", {"layout": "tall", "scope": "planet"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "layout:" in text and "scope:" in text


def test_the_download_answers_304_when_the_figures_have_not_changed(signed_in, published):
    etag = signed_in.get("/reports/export.csv")["ETag"]
    assert signed_in.get("/reports/export.csv", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_report_page_runs_a_constant_number_of_queries(
    signed_in, published, django_assert_max_num_queries
):
    # Two of them list the channels and the local lenses to pick from, however many there are.
    ChannelFactory.create_batch(5)
    with django_assert_max_num_queries(14):
        signed_in.get("/reports/", {"period_type": "month", "layout": "wide"})


def test_channels_and_lenses_are_picked_from_lists_and_forces_from_a_searchable_list(
    signed_in, published
):
    channel = ChannelFactory(name="Kent Police on Nextdoor", slug="kent-nextdoor")
    page = signed_in.get("/reports/").content.decode()
    assert '<select id="id_channel" name="channel"' in page
    assert f'<optgroup label="{channel.force.name}">' in page
    assert '<option value="kent-nextdoor">Kent Police on Nextdoor (kent-nextdoor)</option>' in page
    assert '<select id="id_lens" name="lens"' in page
    assert 'type="search" id="id_force_search" data-filter-list="id_force_list"' in page
    assert page.count('name="force" value=') == Force.objects.count()
    assert "js/reports.js" in page and "<script>" not in page  # no inline script (CSP)


def test_saving_is_offered_with_a_name_made_from_the_choices(signed_in, published):
    page = signed_in.get("/reports/", {"period_type": "quarter", "force": ["alpha"]})
    assert 'value="Alpha Police, quarters, every period"' in page.content.decode()
