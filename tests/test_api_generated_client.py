"""The API as an integrator uses it: a Python client generated from the project's own OpenAPI
schema with openapi-python-client, driving a live server on loopback.

Every answer is parsed by the generated code into its generated models (or text, for a CSV), so a
schema that says something the server does not do (a body the client cannot send, a CSV
documented as JSON, an undocumented 304) fails here.
"""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from engagement.models import Interaction
from tests.factories import UserFactory, distribution_set

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture(scope="module")
def ladder_client(schema, tmp_path_factory):
    """The generated package, importable as `ladder_client` for this module's tests."""
    folder = tmp_path_factory.mktemp("generated")
    (folder / "schema.json").write_text(json.dumps(schema))
    (folder / "config.yaml").write_text("post_hooks: []\n")
    subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(folder / "schema.json"),
            "--config",
            str(folder / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(folder / "ladder_client"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sys.path.insert(0, str(folder))
    try:
        package = importlib.import_module("ladder_client")
        importlib.import_module("ladder_client.models")
        yield package
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.startswith("ladder_client")]:
            del sys.modules[name]


def operation(ladder_client, tag: str, name: str):
    return importlib.import_module(f"ladder_client.api.{tag}.{name}")


@pytest.fixture
def client(ladder_client, live_server, figures):
    """A generated client with the API token of a force data manager of alpha (who reads
    everything, and may import for alpha)."""
    user = UserFactory(
        username="integrator", password=None, roles=["Force data managers"], forces=["alpha"]
    )
    return ladder_client.AuthenticatedClient(
        base_url=live_server.url,
        token=Token.objects.create(user=user).key,
        prefix="Token",
        raise_on_unexpected_status=True,
    )


@pytest.fixture
def figures():
    return distribution_set()


def test_every_collection_lists_and_each_item_reads_into_the_generated_models(
    ladder_client, client, figures
):
    models = ladder_client.models
    listed = {
        tag: operation(ladder_client, tag, f"{tag}_list").sync(client=client)
        for tag in ("forces", "channels", "definitions", "recompute_runs", "distributions")
    }
    assert isinstance(listed["forces"], models.PaginatedForceList)
    assert isinstance(listed["channels"], models.PaginatedChannelList)
    assert isinstance(listed["definitions"], models.PaginatedDefinitionList)
    assert isinstance(listed["recompute_runs"], models.PaginatedRecomputeRunList)
    assert isinstance(listed["distributions"], models.PaginatedDistributionList)
    assert listed["distributions"].results, "the figures were listed"

    force = operation(ladder_client, "forces", "forces_retrieve").sync(
        slug=listed["forces"].results[0].slug, client=client
    )
    channel = operation(ladder_client, "channels", "channels_retrieve").sync(
        id=listed["channels"].results[0].id, client=client
    )
    definition = operation(ladder_client, "definitions", "definitions_retrieve").sync(
        version=listed["definitions"].results[0].version, client=client
    )
    current = operation(ladder_client, "definitions", "definitions_current_retrieve").sync(
        client=client
    )
    run = operation(ladder_client, "recompute_runs", "recompute_runs_retrieve").sync(
        id=listed["recompute_runs"].results[0].id, client=client
    )
    assert isinstance(force, models.Force)
    assert isinstance(channel, models.Channel)
    assert isinstance(definition, models.Definition)
    assert current.current is True
    assert isinstance(run, models.RecomputeRun)


def test_a_csv_list_arrives_as_text_and_equals_format_csv(ladder_client, client, figures):
    month = ladder_client.models.DistributionsListCsvPeriodType.MONTH
    csv_text = operation(ladder_client, "distributions", "distributions_list_csv").sync(
        client=client, period_type=month
    )
    same = client.get_httpx_client().get(
        "/api/v1/distributions/", params={"format": "csv", "period_type": "month"}
    )

    assert isinstance(csv_text, str)
    assert csv_text.splitlines()[0].startswith("definition_version,period_type,period,")
    assert csv_text == same.text


def test_a_conditional_request_answers_304_through_the_client(ladder_client, client, figures):
    listing = operation(ladder_client, "distributions", "distributions_list")
    month = ladder_client.models.DistributionsListPeriodType.MONTH
    first = listing.sync_detailed(client=client, period_type=month)
    etag = first.headers["ETag"]

    again = listing.sync_detailed(client=client, period_type=month, if_none_match=etag)

    assert first.status_code == 200
    assert again.status_code == 304
    assert again.parsed is None


def interaction_rows(ladder_client, **changes):
    row = {
        "force": "alpha",
        "channel": "twitter-main",
        "citizen": "someone",
        "kind": "like",
        "occurred_at": "2026-04-02T10:00:00Z",
        "external_id": "gen-1",
        **changes,
    }
    return [ladder_client.models.InteractionRow.from_dict(row)]


def test_a_dry_run_is_parsed_into_an_import_summary(ladder_client, client, figures):
    create = operation(ladder_client, "interactions", "interactions_create")

    summary = create.sync(client=client, body=interaction_rows(ladder_client), dry_run=True)

    assert isinstance(summary, ladder_client.models.ImportSummary)
    assert (summary.rows_read, summary.created, summary.dry_run) == (1, 1, True)
    assert not Interaction.objects.exists()


def test_a_real_import_creates_the_rows(ladder_client, client, figures):
    create = operation(ladder_client, "interactions", "interactions_create")

    response = create.sync_detailed(client=client, body=interaction_rows(ladder_client))

    assert response.status_code == 201
    assert (response.parsed.created, response.parsed.dry_run) == (1, False)
    assert Interaction.objects.count() == 1


def test_a_bad_row_answers_the_error_body_as_a_rows_error(ladder_client, client, figures):
    create = operation(ladder_client, "interactions", "interactions_create")

    response = create.sync_detailed(
        client=client, body=interaction_rows(ladder_client, kind="not-a-kind")
    )

    assert response.status_code == 400
    error = response.parsed
    assert isinstance(error, ladder_client.models.RowsError)
    assert error.code == "invalid_rows"
    assert [(problem.index, problem.field) for problem in error.errors] == [(0, "kind")]
    assert not Interaction.objects.exists()
