"""The dashboard's pages: read the reader's choices, call a selector, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard import page_selectors, pages
from dashboard.page_filters import read_filters
from engagement.roles import EDIT_DEFINITION, reader_required
from engagement.store.suppression import threshold_for
from forces.selectors import force_by_slug, forces_by_region, forces_by_slug


def _status(request: HttpRequest) -> dict[str, Any]:
    """The definition versions that have figures, and the reader's choices among them."""
    snapshots = page_selectors.current_snapshots()
    return {
        "snapshots": snapshots,
        "filters": read_filters(request.GET, snapshots, threshold=threshold_for(request.user)),
    }


@reader_required
def overview(request: HttpRequest) -> HttpResponse:
    context = _status(request)
    if context["filters"] is not None:
        context.update(pages.overview_context(context["filters"]))
    return render(request, "dashboard/overview.html", context)


@reader_required
def force_page(request: HttpRequest, slug: str) -> HttpResponse:
    force = page_selectors.force_with_lens(slug)
    context = {"force": force, **_status(request)}
    if context["filters"] is not None:
        context.update(pages.force_context(context["filters"], force))
        context.update(
            pages.lens_context(
                context["filters"],
                force,
                chosen=request.GET.get("ladder", ""),
                shared=context["ladder"],
            )
        )
    return render(request, "dashboard/force.html", context)


@reader_required
def channel_page(request: HttpRequest, slug: str, channel: str) -> HttpResponse:
    force = force_by_slug(slug)
    context = {"force": force, **_status(request)}
    filters = context["filters"]
    if filters is not None:
        figures = page_selectors.channel_page_figures(
            filters.snapshot, force, channel, period_type=filters.period_type
        )
        if figures is None:
            raise Http404(f"{force.name} has no channel {channel!r}.")
        context.update(pages.channel_context(filters, force, figures))
    return render(request, "dashboard/channel.html", context)


@reader_required
def compare(request: HttpRequest) -> HttpResponse:
    slugs = pages.compare_slugs(request.GET.getlist("forces"))
    found = forces_by_slug(slugs)
    problems = pages.compare_problems(slugs, list(found.values()))
    context = {
        **_status(request),
        "chosen": slugs,
        "chosen_count": len(found),
        "problems": problems,
        "regions": forces_by_region(),
    }
    filters = context["filters"]
    if filters is not None:
        # Every period type and platform is on offer from the first view, before any figures.
        context.update(
            pages.compare_context(filters, [found[s] for s in slugs])
            if slugs and not problems
            else pages.common_context(filters)
        )
        context["period_link_extra"] = "&" + urlencode({"forces": ",".join(slugs)}) if slugs else ""
    return render(request, "dashboard/compare.html", context)


@reader_required
def definition(request: HttpRequest) -> HttpResponse:
    version = request.GET.get("version", "")
    page = page_selectors.definition_page(int(version) if version.isdigit() else None)
    context = {
        "page": page,
        "can_edit": request.user.has_perm(EDIT_DEFINITION),
    }
    return render(request, "dashboard/definition.html", context, status=200 if page else 404)
