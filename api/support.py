"""What every read endpoint of /api/v1/ shares: error bodies, pagination and CSV answers.

Error bodies have one envelope, whatever went wrong: `status` (the HTTP status), `code` (what
kind of problem, stable for programs), `message` (for people) and `errors` (the details, whose
form `code` fixes):

    {"status": 400, "code": "invalid", "message": "...", "errors": {"period": ["..."]}}

`errors` maps a parameter (or `non_field_errors`) to its messages; it is empty when the problem is
not about a parameter (401, 403, 404, 405, 406, 500, and 503 "unavailable" while the database
cannot be reached). One code has detail by position instead: an import refused because of its
rows (POST /api/v1/interactions/) answers

    {"status": 400, "code": "invalid_rows", "message": "...",
     "errors": [{"index": 3, "field": "kind", "message": "..."}], "more": 0}

with every problem by the object's index (null: the request as a whole), up to 100, and `more`
counting the rest. The schema documents both (ErrorDocumentingSchema adds the common error
responses to every operation).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from io import BytesIO
from itertools import chain

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import StreamingHttpResponse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler

from api.access import counted_refusal
from engagement.store.exports import DistributionExport, csv_lines, streaming_csv_response
from engagement.store.filters import ExportOptionsForm
from engagement.store.selectors import DistributionFilters, FiltersInvalid
from engagement.store.suppression import SUPPRESSED

logger = logging.getLogger(__name__)


class ErrorSerializer(serializers.Serializer):
    """The error body of every endpoint (for the schema)."""

    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class RowProblemSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        allow_null=True, help_text="The object's position in the list (0 first); null: the body."
    )
    field = serializers.CharField()
    message = serializers.CharField()


class RowsErrorSerializer(ErrorSerializer):
    """The error body of an import refused because of its rows (code "invalid_rows")."""

    errors = RowProblemSerializer(many=True)
    more = serializers.IntegerField(help_text="Problems beyond those listed.")


class RowsInvalid(exceptions.APIException):
    """An import refused because of its rows: every problem by position, and nothing written."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_rows"

    def __init__(self, *, problems: list[dict], more: int = 0):
        self.problems = problems
        self.more = more
        count = len(problems) + more
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} with the rows sent; nothing was imported."
        )


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class Unavailable(exceptions.APIException):
    """The service cannot answer now (the database went away); the client may try again."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"


class LimitedJSONParser(BaseParser):
    """JSON of at most API_MAX_BODY_BYTES (413 beyond), and never a crash on deep nesting.

    The body is read here, up to the limit, rather than through request.body (whose own limit,
    DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB, is a 500 inside DRF: DRF reads request.body for its
    own JSONParser, hence a BaseParser that hands the bytes read to it). JSON nested deeper than
    Python's recursion limit is a parse error like any other.
    """

    media_type = JSONParser.media_type
    renderer_class = JSONParser.renderer_class

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = str(request.META.get("CONTENT_LENGTH") or "") if request is not None else ""
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise _too_large(limit)
        try:
            return JSONParser().parse(BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("the JSON is nested too deeply") from None


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(
        f"The request body is larger than {limit:,} bytes; send the rows in smaller requests."
    )


def error_body(*, status_code: int, code: str, message: str, errors: dict | None = None) -> dict:
    return {"status": status_code, "code": code, "message": message, "errors": errors or {}}


# The database unreachable (restarting, a network cut): a 503 the client may retry, never a 500.
# A lost connection is OperationalError, one used after it was lost InterfaceError.
DATABASE_OUTAGE = (OperationalError, InterfaceError)
UNAVAILABLE = (
    "The figures are unavailable for a moment: the database is not answering. Nothing is lost; "
    "try again in a minute."
)
RETRY_AFTER_SECONDS = 30


def unavailable_body() -> dict:
    """The error body of a request the database could not answer (code "unavailable")."""
    return error_body(status_code=503, code="unavailable", message=UNAVAILABLE)


# A string, not `format: binary`: generated clients read a text/* body as text (binary breaks them).
CSV_BODY = {"type": "string", "description": "CSV: UTF-8, CRLF line ends, a header row."}
VALIDATORS = {
    "ETag": "Identifies the snapshot the figures come from; send it back in If-None-Match.",
    "Last-Modified": "When the figures were published; send it back in If-Modified-Since.",
}
CONDITIONAL_PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        description="An ETag from an earlier answer: 304 while the figures have not changed.",
    ),
    OpenApiParameter(
        "If-Modified-Since",
        str,
        OpenApiParameter.HEADER,
        description="A Last-Modified from an earlier answer: 304 while nothing newer is published.",
    ),
]


PAGE_PARAMETERS = {"page", "page_size"}  # a CSV list is all rows, never a page


class ErrorDocumentingSchema(AutoSchema):
    """The schema says what a client will really receive, so that a generated client can parse
    every answer: the error body for the errors any endpoint may answer (unless it declares its
    own, as the import does its 400), a CSV answer as a file rather than as the JSON schema, and
    on conditional reads (views listing the action in `conditional_actions`) the validators and
    the 304 they lead to."""

    ERROR_STATUSES = ("400", "401", "403", "404", "503")  # 503: the database unreachable

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self.ERROR_STATUSES:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
        for response in responses.values():
            content = response.get("content", {})
            if self._is_csv_list() and content:
                # The CSV address answers CSV, even its errors (the same envelope, as CSV).
                response["content"] = {"text/csv": {"schema": CSV_BODY}}
            else:
                # `?format=csv` still works here (for a browser or curl); clients use `.csv`.
                content.pop("text/csv", None)
        if self._is_conditional():
            responses["200"]["headers"] = {
                name: {"schema": {"type": "string"}, "description": description}
                for name, description in VALIDATORS.items()
            }
            responses["304"] = {"description": "Not modified: the figures have not changed."}
        return responses

    def _is_conditional(self) -> bool:
        return getattr(self.view, "action", None) in getattr(self.view, "conditional_actions", ())

    def _is_csv_list(self) -> bool:
        """The `<collection>.csv` address of a list (see api.urls)."""
        return self.path.endswith(".csv")

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        return f"{operation_id.replace('.csv', '')}_csv" if self._is_csv_list() else operation_id

    def get_tags(self) -> list[str]:
        return [tag.removesuffix(".csv") for tag in super().get_tags()]

    def _get_parameters(self):
        """`format` is the address's business (`forces/` or `forces.csv`); the CSV options
        (`bom`, `layout`) belong to the CSV addresses, and paging to the JSON ones."""
        left_out = {"format"} | (PAGE_PARAMETERS if self._is_csv_list() else {"bom", "layout"})
        return [
            parameter
            for parameter in super()._get_parameters()
            if parameter["name"] not in left_out
        ]


def api_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's handling, reshaped into the one error body; unexpected errors become a plain 500."""
    exc = counted_refusal(exc, context)
    if isinstance(exc, DATABASE_OUTAGE):
        logger.warning("The database is unreachable: %s", type(exc).__name__)
        return Response(
            unavailable_body(),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("Unexpected error in %s", context.get("view").__class__.__name__)
        return Response(
            error_body(
                status_code=500,
                code="server_error",
                message="Something went wrong on our side; it has been logged.",
            ),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, RowsInvalid):
        response.data = {
            **error_body(
                status_code=response.status_code, code="invalid_rows", message=str(exc.detail)
            ),
            "errors": exc.problems,
            "more": exc.more,
        }
        return response
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(
            status_code=response.status_code,
            code="invalid",
            message="Some parameters are not valid: "
            + ", ".join(str(name) for name in detail)
            + ".",
            errors={str(name): [str(m) for m in _as_list(msgs)] for name, msgs in detail.items()},
        )
        return response
    detail = getattr(exc, "detail", str(exc))
    # Django's Http404 and PermissionDenied arrive unconverted: name them as DRF would.
    codes = (
        exc.get_codes()
        if isinstance(exc, exceptions.APIException)
        else {404: "not_found", 403: "permission_denied"}.get(response.status_code, "error")
    )
    response.data = error_body(
        status_code=response.status_code,
        code=codes if isinstance(codes, str) else "error",
        message=str(detail),
    )
    return response


def _as_list(messages) -> list:
    return messages if isinstance(messages, list) else [messages]


class WithheldMixin:
    """A figure small-number protection may withhold: null then, and the row's `suppressed`
    says why."""

    def to_representation(self, value):
        return None if value == SUPPRESSED else super().to_representation(value)


class WithheldIntegerField(WithheldMixin, serializers.IntegerField):
    pass


class WithheldDecimalField(WithheldMixin, serializers.DecimalField):
    pass


class Pagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class CSVRenderer(BaseRenderer):
    """`?format=csv` for anything DRF renders itself (a single object, an error body).

    Lists do not come here: `CSVListMixin` streams them. Cells go through the shared writer, so
    formula neutralisation applies here as everywhere.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if isinstance(data, dict) and "results" in data:
            records = data["results"]
        elif isinstance(data, list):
            records = data
        else:
            records = [data]
        columns = list(records[0]) if records else []
        return "".join(csv_lines(record_rows(columns, records))).encode("utf-8")


def flat(value: object) -> object:
    """A nested value (a definition's rungs, say) as JSON text in one cell."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def record_rows(columns: Sequence[str], records: Iterable[dict]) -> Iterator[Sequence[object]]:
    return chain([columns], ([flat(record.get(name)) for name in columns] for record in records))


RENDERERS = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description="csv: the whole list (not one page) as a CSV file.",
)
BOM_PARAMETER = OpenApiParameter(
    "bom",
    OpenApiTypes.STR,
    enum=["0", "1"],
    description="With format=csv, 1 starts the file with a UTF-8 byte-order mark (for Excel).",
)


def export_options(request: Request) -> dict:
    """layout and bom from the query string; a 400 with the usual body when they are wrong."""
    form = ExportOptionsForm(request.query_params)
    if not form.is_valid():
        raise exceptions.ValidationError(form.errors)
    return form.cleaned_data


def csv_export(
    request: Request,
    export: Callable[..., DistributionExport],
    filters: DistributionFilters,
    *,
    threshold: int,
    options: tuple[str, ...] = (),
) -> StreamingHttpResponse:
    """A figures list's `format=csv` answer: `export` (the same writer as its command) for the
    filters, streamed, with bom and the other `options` (e.g. layout) from the query string."""
    chosen = export_options(request)
    extra = {name: chosen[name] for name in options}
    made = export(filters, bom=chosen["bom"], suppress_below=threshold, **extra)
    return streaming_csv_response(made.lines, filename=made.filename)


@contextmanager
def filter_problems_as_400() -> Iterator[None]:
    """A FiltersInvalid raised inside becomes a 400 in the usual body, its messages under the
    parameters at fault (every figures endpoint answers a bad filter the same way)."""
    try:
        yield
    except FiltersInvalid as invalid:
        raise exceptions.ValidationError(
            {name: [message] for name, message in invalid.problems.items()}
        ) from None


class CSVListMixin:
    """Every list also answers `?format=csv`: all rows, streamed, through the shared writer."""

    renderer_classes = RENDERERS
    pagination_class = Pagination
    csv_name = "export"
    STREAM_CHUNK = 1000

    @extend_schema(parameters=[FORMAT_PARAMETER, BOM_PARAMETER])
    def list(self, request: Request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        options = export_options(request)
        queryset = self.filter_queryset(self.get_queryset())
        columns = list(self.get_serializer().fields)
        records = (
            self.get_serializer(item).data
            for item in queryset.iterator(chunk_size=self.STREAM_CHUNK)
        )
        lines = csv_lines(record_rows(columns, records), bom=options["bom"])
        return streaming_csv_response(lines, filename=f"ladder-{self.csv_name}.csv")


class ReadOnlyViewSet(CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only list and detail by id (ids bounded so no lookup overflows the database)."""

    lookup_value_regex = r"[0-9]{1,18}"
