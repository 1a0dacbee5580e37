"""The dashboard's pages: read the reader's choices, call a selector, render."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from dashboard import page_cache, page_selectors, pages
from dashboard.page_filters import read_filters
from engagement.roles import EDIT_DEFINITION, reader_required
from engagement.store.suppression import threshold_for
from forces.selectors import force_by_slug, forces_by_region, forces_by_slug

if TYPE_CHECKING:
    from forces.models import Force


def _status(request: HttpRequest) -> dict[str, Any]:
    return status_for(request.GET, threshold=threshold_for(request.user))


def status_for(query: QueryDict, *, threshold: int) -> dict[str, Any]:
    """The definition versions that have figures, and the reader's choices among them."""
    snapshots = page_selectors.current_snapshots()
    return {
        "snapshots": snapshots,
        "threshold": threshold,
        "filters": read_filters(query, snapshots, threshold=threshold),
    }


def _key(view: str, status: dict[str, Any], **parts: Any) -> page_cache.PageKey:
    return page_cache.page_key(
        view,
        snapshots=status["snapshots"],
        filters=status["filters"],
        threshold=status["threshold"],
        **parts,
    )


def overview_page(status: dict[str, Any]) -> page_cache.Page:
    """The overview's figures: its cache key, its template and how to build its context."""

    def build() -> dict[str, Any]:
        context = dict(status)
        if status["filters"] is not None:
            context.update(pages.overview_context(status["filters"]))
        return context

    key = _key("overview", status, choices=(page_selectors.routes_version(),))
    return page_cache.Page(key, "dashboard/overview.html", build)


def force_figures_page(status: dict[str, Any], force: Force, *, chosen: str) -> page_cache.Page:
    """A force page's figures (`force` from page_selectors.force_with_lens)."""

    def build() -> dict[str, Any]:
        context = {"force": force, **status}
        if status["filters"] is not None:
            context.update(pages.force_context(status["filters"], force))
            context.update(
                pages.lens_context(
                    status["filters"], force, chosen=chosen, shared=context["ladder"]
                )
            )
        return context

    key = _key(
        "force",
        status,
        args=(force.pk,),
        lens=page_selectors.lens_identity(force),
        choices=(chosen == pages.LOCAL_LENS, page_selectors.routes_version()),
    )
    return page_cache.Page(key, "dashboard/force.html", build)


@reader_required
def overview(request: HttpRequest) -> HttpResponse:
    status = _status(request)
    return page_cache.render_cached(request, overview_page(status), shell=status)


@reader_required
def force_page(request: HttpRequest, slug: str) -> HttpResponse:
    force = page_selectors.force_with_lens(slug)
    status = _status(request)
    page = force_figures_page(status, force, chosen=request.GET.get("ladder", ""))
    return page_cache.render_cached(request, page, shell=status)


@reader_required
def channel_page(request: HttpRequest, slug: str, channel: str) -> HttpResponse:
    force = force_by_slug(slug)
    status = _status(request)
    filters = status["filters"]
    if filters is None:
        figures = None
    else:
        figures = page_selectors.channel_page_figures(
            filters.snapshot, force, channel, period_type=filters.period_type
        )
        if figures is None:
            raise Http404(f"{force.name} has no channel {channel!r}.")

    def build() -> dict[str, Any]:
        context = {"force": force, **status}
        if figures is not None:
            context.update(pages.channel_context(filters, force, figures))
        return context

    page = page_cache.Page(
        _key("channel", status, args=(force.pk, channel)), "dashboard/channel.html", build
    )
    return page_cache.render_cached(request, page, shell=status)


@reader_required
def compare(request: HttpRequest) -> HttpResponse:
    slugs = pages.compare_slugs(request.GET.getlist("forces"))
    status = _status(request)

    def build() -> dict[str, Any]:
        found = forces_by_slug(slugs)
        problems = pages.compare_problems(slugs, list(found.values()))
        context = {
            **status,
            "chosen": slugs,
            "chosen_count": len(found),
            "problems": problems,
            "regions": forces_by_region(),
        }
        filters = status["filters"]
        if filters is not None:
            # Every period type and platform is on offer from the first view, before any figures.
            context.update(
                pages.compare_context(filters, [found[s] for s in slugs])
                if slugs and not problems
                else pages.common_context(filters)
            )
            context["period_link_extra"] = (
                "&" + urlencode({"forces": ",".join(slugs)}) if slugs else ""
            )
        return context

    page = page_cache.Page(
        _key("compare", status, choices=(tuple(slugs),)), "dashboard/compare.html", build
    )
    return page_cache.render_cached(request, page, shell=status)


@reader_required
def definition(request: HttpRequest) -> HttpResponse:
    version = request.GET.get("version", "")
    page = page_selectors.definition_page(int(version) if version.isdigit() else None)
    context = {
        "page": page,
        "can_edit": request.user.has_perm(EDIT_DEFINITION),
    }
    return render(request, "dashboard/definition.html", context, status=200 if page else 404)
