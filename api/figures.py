"""Read API for definitions, recompute runs and the figures (/api/v1/...).

Kept apart from api/ingest.py (the write endpoint for interactions) so the two can grow
independently. Views only parse and render: the figures come from `selectors.distribution_rows`,
the CSV from `exports`, exactly as for the report page and `export_distributions`.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.decorators import method_decorator
from django.views.decorators.http import condition
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.support import (
    BOM_PARAMETER,
    CONDITIONAL_PARAMETERS,
    FORMAT_PARAMETER,
    RENDERERS,
    Pagination,
    ReadOnlyViewSet,
    WithheldDecimalField,
    WithheldIntegerField,
    csv_export,
    filter_problems_as_400,
)
from engagement.definitions.selectors import current_definition
from engagement.models import (
    DefinitionStatus,
    Distribution,
    EngagementDefinition,
    InteractionKind,
    PeriodType,
    RecomputeRun,
    Rung,
)
from engagement.store.conditional import distributions_etag, distributions_last_modified
from engagement.store.exports import distribution_export
from engagement.store.filters import (
    DistributionFilterSet,
    RecomputeRunFilterSet,
    parse_distribution_filters,
)
from engagement.store.selectors import (
    READ_SCOPE_CHOICES,
    SHARE_PLACES,
    current_snapshot,
    data_days,
    distribution_rows,
    figures_definition,
    partial_flags,
    visible_definitions,
    with_small_numbers_withheld,
)
from engagement.store.suppression import threshold_for


class RungSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rung
        fields = ["position", "slug", "name", "description"]


class InteractionKindSerializer(serializers.ModelSerializer):
    rung_position = serializers.IntegerField(source="rung.position", allow_null=True)

    class Meta:
        model = InteractionKind
        fields = ["slug", "rung_position", "lasting", "ended_by", "description"]


class DefinitionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()
    based_on = serializers.IntegerField(source="based_on.version", allow_null=True)
    rungs = RungSerializer(many=True)
    kinds = InteractionKindSerializer(many=True)

    class Meta:
        model = EngagementDefinition
        fields = [
            "version",
            "name",
            "status",
            "current",
            "based_on",
            "notes",
            "published_at",
            "rungs",
            "kinds",
        ]

    def get_current(self, definition: EngagementDefinition) -> bool:
        return definition.status == DefinitionStatus.PUBLISHED


class DefinitionViewSet(ReadOnlyViewSet):
    """Published and retired definition versions with their rungs and kinds (drafts are not
    shown: nothing is published under them)."""

    queryset = (
        visible_definitions()
        .select_related("based_on")
        .prefetch_related(
            Prefetch("rungs", queryset=Rung.objects.order_by("position")),
            Prefetch("kinds", queryset=InteractionKind.objects.select_related("rung")),
        )
        .order_by("-version")
    )
    serializer_class = DefinitionSerializer
    lookup_field = "version"
    lookup_value_regex = r"[0-9]{1,9}"
    filterset_class = None
    csv_name = "definitions"

    @action(detail=False, pagination_class=None)
    def current(self, request: Request) -> Response:
        """The current (published) definition."""
        definition = self.get_queryset().get(pk=current_definition().pk)
        return Response(self.get_serializer(definition).data)


class RecomputeRunSerializer(serializers.ModelSerializer):
    definition = serializers.IntegerField(source="definition.version")

    class Meta:
        model = RecomputeRun
        fields = [
            "id",
            "definition",
            "mode",
            "status",
            "preview",
            "queued_at",
            "started_at",
            "finished_at",
            "rows_written",
            "error",
        ]


class RecomputeRunViewSet(ReadOnlyViewSet):
    """Recompute runs of the shared ladder, newest first: when figures were made, under which
    version, how it went."""

    queryset = (
        RecomputeRun.objects.filter(definition__force__isnull=True)
        .select_related("definition")
        .order_by("-queued_at", "-id")
    )
    serializer_class = RecomputeRunSerializer
    filterset_class = RecomputeRunFilterSet
    csv_name = "recompute-runs"


def _share_field(help_text: str) -> WithheldDecimalField:
    """A share as the CSV writes it: SHARE_PLACES places at most, a number in JSON (null where
    small-number protection withholds it)."""
    return WithheldDecimalField(
        max_digits=SHARE_PLACES + 1,
        decimal_places=SHARE_PLACES,
        allow_null=True,
        coerce_to_string=False,
        help_text=help_text,
    )


class DistributionSerializer(serializers.Serializer):
    """One rung of one scope and period: LADDER.md's long layout as JSON, with the force's name
    and region beside its slug. Each share is named for its denominator."""

    definition_version = serializers.IntegerField()
    period_type = serializers.ChoiceField(choices=PeriodType.choices)
    period = serializers.CharField()
    period_start = serializers.DateField()
    scope = serializers.ChoiceField(choices=READ_SCOPE_CHOICES)
    force = serializers.CharField()
    force_name = serializers.CharField()
    region = serializers.CharField()
    platform = serializers.CharField(
        allow_null=True,
        help_text="The platform (platform and channel scope); empty at force scope.",
    )
    channel = serializers.CharField(allow_null=True, help_text="The channel (channel scope).")
    rung_position = serializers.IntegerField()
    rung = serializers.CharField()
    citizens = WithheldIntegerField(
        allow_null=True,
        help_text="Empty for rung 0 where it is unknown, and where withheld; 0 is written as 0.",
    )
    share_of_engaged = _share_field(
        "citizens / the citizens at rungs 1 to 6 of the scope and period; "
        "empty for rung 0, when nobody is engaged, and where withheld."
    )
    share_of_population = _share_field(
        "citizens / rungs 0 to 6 (the population, or the engaged where they outnumber it); "
        "force scope only, empty where rung 0 is unknown, and where withheld."
    )
    suppressed = serializers.BooleanField(
        help_text="True where small-number protection (SUPPRESS_BELOW) withholds citizens, share."
    )
    partial = serializers.BooleanField(
        help_text="True when the data held begin after the period's first day or end before its "
        "last (Europe/London days of the earliest interaction and of the horizon)."
    )


class DistributionViewSet(viewsets.GenericViewSet):
    """The published figures: citizens per rung per scope and period, from the current snapshot
    of a definition version. Reads carry an ETag and Last-Modified: send If-None-Match or
    If-Modified-Since and get 304 until new figures are published."""

    queryset = Distribution.objects.none()
    serializer_class = DistributionSerializer
    # Documents the parameters in the schema; `list` parses them with this same filter set.
    filterset_class = DistributionFilterSet
    renderer_classes = RENDERERS
    pagination_class = Pagination
    conditional_actions = ("list",)

    @extend_schema(
        parameters=[
            *CONDITIONAL_PARAMETERS,
            FORMAT_PARAMETER,
            BOM_PARAMETER,
            OpenApiParameter(
                "layout",
                str,
                enum=["long", "wide"],
                description="With format=csv: long (one row per rung, default) or wide.",
            ),
        ]
    )
    @method_decorator(
        condition(etag_func=distributions_etag, last_modified_func=distributions_last_modified)
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        with filter_problems_as_400():
            filters = parse_distribution_filters(request.query_params)
        threshold = threshold_for(request.user)
        if request.accepted_renderer.format == "csv":
            return csv_export(
                request, distribution_export, filters, threshold=threshold, options=("layout",)
            )
        page = self.paginate_queryset(distribution_rows(filters))
        rows = with_small_numbers_withheld(list(page), filters, threshold=threshold)
        partial = partial_flags(data_days(current_snapshot(figures_definition(filters))))
        for row in rows:
            row["partial"] = partial(row["period_type"], row["period"])
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
