from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from engagement.definitions.selectors import current_definition
from engagement.ingest.channels import import_channels
from engagement.ingest.forms import ImportForm
from engagement.ingest.interactions import import_interactions
from engagement.ingest.rows import ImportRejected
from engagement.ladder.tasks import request_recompute
from engagement.models import ImportBatch
from engagement.roles import may_start_recompute

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
    context["recompute_at"] = settings.RECOMPUTE_AT
    context["may_recompute"] = may_start_recompute(request.user)
    status = 400 if "rejected" in context else 200
    return render(request, "engagement/import.html", context, status=status)


@login_required
@require_POST
def recompute_now(request: HttpRequest) -> HttpResponse:
    """Queue a recompute of the current definition now, rather than tonight."""
    if not may_start_recompute(request.user):
        raise PermissionDenied("You may not start a recompute.")
    run = request_recompute(definition=current_definition(), user=request.user)
    messages.success(
        request,
        f"Recompute run {run.pk} is queued: the figures change when it has finished "
        "(the bar at the top of every page says when).",
    )
    return HttpResponseRedirect(reverse("engagement:imports"))
