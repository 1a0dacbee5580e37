from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from engagement.ingest.forms import ImportForm
from engagement.ingest.rows import ImportFailed, ImportRejected
from engagement.ingest.tasks import request_import
from engagement.ingest.uploads import IMPORTERS, store_upload
from engagement.models import ImportBatch

# Room for the form's other fields and the multipart framing around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


@csrf_exempt  # checked below, once the size is known: the check would read the whole body
@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a channels or interactions CSV; shows the summary or every problem.

    A body over the upload limit is refused before it is read; a large file is handed to a
    worker and the page follows it (import_batch).
    """
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can import data.")
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES:
        context = {"form": ImportForm(), "refused": ImportForm.too_large()}
        return render(request, "engagement/import.html", context, status=413)
    return _import_page(request)


@csrf_protect
def _import_page(request: HttpRequest) -> HttpResponse:
    context: dict = {}
    status = 200
    form = ImportForm(request.POST or None, request.FILES or None)
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
                filename=upload.name,
                dry_run=dry_run,
                user=request.user,
                origin=ImportBatch.Source.UPLOAD,
            )
        except ImportRejected as rejected:
            context["rejected"] = rejected
            status = 400
        except ImportFailed as failed:
            context["refused"] = str(failed)
            status = 503
        context["filename"] = upload.name
    elif form.errors:
        status = 413 if form.too_large_file else 400
    context["form"] = form
    return render(request, "engagement/import.html", context, status=status)


@login_required
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """An upload a worker imports: its progress, refreshed, then its outcome."""
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can import data.")
    batch = get_object_or_404(ImportBatch, pk=pk, source=ImportBatch.Source.UPLOAD)
    return render(request, "engagement/import_batch.html", {"batch": batch})
