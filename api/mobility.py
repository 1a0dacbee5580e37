"""Read API for mobility and the forces most alike (/api/v1/mobility/, /api/v1/similar-forces/).

Views only parse and render: mobility comes from `engagement.store.mobility.mobility_rows` and
its CSV from `mobility_export`, exactly as `export_mobility` writes it; the forces most alike
from `engagement.store.similarity.similar_forces`.
"""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.http import condition
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
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
from engagement.ladder.similarity import MIN_ENGAGED, NEAREST
from engagement.models import PeriodType, Transition
from engagement.store.conditional import distributions_etag, distributions_last_modified
from engagement.store.filters import (
    MobilityFilterSet,
    parse_distribution_filters,
    parse_mobility_filters,
)
from engagement.store.mobility import (
    mobility_export,
    mobility_rows,
    mobility_with_small_numbers_withheld,
)
from engagement.store.similarity import similar_forces
from engagement.store.suppression import threshold_for

SNAPSHOT_CONDITION = condition(
    etag_func=distributions_etag, last_modified_func=distributions_last_modified
)


class MobilitySerializer(serializers.Serializer):
    """Citizens of one force by rung in one period and rung in the next (LADDER.md "mobility
    CSV", as JSON)."""

    definition_version = serializers.IntegerField()
    period_type = serializers.ChoiceField(choices=PeriodType.choices)
    from_period = serializers.CharField()
    to_period = serializers.CharField()
    force = serializers.CharField(source="force_slug")
    from_rung_position = serializers.IntegerField(help_text="0: not engaged in from_period.")
    to_rung_position = serializers.IntegerField(help_text="0: not engaged in to_period.")
    citizens = WithheldIntegerField(allow_null=True, help_text="Null where withheld.")
    suppressed = serializers.BooleanField(
        help_text="True where small-number protection (SUPPRESS_BELOW) withholds citizens."
    )


class MobilityViewSet(viewsets.GenericViewSet):
    """Mobility: for each force, period type and pair of consecutive periods, the citizens
    engaged in either period by (rung in the first, rung in the next), 0 meaning not engaged
    ((0, 0) is never counted). From the current snapshot of a definition version, with the same
    ETag and Last-Modified as the distributions."""

    queryset = Transition.objects.none()
    serializer_class = MobilitySerializer
    filterset_class = MobilityFilterSet  # documents the parameters; `list` parses with it
    renderer_classes = RENDERERS
    pagination_class = Pagination

    @extend_schema(parameters=[FORMAT_PARAMETER, BOM_PARAMETER])
    @method_decorator(SNAPSHOT_CONDITION)
    def list(self, request: Request, *args, **kwargs) -> Response:
        with filter_problems_as_400():
            filters = parse_mobility_filters(request.query_params)
        threshold = threshold_for(request.user)
        if request.accepted_renderer.format == "csv":
            return csv_export(request, mobility_export, filters, threshold=threshold)
        page = self.paginate_queryset(mobility_rows(filters))
        rows = mobility_with_small_numbers_withheld(list(page), filters, threshold=threshold)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class NeighbourSerializer(serializers.Serializer):
    force = serializers.CharField()
    name = serializers.CharField()
    distance = serializers.FloatField(help_text="Jensen-Shannon distance, 0 (same) to 1.")


class SimilarForceSerializer(serializers.Serializer):
    force = serializers.CharField()
    name = serializers.CharField()
    period_type = serializers.ChoiceField(choices=PeriodType.choices)
    period = serializers.CharField()
    engaged = serializers.IntegerField(help_text="Citizens at rungs 1 to 6 in the period.")
    has_shape = serializers.BooleanField(
        help_text=f"False below {MIN_ENGAGED} engaged citizens: too few for a meaningful shape, "
        "so no forces are ranked."
    )
    similar = NeighbourSerializer(many=True, help_text=f"Up to {NEAREST}, closest first.")


class SimilarForcesViewSet(viewsets.GenericViewSet):
    """The forces most alike: for each force, the five whose ladder shape in the period (shares
    of the engaged at rungs 1 to 6) is closest by Jensen-Shannon distance. A force with fewer
    than MIN_ENGAGED engaged citizens has no shape: `has_shape` false, nobody listed, and it is
    nobody's neighbour. Default period: the latest of the type held (month by default)."""

    queryset = Transition.objects.none()
    serializer_class = SimilarForceSerializer
    renderer_classes = RENDERERS
    pagination_class = None
    filterset_class = None

    @extend_schema(
        parameters=[
            FORMAT_PARAMETER,
            OpenApiParameter(
                "definition", int, description="Definition version (default: current)."
            ),
            OpenApiParameter(
                "period_type", str, enum=PeriodType.values, description="Default: month."
            ),
            OpenApiParameter(
                "period", str, description="One period, e.g. 2026-Q2 (default: latest)."
            ),
            OpenApiParameter(
                "force", str, description="Force slugs, comma-separated (default: all)."
            ),
        ]
    )
    @method_decorator(SNAPSHOT_CONDITION)
    def list(self, request: Request, *args, **kwargs) -> Response:
        params = {
            name: request.query_params[name]
            for name in ("definition", "period_type", "period", "force")
            if name in request.query_params
        }
        with filter_problems_as_400():
            found = similar_forces(
                parse_distribution_filters(params), threshold=threshold_for(request.user)
            )
        if found is None:
            raise NotFound("No figures have been published under this definition yet.")
        records = [
            {
                "force": slug,
                "name": found.names[slug],
                "period_type": found.period_type,
                "period": found.period,
                "engaged": likeness.engaged,
                "has_shape": likeness.has_shape,
                "similar": [
                    {
                        "force": neighbour.key,
                        "name": found.names[neighbour.key],
                        "distance": round(neighbour.distance, 6),
                    }
                    for neighbour in likeness.neighbours
                ],
            }
            for slug, likeness in found.forces.items()
        ]
        return Response(self.get_serializer(records, many=True).data)
