"""The OpenAPI schema: valid, complete, documented offline, and the API keeps its promises.

The property-based test runs schemathesis in-process against the WSGI application on the small
published data set: every operation, a bounded number of generated requests each.
"""

import json
import re

import openapi_spec_validator
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import URLPattern, URLResolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api import urls as api_urls
from api.support import CSV_BODY
from config.wsgi import application
from engagement.store.filters import FILTER_PARAMETERS
from tests.factories import AnalystFactory, distribution_set

pytestmark = pytest.mark.django_db
DOCUMENTATION = {"api-schema", "api-docs"}


def api_paths(patterns, prefix="/api/v1/") -> set[str]:
    """Every route under /api/v1/, written as OpenAPI paths ({slug} for a parameter)."""
    paths = set()
    for pattern in patterns:
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).replace("{pk}", "{id}")
        if isinstance(pattern, URLResolver):
            paths |= api_paths(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern) and pattern.name not in DOCUMENTATION:
            paths.add(prefix + route)
    return paths


def test_the_schema_is_valid_openapi_3():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # raises on an invalid schema
    assert schema["openapi"].startswith("3.")


def test_the_schema_covers_every_endpoint():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    routes = api_paths(api_urls.urlpatterns)
    assert "/api/v1/distributions/" in routes and "/api/v1/definitions/current/" in routes
    assert routes == set(schema["paths"])


def test_openapi_spec_validator_accepts_the_schema():
    openapi_spec_validator.validate(SchemaGenerator().get_schema(request=None, public=True))


def parameter_names(schema: dict, path: str) -> set[str]:
    return {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}


def test_the_distributions_json_list_documents_its_filters_and_pages():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    names = parameter_names(schema, "/api/v1/distributions/")
    assert names >= {*FILTER_PARAMETERS, "page", "page_size"}
    assert names.isdisjoint({"format", "layout", "bom"})


def test_the_distributions_csv_documents_its_filters_and_file_options():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    names = parameter_names(schema, "/api/v1/distributions.csv")
    assert names >= {*FILTER_PARAMETERS, "layout", "bom"}
    assert names.isdisjoint({"format", "page", "page_size"})


def test_every_list_has_a_csv_operation_whose_answers_are_text():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    csv_paths = [path for path in schema["paths"] if path.endswith(".csv")]
    assert len(csv_paths) == len(api_urls.COLLECTIONS)
    for path in csv_paths:
        operation = schema["paths"][path]["get"]
        assert operation["operationId"].endswith("_list_csv")
        for status, response in operation["responses"].items():
            if status != "304":  # no body
                assert response["content"] == {"text/csv": {"schema": CSV_BODY}}


def test_the_json_lists_document_csv_nowhere():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        if not path.endswith(".csv"):
            for operation in operations.values():
                for response in operation["responses"].values():
                    assert "text/csv" not in response.get("content", {}), path


def test_the_import_accepts_a_json_body_only():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    post = schema["paths"]["/api/v1/interactions/"]["post"]
    assert list(post["requestBody"]["content"]) == ["application/json"]


def test_conditional_reads_document_304_and_their_validators():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    read = schema["paths"]["/api/v1/distributions/"]["get"]
    assert "304" in read["responses"]
    assert set(read["responses"]["200"]["headers"]) == {"ETag", "Last-Modified"}
    assert {"If-None-Match", "If-Modified-Since"} <= parameter_names(
        schema, "/api/v1/distributions/"
    )
    forces = schema["paths"]["/api/v1/forces/"]["get"]
    assert "304" not in forces["responses"]


def error_schema(operation: dict, status: str) -> dict:
    return operation["responses"][status]["content"]["application/json"]["schema"]


def test_every_operation_documents_the_shared_error_body():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        operation
        for path, operations in schema["paths"].items()
        if not path.endswith(".csv")  # a CSV address answers its errors as CSV
        for operation in operations.values()
    ]
    for operation in operations:
        for status in ("401", "403", "404"):
            assert error_schema(operation, status) == {"$ref": "#/components/schemas/Error"}
    read = schema["paths"]["/api/v1/distributions/"]["get"]
    assert error_schema(read, "400") == {"$ref": "#/components/schemas/Error"}


def test_the_import_documents_its_400_as_the_shared_body_with_rows():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    post = schema["paths"]["/api/v1/interactions/"]["post"]
    assert error_schema(post, "400") == {"$ref": "#/components/schemas/RowsError"}
    rows_error = schema["components"]["schemas"]["RowsError"]
    assert set(rows_error["properties"]) == {"status", "code", "message", "errors", "more"}


def test_the_schema_is_served_to_a_signed_in_user(api_client):
    response = api_client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/distributions/" in response.json()["paths"]


def test_the_docs_page_loads_its_javascript_from_this_site_not_a_cdn(api_client, client):
    page = api_client.get("/api/v1/docs/").content.decode()
    scripts = re.findall(r'src="([^"]+)"', page)
    assert scripts and all(src.startswith("/") and not src.startswith("//") for src in scripts)
    assert "cdn" not in page.lower()
    # No inline script (the Content-Security-Policy refuses them): the page's own set-up comes
    # from the docs URL itself (?script), for a signed-in reader.
    assert "<script>" not in page
    for src in scripts:
        reader = client if src.startswith("/static/") else api_client
        assert reader.get(src).status_code == 200


@pytest.fixture
def token_auth(db) -> dict[str, str]:
    """The small published data set and an analyst's API token for it."""
    distribution_set()
    analyst = AnalystFactory(username="schemathesis", password=None)
    return {"Authorization": f"Token {Token.objects.create(user=analyst).key}"}


def load_schema():
    """The schema /api/v1/schema/ serves (rendered the same way), bound to the WSGI app.

    Built at import time (schemathesis needs the operations to generate the tests), so from the
    generator rather than over HTTP, which needs a signed-in user and hence the database.
    """
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)))
    loaded.app = application
    return loaded


schema = load_schema()


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_generated_requests_get_no_server_error_and_match_the_schema(case, token_auth):
    response = case.call(headers=token_auth)
    case.validate_response(response, checks=[not_a_server_error])
    if response.headers.get("Content-Type", [""])[0].startswith("application/json"):
        case.validate_response(response, checks=[response_schema_conformance])


@pytest.fixture(autouse=True)
def keep_the_test_connection_open():
    """The real WSGI handler closes the database connection around each request (as Django's
    test client stops it from doing): keep the test's transaction, and its data, open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
