"""The impact preview page: for definition admins (and a lens's own force data managers) only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from engagement.choices import PeriodType
from engagement.definitions.impact import ENGAGED
from engagement.definitions.permissions import can_manage_definitions, can_manage_lens
from engagement.ladder.periods import period_name
from engagement.ladder.tasks import request_recompute
from engagement.models import EngagementDefinition
from engagement.preview import selectors


def _draft(request: HttpRequest, pk: int) -> EngagementDefinition:
    """The draft, if the user may see its preview: 404 for no such draft, 403 for no right."""
    draft = selectors.draft_for_preview(pk)
    if draft is None:
        raise Http404("There is no draft with that id: only a draft has an impact preview.")
    allowed = (
        can_manage_lens(request.user, draft.force)
        if draft.is_lens
        else can_manage_definitions(request.user)
    )
    if not allowed:
        raise PermissionDenied("Only definition admins see the impact of a draft.")
    return draft


def _admin_url(draft: EngagementDefinition, action: str) -> str:
    model = "locallens" if draft.is_lens else "engagementdefinition"
    return reverse(f"admin:engagement_{model}_{action}", args=[draft.pk])


@login_required
def impact_page(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _draft(request, pk)
    status = selectors.preview_status(draft)
    context = {
        "draft": draft,
        "compared_with": selectors.compared_with(draft),
        "status": status,
        "changes": selectors.definition_changes(draft),
        "problems": selectors.publish_problems(draft),
        "publish_url": _admin_url(draft, "publish"),
        "edit_url": _admin_url(draft, "change"),
        "rung_names": selectors.rung_names(draft, ENGAGED),
        "period_types": PeriodType.choices,
    }
    if status.snapshot is not None:
        period_type, period, periods = selectors.choose_period(
            status.snapshot, request.GET.get("period_type", ""), request.GET.get("period", "")
        )
        context.update(
            period_type=period_type,
            period=period,
            period_name=period_name(period_type, period) if period else "",
            # the latest first, named as every page names periods
            period_choices=[
                (label, period_name(period_type, label)) for label in reversed(periods)
            ],
        )
        if period:
            impact = selectors.impact_figures(
                draft, status.snapshot, period_type=period_type, period=period
            )
            names = dict(context["rung_names"])
            context["impact"] = impact
            context["national_rows"] = [
                {**row, "name": names[row["position"]]} for row in impact.national.rows()
            ]
    return render(request, "engagement/preview/impact.html", context)


@login_required
def impact_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The preview's progress, for the page to follow without reloading."""
    return JsonResponse(selectors.preview_status(_draft(request, pk)).as_json())


@require_POST
@login_required
def start_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a preview run under the draft (to the workers; in-process without Redis)."""
    draft = _draft(request, pk)
    if not selectors.preview_status(draft).in_progress:
        request_recompute(definition=draft, full=True, user=request.user)
    return HttpResponseRedirect(reverse("preview:impact", args=[draft.pk]))
