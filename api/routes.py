"""Read API for routes (/api/v1/routes/, + .csv): every route of every force in every period
selected, with whether it is open and its use.

Views only parse and render: the rows come from `engagement.store.routes.route_rows` and the CSV
from `routes_export`, exactly as `export_routes` writes it, so the API and the file agree row for
row. No ETag: routes change when they are imported, not only when figures are published.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.support import (
    BOM_PARAMETER,
    FORMAT_PARAMETER,
    RENDERERS,
    Pagination,
    WithheldIntegerField,
    csv_export,
    filter_problems_as_400,
)
from engagement.models import Distribution, PeriodType
from engagement.store.filters import RouteFilterSet, parse_route_filters
from engagement.store.routes import route_rows, routes_export
from engagement.store.suppression import threshold_for


class RouteSerializer(serializers.Serializer):
    """One route in one period (the routes export CSV, as JSON, with the route's details)."""

    definition_version = serializers.IntegerField()
    period_type = serializers.ChoiceField(choices=PeriodType.choices)
    period = serializers.CharField()
    force = serializers.CharField()
    rung_position = serializers.IntegerField(help_text="The rung the route leads to, 1 to 6.")
    route = serializers.CharField(help_text="The route's name, unique within its force.")
    channel = serializers.CharField(
        allow_null=True, help_text="Where its interactions are recorded; null: nowhere."
    )
    url = serializers.CharField(allow_blank=True)
    opens_on = serializers.DateField()
    closes_on = serializers.DateField(allow_null=True, help_text="Null while it stays open.")
    open = serializers.BooleanField(help_text="Open on at least one day of the period.")
    use = WithheldIntegerField(
        allow_null=True,
        help_text="Citizens at the route's rung or higher on its channel in the period; null "
        "for a route without a channel (unknown), or where withheld.",
    )
    suppressed = serializers.BooleanField(
        help_text="True where small-number protection (SUPPRESS_BELOW) withholds use."
    )


class RouteViewSet(viewsets.GenericViewSet):
    """Routes: the ways in each force offers to each rung, in every period the current figures
    hold (or those chosen), each with whether it is open in the period (on at least one day) and
    its use (citizens at its rung or higher on its channel; unknown without a channel)."""

    queryset = Distribution.objects.none()
    serializer_class = RouteSerializer
    filterset_class = RouteFilterSet  # documents the parameters; `list` parses with it
    renderer_classes = RENDERERS
    pagination_class = Pagination

    @extend_schema(parameters=[FORMAT_PARAMETER, BOM_PARAMETER])
    def list(self, request: Request, *args, **kwargs) -> Response:
        with filter_problems_as_400():
            filters = parse_route_filters(request.query_params)
        threshold = threshold_for(request.user)
        if request.accepted_renderer.format == "csv":
            return csv_export(request, routes_export, filters, threshold=threshold)
        version, rows = route_rows(filters, threshold=threshold)
        page = self.paginate_queryset(rows)
        records = [{**row, "definition_version": version} for row in page]
        return self.get_paginated_response(self.get_serializer(records, many=True).data)
