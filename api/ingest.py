"""The write side of the API: the bulk import of interactions, and of links between identifiers
(recorded with consent) and their withdrawal. Every one posts a JSON list of objects with the
fields of its CSV, and is imported all or nothing, problems by index."""

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
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
from engagement.ingest.interactions import ImportRejected, import_interaction_rows
from engagement.ingest.links import import_link_rows, withdraw_link_rows
from engagement.ingest.rows import ImportFailed, ImportRequest
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


class RowsImportView(APIView):
    """Import a list of objects with the fields of a CSV: all of them, or none and every problem
    by index (the shared error body with code "invalid_rows", see api.support). A force data
    manager imports for their own forces only: a row for another force refuses the whole
    request. A subclass names its importer, what it posts and its summary."""

    permission_classes = [ImportsInteractions]
    # A JSON list only (bounded in bytes and depth): the form and multipart parsers cannot carry
    # a list, and offering them in the schema breaks generated clients.
    parser_classes = [LimitedJSONParser]
    importer: Callable[..., Any]
    what = "rows"
    filename = ""
    summary: type[serializers.Serializer] = ImportSummarySerializer
    created = status.HTTP_201_CREATED

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ParseError):
            exc = _body_problem(f"is not valid JSON ({exc.detail})")
        return super().handle_exception(exc)

    def post(self, request: Request) -> Response:
        rows = request.data
        if not isinstance(rows, list):
            raise _body_problem(f"must be a JSON list of {self.what} objects")
        if len(rows) > MAX_ROWS_PER_REQUEST:
            raise _body_problem(
                f"holds {len(rows)} {self.what}s; send at most {MAX_ROWS_PER_REQUEST} per request"
            )
        dry_run = request.query_params.get("dry_run", "").lower() in {"1", "true", "yes"}
        try:
            result = self.importer(
                rows=rows,
                request=ImportRequest(
                    filename=self.filename,
                    dry_run=dry_run,
                    user=request.user,
                    origin=ImportBatch.Source.API,
                    forces=forces_managed_by(request.user),
                ),
            )
        except ImportRejected as rejected:
            raise RowsInvalid(
                problems=[problem.as_dict() for problem in rejected.details], more=rejected.more
            ) from None
        except ImportFailed as failed:
            raise Unavailable(str(failed)) from None
        return Response(
            self.summary(result).data,
            status=status.HTTP_200_OK if dry_run else self.created,
        )


def _schema(body: type[serializers.Serializer], summary: type[serializers.Serializer], created):
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


class InteractionImportView(RowsImportView):
    """Import a list of interactions: all of them, or none and every problem by index (the
    shared error body with code "invalid_rows", see api.support). A force data manager imports
    for their own forces only: a row for another force refuses the whole request."""

    importer = staticmethod(import_interaction_rows)
    what = "interaction"
    filename = "POST /api/v1/interactions/"

    @_schema(InteractionRowSerializer, ImportSummarySerializer, 201)
    def post(self, request: Request) -> Response:
        return super().post(request)


class LinkImportView(RowsImportView):
    """Record links between identifiers (one person, with consent): all of them, or none and
    every problem by index. A link already held in its force (either order), or whose
    external_id its force holds, is a duplicate. A force data manager records links for their
    own forces only."""

    importer = staticmethod(import_link_rows)
    what = "link"
    filename = "POST /api/v1/links/"

    @_schema(LinkRowSerializer, ImportSummarySerializer, 201)
    def post(self, request: Request) -> Response:
        return super().post(request)


class LinkWithdrawalView(RowsImportView):
    """Withdraw links (consent withdrawn), named as when they were recorded, in either order:
    each link held is deleted and the figures it touched recounted by the next recompute; one
    its force does not hold is listed in `not_held` and changes nothing. A problem with any
    object refuses the whole request, nothing withdrawn."""

    importer = staticmethod(withdraw_link_rows)
    what = "link"
    filename = "POST /api/v1/links/withdrawals/"
    summary = WithdrawalSummarySerializer
    created = status.HTTP_200_OK

    @_schema(LinkRowSerializer, WithdrawalSummarySerializer, 200)
    def post(self, request: Request) -> Response:
        return super().post(request)


def _body_problem(message: str) -> RowsInvalid:
    """A problem with the request as a whole, in the same body as the rows' problems."""
    return RowsInvalid(problems=[{"index": None, "field": "body", "message": message}])
