"""The report page: the dashboard's filters, a preview, and the CSV an analyst takes away.

Both views parse with the same filter set as the API and read through the same selector and
writer as `export_distributions`, so a figure is the same wherever it is downloaded.
"""

from itertools import islice

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import condition, require_GET

from engagement.choices import PeriodType
from engagement.store.conditional import distributions_etag, distributions_last_modified
from engagement.store.exports import (
    cell,
    distribution_export,
    distribution_table,
    streaming_csv_response,
)
from engagement.store.filters import DistributionFilterSet, ExportOptionsForm
from engagement.store.selectors import READ_SCOPE_CHOICES, visible_definitions
from forces.choices import Platform
from forces.selectors import force_choices

PREVIEW_ROWS = 20


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    submitted = bool(request.GET)
    filterset = DistributionFilterSet(request.GET)
    options = ExportOptionsForm(request.GET)
    header, preview = None, []
    valid = submitted and filterset.is_valid() and options.is_valid()
    if valid:
        table = distribution_table(
            filterset.form.cleaned_data["filters"],
            layout=options.cleaned_data["layout"],
            max_rows=PREVIEW_ROWS,
        )
        # Each value written as the CSV writes it: the preview is the file's first lines.
        header, *preview = (
            [cell(value) for value in row] for row in islice(table, PREVIEW_ROWS + 1)
        )
    forces = force_choices()
    context = {
        "submitted": submitted,
        "valid": valid,
        "errors": filterset.form.errors if submitted else {},
        "option_errors": options.errors if submitted else {},
        "values": request.GET,
        "chosen_forces": set(filterset.form["force"].value() or []),
        "definitions": visible_definitions().order_by("-version").values_list("version", "status"),
        "period_types": PeriodType.choices,
        "scopes": READ_SCOPE_CHOICES,
        "platforms": Platform.choices,
        "forces": forces,
        "regions": sorted({region for _, _, region in forces}),
        "header": header,
        "preview": preview,
        "preview_rows": PREVIEW_ROWS,
        "query": request.GET.urlencode(),
    }
    return render(
        request, "reports/report.html", context, status=400 if submitted and not valid else 200
    )


@login_required
@require_GET
@condition(etag_func=distributions_etag, last_modified_func=distributions_last_modified)
def export_csv(request: HttpRequest) -> HttpResponse:
    """The CSV download; a 400 naming each parameter at fault when the filters are wrong."""
    filterset = DistributionFilterSet(request.GET)
    options = ExportOptionsForm(request.GET)
    if not (filterset.is_valid() and options.is_valid()):
        problems = {**filterset.form.errors, **options.errors}
        lines = [f"{name}: {' '.join(messages)}" for name, messages in problems.items()]
        return HttpResponseBadRequest(
            "The export was not made:\n" + "\n".join(lines) + "\n",
            content_type="text/plain; charset=utf-8",
        )
    export = distribution_export(
        filterset.form.cleaned_data["filters"],
        layout=options.cleaned_data["layout"],
        bom=options.cleaned_data["bom"],
    )
    return streaming_csv_response(export.lines, filename=export.filename)
