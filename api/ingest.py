"""The write side of the API: the bulk import of interactions, in Ladder's own fields or as
another tool's records read through an import profile."""

from collections.abc import Callable, Collection

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import ImportsInteractions
from api.support import (
    ErrorSerializer,
    LimitedJSONParser,
    RowsErrorSerializer,
    RowsInvalid,
    Unavailable,
)
from engagement.ingest.interactions import (
    ImportRejected,
    import_interaction_rows,
    import_profiled_data,
)
from engagement.ingest.profiles import ProfileInvalid
from engagement.ingest.rows import ImportFailed, ImportRequest, ImportResult
from engagement.ingest.saved_profiles import find_profile
from engagement.models import ImportBatch
from forces.selectors import forces_managed_by

MAX_ROWS_PER_REQUEST = 10_000


class InteractionRowSerializer(serializers.Serializer):
    """One interaction, with the interactions CSV's fields (documents the request body)."""

    force = serializers.CharField(max_length=64)
    channel = serializers.CharField(max_length=64)
    citizen = serializers.CharField(max_length=500, help_text="Pseudonymised before storage.")
    kind = serializers.CharField(max_length=40)
    occurred_at = serializers.CharField(
        max_length=64, help_text="ISO 8601; without an offset, Europe/London local time."
    )
    external_id = serializers.CharField(
        max_length=200, required=False, allow_blank=True, allow_null=True
    )


class ImportSummarySerializer(serializers.Serializer):
    rows_read = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    dry_run = serializers.BooleanField()


class InteractionImportView(APIView):
    """Import a list of interactions: all of them, or none and every problem by index (the
    shared error body with code "invalid_rows", see api.support). A force data manager imports
    for their own forces only: a row for another force refuses the whole request."""

    permission_classes = [ImportsInteractions]
    # A JSON list only (bounded in bytes and depth): the form and multipart parsers cannot carry
    # a list, and offering them in the schema breaks generated clients.
    parser_classes = [LimitedJSONParser]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ParseError):
            exc = _body_problem(f"is not valid JSON ({exc.detail})")
        return super().handle_exception(exc)

    @extend_schema(
        request=InteractionRowSerializer(many=True),
        parameters=[
            OpenApiParameter("dry_run", bool, description="Check and count, write nothing.")
        ],
        responses={
            201: ImportSummarySerializer,
            200: ImportSummarySerializer,
            400: RowsErrorSerializer,
            413: ErrorSerializer,
            503: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        rows = request.data
        if not isinstance(rows, list):
            raise _body_problem("must be a JSON list of interaction objects")
        if len(rows) > MAX_ROWS_PER_REQUEST:
            raise _body_problem(
                f"holds {len(rows)} interactions; send at most {MAX_ROWS_PER_REQUEST} per request"
            )
        return _imported(
            lambda asked: import_interaction_rows(rows=rows, request=asked),
            request=request,
            filename="POST /api/v1/interactions/",
            forces=forces_managed_by(request.user),
        )


class RecordProblemSerializer(serializers.Serializer):
    record = serializers.IntegerField(
        allow_null=True, help_text="The record's number in the export (1 first); null: the body."
    )
    field = serializers.CharField(help_text="The tool's path, with the Ladder field it feeds.")
    message = serializers.CharField()


class RecordsErrorSerializer(ErrorSerializer):
    """The error body of a profiled import refused because of its records ("invalid_rows")."""

    errors = RecordProblemSerializer(many=True)
    more = serializers.IntegerField(help_text="Problems beyond those listed.")


class ProfiledImportView(APIView):
    """Import another tool's records (the JSON body of its API, as it answered) through an
    import profile: a built-in one's name or a saved one's force/name. `force` and `channel`
    give the values a profile does not read (an export of one account). All records or none,
    every problem by record; a force data manager imports for their own forces only."""

    permission_classes = [ImportsInteractions]
    parser_classes = [LimitedJSONParser]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ParseError):
            exc = _body_problem(f"is not valid JSON ({exc.detail})", where="record")
        return super().handle_exception(exc)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter(
                "profile",
                str,
                required=True,
                description="A built-in profile (x-posts) or a saved one (kent/crm-export).",
            ),
            OpenApiParameter("force", str, description="The force, if the profile reads none."),
            OpenApiParameter(
                "channel", str, description="The channel's slug, if the profile reads none."
            ),
            OpenApiParameter("dry_run", bool, description="Check and count, write nothing."),
        ],
        responses={
            201: ImportSummarySerializer,
            200: ImportSummarySerializer,
            400: RecordsErrorSerializer,
            413: ErrorSerializer,
            503: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        params = request.query_params
        managed = forces_managed_by(request.user)
        try:
            profile = find_profile(params.get("profile", ""), forces=managed)
            if profile.format != "json":
                raise ProfileInvalid(["profile: reads CSV files; the API takes JSON records"])
            profile = profile.given(
                {name: params.get(name, "") for name in ("force", "channel")}
            ).complete()
        except ProfileInvalid as invalid:
            raise ValidationError({"profile": invalid.messages}) from None
        return _imported(
            lambda asked: import_profiled_data(profile=profile, data=request.data, request=asked),
            request=request,
            filename=f"POST /api/v1/interactions/profiled/ ({profile.name})",
            forces=managed,
        )


def _imported(
    run: Callable[[ImportRequest], ImportResult],
    *,
    request: Request,
    filename: str,
    forces: Collection[str] | None,
) -> Response:
    """Run an import for an API request (`?dry_run=true` to check only): the counts, or every
    problem by position in the shared error body."""
    dry_run = request.query_params.get("dry_run", "").lower() in {"1", "true", "yes"}
    try:
        result = run(
            ImportRequest(
                filename=filename,
                dry_run=dry_run,
                user=request.user,
                origin=ImportBatch.Source.API,
                forces=forces,
            )
        )
    except ImportRejected as rejected:
        raise RowsInvalid(
            problems=[problem.as_dict() for problem in rejected.details], more=rejected.more
        ) from None
    except ImportFailed as failed:
        raise Unavailable(str(failed)) from None
    return Response(
        ImportSummarySerializer(result).data,
        status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED,
    )


def _body_problem(message: str, where: str = "index") -> RowsInvalid:
    """A problem with the request as a whole, in the same body as the rows' problems."""
    return RowsInvalid(problems=[{where: None, "field": "body", "message": message}])
