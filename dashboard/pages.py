"""What each page shows, shaped from the selectors' figures and the reader's filters.

The figures come cached from dashboard.page_selectors; everything here is arithmetic on at most
a few hundred numbers (43 forces by 7 rungs), so region filters, sorting and the rung 0 switch
cost no query.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from dashboard import mobility, page_selectors
from dashboard.ladders import (
    CONVERSATION,
    ENGAGED_POSITIONS,
    RUNG_COLOURS,
    SERIES_COLOURS,
    Ladder,
    RungInfo,
    add_counts,
    ladder_chart,
    ladder_with_none_where_known,
    lines_chart,
    shown_positions,
    stacked_chart,
)
from dashboard.page_filters import (
    SORT_BY_NAME,
    SORT_CONVERSATION_UP,
    SORT_MOVED_UP,
    Filters,
    sort_choices,
)
from engagement.choices import PeriodType, Scope
from forces.choices import Platform

if TYPE_CHECKING:
    from forces.models import Force

NATIONAL = "England and Wales"
MIN_COMPARE, MAX_COMPARE = 2, 6


def _ladder(label: str, counts: dict, filters: Filters, **extra: Any) -> Ladder:
    ladder = Ladder(
        label=label,
        counts=counts,
        positions=shown_positions(with_none=filters.with_none),
        slug=extra.pop("slug", ""),
        extra=extra,
    )
    return ladder_with_none_where_known(ladder)


def _sort(ladders: list[Ladder], sort: str) -> list[Ladder]:
    if sort == SORT_BY_NAME:
        return ladders
    if sort == SORT_MOVED_UP:
        return sorted(ladders, key=lambda ladder: -(_moved_up_share(ladder) or -1))
    if sort == SORT_CONVERSATION_UP:
        return sorted(ladders, key=lambda ladder: -(ladder.share_from(CONVERSATION) or -1))
    position = int(sort.removeprefix("rung-"))
    return sorted(ladders, key=lambda ladder: -(ladder.share(position) or -1))


def _moved_up_share(ladder: Ladder) -> float | None:
    moved_up = ladder.extra.get("moved_up")
    return moved_up.share if moved_up else None


def common_context(filters: Filters) -> dict[str, Any]:
    """The filter choices every page with figures offers, and the rung legend."""
    rungs = page_selectors.snapshot_rungs(filters.snapshot)
    positions = shown_positions(with_none=filters.with_none)
    return {
        "filters": filters,
        "rungs": rungs,
        "legend": [rungs[p] for p in positions if p in rungs],
        "period_types": PeriodType.choices,
        "platforms": Platform.choices,
        "sorts": sort_choices(
            {p: rung.name for p, rung in rungs.items()}, with_none=filters.with_none
        ),
        "shown_rungs": [rungs[p] for p in positions if p in rungs],
    }


def overview_context(filters: Filters) -> dict[str, Any]:
    context = common_context(filters)
    figures = page_selectors.overview_figures(
        filters.snapshot,
        period_type=filters.period_type,
        period=filters.period,
        platform=filters.platform,
    )
    regions = sorted({force.region for force in figures})
    region = filters.region if filters.region in regions else ""
    query = filters.query()
    moved_up = mobility.moved_up_shares(filters)
    every = [
        _ladder(
            force.name,
            force.counts,
            filters,
            slug=force.slug,
            region=force.region,
            url=reverse("dashboard:force", args=[force.slug]) + (f"?{query}" if query else ""),
            moved_up=moved_up.get(force.pk),
        )
        for force in figures
    ]
    shown = _sort([f for f in every if not region or f.extra["region"] == region], filters.sort)
    positions = shown_positions(with_none=filters.with_none)
    references = [add_counts(NATIONAL, every, positions)]
    if region:
        references.append(
            add_counts(region, [f for f in every if f.extra["region"] == region], positions)
        )
    # "Moved up" reference lines: the forces' citizens added together, nation and region.
    for reference, members in zip(references, [every, shown], strict=False):
        reference.extra["moved_up"] = mobility.added(
            f.extra["moved_up"] for f in members if f.extra["moved_up"]
        )
    rungs = context["rungs"]
    scope = Scope.CHANNEL if filters.platform else Scope.FORCE
    context.update(
        regions=regions,
        region=region,
        forces=shown,
        references=references,
        nobody=not any(ladder.total for ladder in every),
        forces_chart=stacked_chart(
            [*references, *shown],
            rungs,
            title="Share of each force's public at each rung, under the national "
            + ("and regional shapes" if region else "shape"),
            links=True,
        ),
        moved_up_from=mobility.previous_period(filters),
        export_forces=filters.export_url(scope=scope, region=region),
        export_national=filters.export_url(scope=scope),
    )
    return context


def rungs_without_route(
    figures: page_selectors.ForcePageFigures, rungs: dict[int, RungInfo]
) -> list[dict[str, Any]]:
    """Rungs 1 to 6 with the number of channels that ever counted someone there."""
    return [
        {"rung": rungs[p], "channels": figures.channels_reaching.get(p, 0)}
        for p in sorted(rungs)
        if p != 0
    ]


def force_context(filters: Filters, force: Force) -> dict[str, Any]:
    context = common_context(filters)
    rungs = context["rungs"]
    figures = page_selectors.force_page_figures(
        filters.snapshot, force, period_type=filters.period_type, period=filters.period
    )
    trend = dict(figures.trend)
    ladder = _ladder(force.name, trend.get(filters.period, {}), filters)
    region_label = f"{force.region} (region)"
    shapes = [
        ladder,
        _ladder(region_label, figures.regional, filters),
        _ladder(NATIONAL, figures.national, filters),
    ]
    over_time = [_ladder(label, counts, filters) for label, counts in figures.trend]
    channels = [
        _ladder(
            channel.name,
            channel.counts,
            replace(filters, with_none=False),
            slug=channel.slug,
            platform=channel.platform_label,
            active=channel.active,
        )
        for channel in figures.channels
    ]
    routes = rungs_without_route(figures, rungs)
    trend_positions = ladder.positions
    context.update(
        force=force,
        ladder=ladder,
        ladder_rows=[
            {**cell, "rung": rungs[cell["position"]]} for cell in reversed(ladder.cells())
        ],
        channel_rungs=[rungs[p] for p in ENGAGED_POSITIONS if p in rungs],
        channel_legend=[rungs[p] for p in ENGAGED_POSITIONS if p in rungs],
        shapes=shapes,
        over_time=over_time,
        channels=channels,
        routes=routes,
        no_route=[route["rung"] for route in routes if not route["channels"]],
        ladder_chart=ladder_chart(ladder, rungs, title=f"{force.name}: {filters.period}"),
        trend_chart=lines_chart(
            [row.label for row in over_time],
            [
                (rungs[p].name, RUNG_COLOURS[p], [row.share(p) for row in over_time])
                for p in trend_positions
                if p in rungs
            ],
            title=f"{force.name}: share at each rung by {filters.period_noun}",
        ),
        channels_chart=stacked_chart(channels, rungs, title="By channel"),
        shapes_chart=stacked_chart(shapes, rungs, title="Against the region and the nation"),
        export_ladder=filters.export_url(force=force.slug),
        export_trend=filters.export_url(force=force.slug, all_periods=True),
        export_channels=filters.export_url(scope=Scope.CHANNEL, force=force.slug, platform=""),
        export_routes=filters.export_url(scope=Scope.CHANNEL, force=force.slug, all_periods=True),
        export_region=filters.export_url(region=force.region),
        export_national=filters.export_url(),
    )
    context.update(mobility.force_mobility_context(filters, force))
    context.update(mobility.similar_context(filters, force))
    return context


def compare_slugs(values: list[str]) -> list[str]:
    """Force slugs from `?forces=a,b,c` (or repeated `forces=`), in order, without repeats."""
    slugs: list[str] = []
    for value in values:
        for slug in value.split(","):
            slug = slug.strip().lower()
            if slug and slug not in slugs:
                slugs.append(slug)
    return slugs


def compare_problems(slugs: list[str], found: list[Force]) -> list[str]:
    known = {force.slug for force in found}
    problems = [f"There is no force '{slug}'." for slug in slugs if slug not in known]
    if slugs and not MIN_COMPARE <= len(slugs) <= MAX_COMPARE:
        problems.append(
            f"Choose between {MIN_COMPARE} and {MAX_COMPARE} forces to compare; "
            f"you chose {len(slugs)}."
        )
    return problems


def compare_context(filters: Filters, forces: list[Force]) -> dict[str, Any]:
    """Two to six forces on the same scales: their ladders for the period and over time."""
    context = common_context(filters)
    rungs = context["rungs"]
    figures = page_selectors.compare_figures(
        filters.snapshot, forces, period_type=filters.period_type, period=filters.period
    )
    ladders, trends = [], []
    for force in forces:
        by_period = dict(figures.trends.get(force.pk, []))
        ladders.append(
            _ladder(
                force.name,
                by_period.get(filters.period, {}),
                filters,
                slug=force.slug,
                url=reverse("dashboard:force", args=[force.slug]) + f"?{filters.query()}",
            )
        )
        trends.append(
            (
                force,
                [_ladder(label, by_period.get(label, {}), filters) for label in filters.periods],
            )
        )
    national = _ladder(NATIONAL, figures.national, filters)
    conversation = rungs[CONVERSATION].name if CONVERSATION in rungs else "Conversation"
    context.update(
        ladders=ladders,
        national_rows=[national],
        conversation_name=conversation,
        trend_rows=[
            {
                "period": label,
                "shares": [rows[index].share_from(CONVERSATION) for _, rows in trends],
            }
            for index, label in enumerate(filters.periods)
        ],
        compare_chart=stacked_chart([*ladders, national], rungs, title="Forces side by side"),
        compare_trend_chart=lines_chart(
            list(filters.periods),
            [
                (
                    force.name,
                    SERIES_COLOURS[index % len(SERIES_COLOURS)],
                    [row.share_from(CONVERSATION) for row in rows],
                )
                for index, (force, rows) in enumerate(trends)
            ],
            title=f"Share at {conversation} or above, by {filters.period_noun}",
        ),
        moving_up=mobility.compare_moved_up(filters, forces, national=NATIONAL),
        moved_up_from=mobility.previous_period(filters),
        export_compare=filters.export_url(force=",".join(force.slug for force in forces)),
        export_compare_trend=filters.export_url(
            force=",".join(force.slug for force in forces), all_periods=True
        ),
    )
    return context


SHARED_LADDER, LOCAL_LENS = "shared", "lens"


def lens_context(filters: Filters, force: Force, *, chosen: str, shared: Ladder) -> dict[str, Any]:
    """The "shared ladder / local lens" switch, and with the lens chosen both side by side.

    The lens is the force's own reading of the ladder; its figures are shown next to the shared
    ones for the same period, never instead of them elsewhere on the site.
    """
    figures = page_selectors.lens_figures(
        force, period_type=filters.period_type, period=filters.period
    )
    if figures is None:
        return {}
    base = reverse("dashboard:force", args=[force.slug])
    query = filters.query()
    context: dict[str, Any] = {
        "lens": figures.lens,
        "lens_chosen": chosen == LOCAL_LENS,
        "lens_switch": [
            (SHARED_LADDER, "Shared ladder", f"{base}?{query}"),
            (LOCAL_LENS, "Local lens", f"{base}?{query}&ladder={LOCAL_LENS}"),
        ],
    }
    if chosen != LOCAL_LENS or figures.snapshot is None:
        return context
    rungs = common_context(filters)["rungs"]
    lens_ladder = _ladder(
        f"{force.name} local lens v{figures.lens.version}", figures.counts, filters
    )
    context.update(
        lens_ladders=[shared, lens_ladder],
        lens_rows=[
            {
                "position": p,
                "shared_name": rungs[p].name if p in rungs else "",
                "lens_name": figures.rungs[p].name if p in figures.rungs else "",
                "shared": shared.count(p),
                "shared_share": shared.share(p),
                "lens": lens_ladder.count(p),
                "lens_share": lens_ladder.share(p),
                "difference": None
                if shared.share(p) is None or lens_ladder.share(p) is None
                else lens_ladder.share(p) - shared.share(p),
            }
            for p in reversed(shared.positions)
        ],
        lens_chart=stacked_chart(
            [shared, lens_ladder], rungs, title=f"{force.name}: shared ladder and local lens"
        ),
    )
    return context
