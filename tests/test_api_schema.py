"""The OpenAPI schema: valid, complete, documented offline, and the API keeps its promises.

The property-based test runs schemathesis in-process against the WSGI application on the small
published data set: every operation, a bounded number of generated requests each.
"""

import json
import re

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


def test_the_distributions_filters_are_documented():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    names = {p["name"] for p in schema["paths"]["/api/v1/distributions/"]["get"]["parameters"]}
    assert names >= {*FILTER_PARAMETERS, "format", "layout", "bom", "page"}


def error_schema(operation: dict, status: str) -> dict:
    return operation["responses"][status]["content"]["application/json"]["schema"]


def test_every_operation_documents_the_shared_error_body():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [op for path in schema["paths"].values() for op in path.values()]
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
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert "cdn" not in page.lower()
    for src in scripts:
        assert client.get(src).status_code == 200


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
