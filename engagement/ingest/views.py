from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from engagement.ingest.channels import import_channels
from engagement.ingest.forms import ImportForm
from engagement.ingest.interactions import import_interactions
from engagement.ingest.rows import ImportRejected
from engagement.models import ImportBatch

IMPORTERS = {"interactions": import_interactions, "channels": import_channels}


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a channels or interactions CSV; shows the summary or every problem."""
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can import data.")
    context: dict = {}
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            context["result"] = IMPORTERS[form.cleaned_data["what"]](
                source=upload,
                filename=upload.name,
                dry_run=form.cleaned_data["dry_run"],
                user=request.user,
                origin=ImportBatch.Source.UPLOAD,
            )
        except ImportRejected as rejected:
            context["rejected"] = rejected
        context["filename"] = upload.name
    context["form"] = form
    status = 400 if "rejected" in context else 200
    return render(request, "engagement/import.html", context, status=status)
