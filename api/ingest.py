"""The write side of the API: the bulk import of interactions, in Ladder's own fields or as
another tool's records read through an import profile; and links between identifiers (recorded
with consent) and their withdrawal, in the links CSV's fields. All or nothing, problems by
position."""

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
from engagement.ingest.links import WithdrawalResult, import_link_rows, withdraw_link_rows
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


def _rows_schema(body, summary, created: int):
    """The schema of a POST of a list of objects: `summary` answered with `created` (200 for a
    dry run), or every problem by index."""
    return extend_schema(
        request=body(many=True),
        parameters=[
            OpenApiParameter("dry_run", bool, description="Check and count, write nothing.")
        ],
        responses={
            created: summary,
            200: summary,
            400: RowsErrorSerializer,
            413: ErrorSerializer,
            503: ErrorSerializer,
        },
    )


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

    @_rows_schema(InteractionRowSerializer, ImportSummarySerializer, 201)
    def post(self, request: Request) -> Response:
        return _rows_imported(
            request, "interaction", import_interaction_rows, filename="POST /api/v1/interactions/"
        )


class LinkRowSerializer(serializers.Serializer):
    """One link, with the links CSV's fields (documents the request body): two identifiers that
    the person said, with consent, are theirs. Both are pseudonymised before storage."""

    force = serializers.CharField(max_length=64)
    platform = serializers.CharField(max_length=16)
    citizen = serializers.CharField(max_length=500, help_text="Pseudonymised before storage.")
    linked_platform = serializers.CharField(max_length=16)
    linked_citizen = serializers.CharField(
        max_length=500, help_text="Pseudonymised before storage."
    )
    consented_at = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="ISO 8601; without an offset, Europe/London local time.",
    )
    external_id = serializers.CharField(
        max_length=200, required=False, allow_blank=True, allow_null=True
    )


class WithdrawalSummarySerializer(serializers.Serializer):
    rows_read = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    not_held = serializers.ListField(
        child=serializers.CharField(),
        help_text="One line per link named that its force does not hold: nothing withdrawn.",
    )
    dry_run = serializers.BooleanField()


class LinkImportView(InteractionImportView):
    """Record links between identifiers (one person, with consent): all of them, or none and
    every problem by index. A link already held in its force (either order), or whose
    external_id its force holds, is a duplicate. A force data manager records links for their
    own forces only."""

    @_rows_schema(LinkRowSerializer, ImportSummarySerializer, 201)
    def post(self, request: Request) -> Response:
        return _rows_imported(request, "link", import_link_rows, filename="POST /api/v1/links/")


class LinkWithdrawalView(InteractionImportView):
    """Withdraw links (consent withdrawn), named as when they were recorded, in either order:
    each link held is deleted and the figures it touched recounted by the next recompute; one
    its force does not hold is listed in `not_held` and changes nothing. A problem with any
    object refuses the whole request, nothing withdrawn."""

    @_rows_schema(LinkRowSerializer, WithdrawalSummarySerializer, 200)
    def post(self, request: Request) -> Response:
        return _rows_imported(
            request,
            "link",
            withdraw_link_rows,
            filename="POST /api/v1/links/withdrawals/",
            summary=WithdrawalSummarySerializer,
            created=status.HTTP_200_OK,
        )


def _rows_imported(
    request: Request,
    what: str,
    service: Callable[..., ImportResult | WithdrawalResult],
    *,
    filename: str,
    **answer,
) -> Response:
    """A POST of a list of `what` objects run through `service(rows=, request=)` for the
    user's own forces, answered as `_imported` answers (`answer`: its summary and status)."""
    rows = _listed(request, what)
    return _imported(
        lambda asked: service(rows=rows, request=asked),
        request=request,
        filename=filename,
        forces=forces_managed_by(request.user),
        **answer,
    )


def _listed(request: Request, what: str) -> list:
    """The request's JSON list of objects, refused whole when it is not one or is too long."""
    rows = request.data
    if not isinstance(rows, list):
        raise _body_problem(f"must be a JSON list of {what} objects")
    if len(rows) > MAX_ROWS_PER_REQUEST:
        raise _body_problem(
            f"holds {len(rows)} {what}s; send at most {MAX_ROWS_PER_REQUEST} per request"
        )
    return rows


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
    run: Callable[[ImportRequest], ImportResult | WithdrawalResult],
    *,
    request: Request,
    filename: str,
    forces: Collection[str] | None,
    summary: type[serializers.Serializer] = ImportSummarySerializer,
    created: int = status.HTTP_201_CREATED,
) -> Response:
    """Run an import for an API request (`?dry_run=true` to check only): its `summary` (with
    `created` as the status when something was written), or every problem by position in the
    shared error body."""
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
    return Response(summary(result).data, status=status.HTTP_200_OK if dry_run else created)


def _body_problem(message: str, where: str = "index") -> RowsInvalid:
    """A problem with the request as a whole, in the same body as the rows' problems."""
    return RowsInvalid(problems=[{where: None, "field": "body", "message": message}])
