"""The report page: the dashboard's filters, a preview, and the CSV an analyst takes away.

Both views parse with the same filter set as the API and read through the same selector and
writer as `export_distributions`, so a figure is the same wherever it is downloaded.
"""

from itertools import islice

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import condition, require_GET, require_POST

from engagement.choices import PeriodType
from engagement.roles import reader_required
from engagement.store.conditional import distributions_etag, distributions_last_modified
from engagement.store.exports import (
    cell,
    distribution_export,
    distribution_table,
    streaming_csv_response,
)
from engagement.store.filters import DistributionFilterSet, ExportOptionsForm
from engagement.store.selectors import (
    READ_SCOPE_CHOICES,
    FiltersInvalid,
    lens_choices,
    visible_definitions,
)
from forces.choices import Platform
from forces.selectors import channel_choices, force_choices
from reports import selectors, services
from reports.forms import SaveReportForm, ScheduleForm
from reports.tasks import queue_delivery

PREVIEW_ROWS = 20


@reader_required
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
            suppress_below=settings.SUPPRESS_BELOW,
        )
        # Each value written as the CSV writes it: the preview is the file's first lines.
        header, *preview = (
            [cell(value) for value in row] for row in islice(table, PREVIEW_ROWS + 1)
        )
    forces = force_choices()
    default_name = suggested_name(filterset.form.cleaned_data["filters"], forces) if valid else ""
    context = {
        "default_name": default_name,
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
        "channels": channel_choices(),
        "lenses": lens_choices(),
        "header": header,
        "preview": preview,
        "preview_rows": PREVIEW_ROWS,
        "query": request.GET.urlencode(),
        "save_form": SaveReportForm(),
        "hidden_choices": [
            (name, value) for name in SAVED_QUERY_PARAMETERS for value in request.GET.getlist(name)
        ],
        "suppress_below": settings.SUPPRESS_BELOW,
    }
    return render(
        request, "reports/report.html", context, status=400 if submitted and not valid else 200
    )


PERIOD_TYPE_PLURALS = {
    PeriodType.MONTH: "months",
    PeriodType.QUARTER: "quarters",
    PeriodType.YEAR: "calendar years",
    PeriodType.FINANCIAL_YEAR: "financial years",
}


def suggested_name(filters, forces: list[tuple[str, str, str]]) -> str:
    """A name for the report to save, from its choices ("Kent Police, quarters, 2026-Q2"), so
    that saving takes one click; the analyst may change it."""
    names = {slug: name for slug, name, _ in forces}
    chosen = [names.get(slug, slug) for slug in filters.forces]
    if not chosen:
        who = filters.region or "All forces"
    elif len(chosen) <= 3:
        who = ", ".join(chosen)
    else:
        who = f"{len(chosen)} forces"
    kind = PERIOD_TYPE_PLURALS.get(filters.period_type or "", "every period type")
    if filters.period:
        when = filters.period
    elif filters.period_from or filters.period_to:
        when = f"{filters.period_from or 'the start'} to {filters.period_to or 'the latest'}"
    else:
        when = "every period"
    lens = f", {names.get(filters.lens, filters.lens)}'s lens" if filters.lens else ""
    return f"{who}, {kind}, {when}{lens}"[:120]


@reader_required
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
        suppress_below=settings.SUPPRESS_BELOW,
    )
    return streaming_csv_response(export.lines, filename=export.filename)


# Saved and scheduled reports -------------------------------------------------------------------

SAVED_QUERY_PARAMETERS = (
    "definition",
    "period_type",
    "period",
    "period_from",
    "period_to",
    "scope",
    "force",
    "region",
    "channel",
    "platform",
)


@reader_required
@require_POST
def save(request: HttpRequest) -> HttpResponse:
    """Keep the report page's current choices under a name."""
    form = SaveReportForm(request.POST)
    options = ExportOptionsForm(request.POST)
    query = {
        name: [value for value in request.POST.getlist(name) if value]
        for name in SAVED_QUERY_PARAMETERS
        if any(request.POST.getlist(name))
    }
    if not (form.is_valid() and options.is_valid()):
        messages.error(request, "The report was not saved: give it a name.")
        return redirect(reverse("reports:report"))
    try:
        report = services.save_report(
            name=form.cleaned_data["name"],
            query=query,
            layout=options.cleaned_data["layout"],
            bom=options.cleaned_data["bom"],
            suppress_below=form.cleaned_data["suppress_below"] or 0,
            user=request.user,
        )
    except FiltersInvalid as invalid:
        problems = "; ".join(f"{name}: {message}" for name, message in invalid.problems.items())
        messages.error(request, f"The report was not saved: {problems}")
        return redirect(reverse("reports:report"))
    messages.success(request, f"Saved as \u201c{report.name}\u201d.")
    return redirect(reverse("reports:saved", args=[report.pk]))


@reader_required
@require_GET
def saved_list(request: HttpRequest) -> HttpResponse:
    reports = list(selectors.saved_reports())
    for report in reports:
        report.next_run_at = selectors.next_run_at(report)
    return render(request, "reports/saved_list.html", {"reports": reports})


@reader_required
def saved(request: HttpRequest, pk: int) -> HttpResponse:
    """A saved report: its choices, its schedule (POST changes it) and its deliveries."""
    report = selectors.saved_report(pk)
    form = ScheduleForm(
        request.POST or None,
        initial={
            "schedule": report.schedule,
            "weekday": report.weekday,
            "day_of_month": report.day_of_month,
            "recipients": report.recipients,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.schedule_report(report=report, **form.cleaned_data)
        messages.success(request, "The schedule was saved.")
        return redirect(reverse("reports:saved", args=[report.pk]))
    context = {
        "report": report,
        "form": form,
        "query": services.report_query(report).urlencode(),
        "threshold": services.effective_threshold(report),
        "deliveries": selectors.deliveries_of(report),
        "next_run_at": selectors.next_run_at(report),
        "reports_at": settings.REPORTS_AT,
        "days_of_month": range(1, 29),
        "retention_days": settings.REPORT_RETENTION_DAYS,
    }
    return render(request, "reports/saved.html", context, status=400 if form.errors else 200)


@reader_required
@require_POST
def run_now(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.saved_report(pk)
    queue_delivery(
        report_id=report.pk,
        trigger=f"by-hand-{timezone.now():%Y%m%dT%H%M%S.%f}",
        user=request.user,
    )
    messages.success(
        request, "A delivery was asked for: it is listed below, with its outcome once made."
    )
    return redirect(reverse("reports:saved", args=[report.pk]))


@reader_required
@require_GET
def delivery_file(request: HttpRequest, pk: int) -> FileResponse:
    """A delivered file, byte for byte as it was delivered."""
    delivery, path = selectors.delivered_file(pk)
    if path is None:
        raise Http404("This delivery has no file (it failed, is not made yet, or was removed).")
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=delivery.filename, content_type="text/csv"
    )
