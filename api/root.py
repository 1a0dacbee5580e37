"""/api/v1/: what the API offers, as links a person or a client can follow."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("forces", "api-force-list", "The 43 forces, their regions and populations."),
    ("channels", "api-channel-list", "Every channel, its force and platform."),
    ("definitions", "api-definition-list", "Published and retired definition versions."),
    ("recompute_runs", "api-recompute-run-list", "Recompute runs, newest first."),
    (
        "distributions",
        "api-distribution-list",
        "The figures: citizens, share_of_engaged and share_of_population per rung "
        "(?format=csv&layout=long|wide for CSV).",
    ),
    ("mobility", "api-mobility-list", "Movement between rungs from one period to the next."),
    ("similar_forces", "api-similar-forces-list", "The forces most like each force."),
    (
        "routes",
        "api-route-list",
        "The routes each force offers to each rung: open or not, and their use, per period.",
    ),
    ("interactions", "api-interactions-import", "POST interactions (data managers)."),
    ("links", "api-links-import", "POST links between identifiers, with consent (data managers)."),
    ("link_withdrawals", "api-links-withdraw", "POST links to withdraw (data managers)."),
    (
        "interactions_profiled",
        "api-interactions-profiled-import",
        "POST another tool's records through an import profile (?profile=x-posts).",
    ),
    ("schema", "api-schema", "The OpenAPI schema."),
    ("docs", "api-docs", "The API documentation."),
)


# Each list also as a CSV file at its own address (`forces.csv`; see api/urls.py).
CSV_ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("forces", "api-force-list-csv"),
    ("channels", "api-channel-list-csv"),
    ("definitions", "api-definition-list-csv"),
    ("recompute_runs", "api-recompute-run-list-csv"),
    ("distributions", "api-distribution-list-csv"),
    ("mobility", "api-mobility-list-csv"),
    ("similar_forces", "api-similar-forces-list-csv"),
    ("routes", "api-route-list-csv"),
)


@extend_schema(
    responses=OpenApiTypes.OBJECT,
    description="Every endpoint: its name, its address and what it serves.",
)
@api_view(["GET"])
def api_root(request: Request) -> Response:
    """Every endpoint with its address and what it serves."""
    csv_urls = {name: reverse(url_name, request=request) for name, url_name in CSV_ENDPOINTS}
    return Response(
        {
            name: {
                "url": reverse(url_name, request=request),
                "description": description,
                **({"csv": csv_urls[name]} if name in csv_urls else {}),
            }
            for name, url_name, description in ENDPOINTS
        }
    )
