from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from engagement.ingest.channels import import_channels
from engagement.ingest.forms import ImportForm
from engagement.ingest.interactions import import_interactions
from engagement.ingest.rows import ImportRejected
from engagement.models import ImportBatch
from engagement.roles import IMPORT_CHANNELS, IMPORT_INTERACTIONS
from forces.selectors import forces_managed_by

IMPORTERS = {"interactions": import_interactions, "channels": import_channels}
PERMISSIONS = {"interactions": IMPORT_INTERACTIONS, "channels": IMPORT_CHANNELS}


def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a channels or interactions CSV; shows the summary or every problem.

    Force data managers import for their own forces only: a file naming another force is refused
    whole, each such row named.
    """
    allowed = [
        what for what, permission in PERMISSIONS.items() if request.user.has_perm(permission)
    ]
    if not allowed:
        raise PermissionDenied("Only force data managers can import data.")
    managed = forces_managed_by(request.user)
    context: dict = {"managed": None if managed is None else sorted(managed)}
    form = ImportForm(request.POST or None, request.FILES or None, allowed=allowed)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            context["result"] = IMPORTERS[form.cleaned_data["what"]](
                source=upload,
                filename=upload.name,
                dry_run=form.cleaned_data["dry_run"],
                user=request.user,
                origin=ImportBatch.Source.UPLOAD,
                forces=managed,
            )
        except ImportRejected as rejected:
            context["rejected"] = rejected
        context["filename"] = upload.name
    context["form"] = form
    status = 400 if "rejected" in context else 200
    return render(request, "engagement/import.html", context, status=status)
