"""A preview (figures computed under a draft) is never served as published figures.

The preview snapshot stays current for its version when the draft is published, until the
recompute that publishing queues replaces it: no reader may show it meanwhile.
"""

import io

import pytest
from django.core.management import call_command

from engagement.definitions.services import create_draft, publish_definition
from tests.factories import DistributionFactory, SnapshotFactory

pytestmark = pytest.mark.django_db

PREVIEW_CITIZENS = 4242


@pytest.fixture
def preview_of_the_published_draft():
    """A draft with a preview holding figures, then published (its recompute not yet run)."""
    draft = create_draft()
    preview = SnapshotFactory(run__definition=draft, run__preview=True, is_preview=True)
    DistributionFactory(snapshot=preview, citizens=PREVIEW_CITIZENS)
    publish_definition(definition=draft)
    return preview


def test_the_api_lists_no_preview_figures_for_a_newly_published_version(
    api_client, preview_of_the_published_draft
):
    response = api_client.get("/api/v1/distributions/")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_the_export_command_writes_no_preview_figures(preview_of_the_published_draft):
    out = io.StringIO()
    call_command("export_distributions", stdout=out)
    assert str(PREVIEW_CITIZENS) not in out.getvalue()
    assert len(out.getvalue().splitlines()) == 1  # the header only


def test_a_preview_gives_the_figures_no_etag(api_client, preview_of_the_published_draft):
    response = api_client.get("/api/v1/distributions/")
    assert not response.has_header("ETag")
    assert not response.has_header("Last-Modified")
