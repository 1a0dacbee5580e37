import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from engagement.models import ImportBatch, Interaction
from forces.models import Channel, Force, Platform
from tests.factories import AnalystFactory, ChannelFactory, StaffFactory
from tests.ingestion import INTERACTION_HEADER, UNKNOWN_KIND

pytestmark = pytest.mark.django_db


def upload(text: str, name: str = "upload.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def test_the_page_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get(reverse("engagement:imports"))
    assert response.status_code == 302


def test_the_page_is_refused_to_an_analyst(client):
    client.force_login(AnalystFactory(is_staff=True))
    assert client.get(reverse("engagement:imports")).status_code == 403


def test_staff_upload_channels_and_see_the_summary(staff_client):
    response = staff_client.post(
        reverse("engagement:imports"),
        {
            "what": "channels",
            "file": upload("force,channel,platform,name\nkent,main,twitter,Kent\n"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "upload.csv: imported" in page
    assert Channel.objects.filter(force__slug="kent", slug="main").exists()
    assert ImportBatch.objects.get().source == ImportBatch.Source.UPLOAD


def test_a_bad_upload_lists_its_problems_and_writes_nothing(staff_client):
    ChannelFactory(force=Force.objects.get(slug="kent"), slug="main", platform=Platform.TWITTER)
    text = (
        f"{INTERACTION_HEADER}\n"
        "kent,main,a,view,2026-05-01T10:00:00Z,e1\n"
        "kent,main,b,poke,2026-05-01T10:00:00Z,e2\n"
    )
    response = staff_client.post(
        reverse("engagement:imports"), {"what": "interactions", "file": upload(text)}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "was not imported: nothing was written" in page
    assert f"line 3: kind: {UNKNOWN_KIND}" in page
    assert not Interaction.objects.exists()


def test_a_dry_run_upload_shows_what_would_be_created(staff_client):
    ChannelFactory(force=Force.objects.get(slug="kent"), slug="main", platform=Platform.TWITTER)
    text = f"{INTERACTION_HEADER}\nkent,main,a,view,2026-05-01T10:00:00Z,e1\n"
    response = staff_client.post(
        reverse("engagement:imports"),
        {"what": "interactions", "file": upload(text), "dry_run": "on"},
    )
    assert "dry run, nothing written" in response.content.decode()
    assert not Interaction.objects.exists()


def test_the_upload_still_needs_its_csrf_token():
    """The page checks the token itself, once the size is known (see import_page)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffFactory())
    text = f"{INTERACTION_HEADER}\nkent,main,a,view,2026-05-01T10:00:00Z,e1\n"
    response = client.post(
        reverse("engagement:imports"), {"what": "interactions", "file": upload(text)}
    )
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_the_page_names_the_columns_each_file_needs(staff_client):
    page = staff_client.get("/imports/").content.decode()
    interactions = page[page.index('data-testid="format-interactions"') :]
    assert (
        "Columns it needs: <code>force</code>, <code>channel</code>, <code>citizen</code>, "
        "<code>kind</code>, <code>occurred_at</code>." in interactions
    )
    assert "It may also have: <code>external_id</code>." in interactions
    assert "<code>reply</code>" in interactions  # the current definition's kinds
    channels = page[page.index('data-testid="format-channels"') :]
    assert "<code>platform</code>, <code>name</code>." in channels
    assert "<code>team</code>, <code>url</code>" in channels


@pytest.mark.parametrize("what", ["interactions", "channels"])
def test_each_template_is_the_header_the_importer_reads_and_an_example_row(staff_client, what):
    response = staff_client.get(reverse("engagement:import-template", args=[what]))
    assert response["Content-Disposition"] == f'attachment; filename="ladder-{what}-template.csv"'
    header, example, end = response.content.decode().split("\r\n")
    assert end == "" and len(header.split(",")) == len(example.split(","))
    assert header.startswith("force,channel,")


def test_the_filled_in_templates_import_as_they_are(staff_client):
    """The example rows are valid: channels first, then interactions on that channel."""
    for what in ("channels", "interactions"):
        template = staff_client.get(reverse("engagement:import-template", args=[what])).content
        response = staff_client.post(
            "/imports/", {"what": what, "file": upload(template.decode(), f"{what}.csv")}
        )
        assert response.status_code == 200, response.content.decode()
    assert Channel.objects.filter(force__slug="kent", slug="twitter-main").exists()
    assert Interaction.objects.count() == 1


def test_the_template_of_what_a_person_may_not_import_is_refused(client):
    client.force_login(AnalystFactory())
    response = client.get(reverse("engagement:import-template", args=["channels"]))
    assert response.status_code == 403
