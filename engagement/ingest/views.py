from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from engagement.definitions.selectors import current_definition
from engagement.ingest.forms import FILE_FORMATS, ImportForm
from engagement.ingest.rows import ImportFailed, ImportRejected, ImportRequest
from engagement.ingest.tasks import request_import
from engagement.ingest.uploads import IMPORTERS, forces_allowed, store_upload
from engagement.ladder.tasks import RecomputeNotQueued, request_recompute
from engagement.models import ImportBatch
from engagement.roles import (
    IMPORT_CHANNELS,
    IMPORT_INTERACTIONS,
    IMPORT_ROUTES,
    may_start_recompute,
)
from forces.choices import Platform
from forces.selectors import forces_managed_by

# Links are about citizens as interactions are: whoever imports interactions records links.
PERMISSIONS = {
    "interactions": IMPORT_INTERACTIONS,
    "channels": IMPORT_CHANNELS,
    "links": IMPORT_INTERACTIONS,
    "link_withdrawals": IMPORT_INTERACTIONS,
    "routes": IMPORT_ROUTES,
}
# Room for the form's other fields and the multipart framing around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


def allowed_imports(request: HttpRequest) -> list[str]:
    """What this person may import (the keys of PERMISSIONS); 403 when nothing."""
    allowed = [
        what for what, permission in PERMISSIONS.items() if request.user.has_perm(permission)
    ]
    if not allowed:
        raise PermissionDenied("Only force data managers can import data.")
    return allowed


@csrf_exempt  # checked below, once the size is known: the check would read the whole body
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a channels, interactions, links or routes CSV (or links to withdraw); shows the
    summary or every problem.

    Force data managers import for their own forces only: a file naming another force is refused
    whole, each such row named. A body over the upload limit is refused before it is read; a
    large file is handed to a worker and the page follows it (import_batch).
    """
    allowed = allowed_imports(request)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES:
        context = {"form": ImportForm(allowed=allowed), "refused": ImportForm.too_large()}
        return render(request, "engagement/import.html", context, status=413)
    return _import_page(request, allowed)


@csrf_protect
def _import_page(request: HttpRequest, allowed: list[str]) -> HttpResponse:
    # The forces named on the page: a definition admin, who imports only routes, every force's.
    what = allowed[0] if len(allowed) == 1 else ""
    managed = forces_allowed(what, request.user) if what else forces_managed_by(request.user)
    context: dict = {"managed": None if managed is None else sorted(managed)}
    status = 200
    form = ImportForm(request.POST or None, request.FILES or None, allowed=allowed)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        what = form.cleaned_data["what"]
        dry_run = form.cleaned_data["dry_run"]
        if upload.size > settings.UPLOAD_BACKGROUND_BYTES:
            batch = store_upload(upload=upload, kind=what, dry_run=dry_run, user=request.user)
            request_import(batch)
            return redirect("engagement:import-batch", pk=batch.pk)
        try:
            context["result"] = IMPORTERS[what](
                source=upload,
                request=ImportRequest(
                    filename=upload.name,
                    dry_run=dry_run,
                    user=request.user,
                    origin=ImportBatch.Source.UPLOAD,
                    forces=forces_allowed(what, request.user),
                ),
            )
        except ImportRejected as rejected:
            context["rejected"] = rejected
            status = 400
        except ImportFailed as failed:
            context["refused"] = str(failed)
            status = 503
        context["filename"] = upload.name
        context["withdrawal"] = what == ImportBatch.Kind.LINK_WITHDRAWALS
    elif form.errors:
        status = 413 if form.too_large_file else 400
    context["form"] = form
    context["formats"] = [FILE_FORMATS[what] for what in allowed]
    context["kinds"] = current_definition().kinds.order_by("slug").values_list("slug", flat=True)
    context["platforms"] = Platform.values
    context["recompute_at"] = settings.RECOMPUTE_AT
    context["may_recompute"] = may_start_recompute(request.user)
    return render(request, "engagement/import.html", context, status=status)


def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """An upload a worker imports: its progress, refreshed, then its outcome."""
    allowed_imports(request)
    uploads = ImportBatch.objects.filter(source=ImportBatch.Source.UPLOAD)
    if not request.user.is_superuser:
        uploads = uploads.filter(user=request.user)  # a person follows their own uploads
    batch = get_object_or_404(uploads, pk=pk)
    return render(request, "engagement/import_batch.html", {"batch": batch})


def template_file(request: HttpRequest, what: str) -> HttpResponse:
    """A CSV to fill in: the header the importer reads and one example row."""
    if what not in allowed_imports(request) or what not in FILE_FORMATS:
        raise Http404("There is no such file to import.")
    response = HttpResponse(
        FILE_FORMATS[what].template_csv(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="ladder-{what}-template.csv"'
    return response


@require_POST
def recompute_now(request: HttpRequest) -> HttpResponse:
    """Queue a recompute of the current definition now, rather than tonight (START_RECOMPUTE)."""
    if not may_start_recompute(request.user):
        raise PermissionDenied("You may not start a recompute.")
    try:
        run = request_recompute(definition=current_definition(), user=request.user)
    except RecomputeNotQueued as not_queued:
        messages.error(request, str(not_queued))
        return redirect("engagement:imports")
    if request.user.is_staff:  # the admin's page of the run follows it to its result
        messages.success(request, f"Recompute run {run.pk} asked for: its progress shows here.")
        return redirect("admin:engagement_recomputerun_progress", pk=run.pk)
    messages.success(
        request,
        f"Recompute run {run.pk} asked for: the figures change when it has finished "
        "(the bar at the top of every page says where it is).",
    )
    return redirect("engagement:imports")
