"""What each page shows, shaped from the selectors' figures and the reader's filters.

The figures come cached from dashboard.page_selectors; everything here is arithmetic on at most
a few hundred numbers (43 forces by 7 rungs, three periods), so region filters, sorting, the rung
0 switch and the changes against earlier periods cost no query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from dashboard import mobility, page_selectors, routes, withheld
from dashboard.ladders import (
    CONVERSATION,
    ENGAGED_POSITIONS,
    REFERENCE_COLOUR,
    SERIES_COLOURS,
    Ladder,
    Measure,
    RungInfo,
    add_counts,
    citizens_text,
    conversation_measure,
    ladder_chart,
    ladder_with_none_where_known,
    lines_chart,
    ranked_chart,
    shown_positions,
    stacked_chart,
)
from dashboard.page_filters import (
    SORT_BY_NAME,
    SORT_CONVERSATION_UP,
    SORT_MOVED_UP,
    SORT_MOVED_UP_PEOPLE,
    Filters,
    sort_choices,
)
from engagement.choices import PeriodType, Scope
from engagement.ladder.periods import period_name
from forces.choices import Platform

if TYPE_CHECKING:
    from forces.models import Force

NATIONAL = "England and Wales"
MIN_COMPARE, MAX_COMPARE = 2, 6
Counts = dict[int, int | None]
# The rungs withheld from a row in a period (small-number protection): see dashboard.withheld.
WithheldIn = Callable[[str | None], frozenset[int]]


def nothing_withheld(period: str | None) -> frozenset[int]:
    return withheld.NOTHING


def _ladder(
    label: str,
    counts: Counts,
    filters: Filters,
    *,
    hidden: frozenset[int] = withheld.NOTHING,
    **extra: Any,
) -> Ladder:
    ladder = Ladder(
        label=label,
        counts=counts,
        positions=shown_positions(with_none=filters.with_none),
        slug=extra.pop("slug", ""),
        extra=extra,
        withheld=hidden,
    )
    return ladder_with_none_where_known(ladder)


def _with_history(
    ladder: Ladder,
    by_period: dict[str, Counts],
    filters: Filters,
    label: str,
    hidden_in: WithheldIn = nothing_withheld,
) -> Ladder:
    """The ladder with the period before and the same period a year before, where they exist
    (with their own withheld rungs, so no change gives a withheld count away)."""
    for attribute, period in (
        ("previous", filters.previous_period(label)),
        ("year_before", filters.year_before(label)),
    ):
        if period:
            earlier = Ladder(
                label=period, counts=by_period.get(period, {}), withheld=hidden_in(period)
            )
            setattr(ladder, attribute, earlier)
    return ladder


def _in_period(
    label: str,
    by_period: dict[str, Counts],
    filters: Filters,
    hidden_in: WithheldIn = nothing_withheld,
    *,
    shown: Filters | None = None,
    **extra: Any,
) -> Ladder:
    """The ladder of the chosen period, with its history (`shown`: the filters its columns
    follow, when they differ)."""
    return _with_history(
        _ladder(
            label,
            by_period.get(filters.period, {}),
            shown or filters,
            hidden=hidden_in(filters.period),
            **extra,
        ),
        by_period,
        filters,
        filters.period,
        hidden_in,
    )


def _over_time(
    by_period: dict[str, Counts],
    filters: Filters,
    hidden_in: WithheldIn = nothing_withheld,
    **extra: Any,
) -> list[Ladder]:
    """One ladder per period held, each with its changes."""
    return [
        _with_history(
            _ladder(
                filters.name(label),
                by_period.get(label, {}),
                filters,
                hidden=hidden_in(label),
                **extra,
            ),
            by_period,
            filters,
            label,
            hidden_in,
        )
        for label in filters.periods
    ]


def _alone(filters: Filters, by_period: dict[str, Counts]) -> WithheldIn:
    """Rows that add up to nothing shown (a channel): each period's ladder on its own."""
    protection = withheld.page_protection_for(filters)
    return lambda period: protection.alone(by_period.get(period or "", {}))


def _sort(ladders: list[Ladder], sort: str) -> list[Ladder]:
    if sort == SORT_BY_NAME:
        return ladders
    if sort == SORT_MOVED_UP:
        return sorted(ladders, key=lambda ladder: -(_moved_up_share(ladder) or -1))
    if sort == SORT_MOVED_UP_PEOPLE:
        return sorted(ladders, key=lambda ladder: -(_moved_up_people_count(ladder) or -1))
    if sort == SORT_CONVERSATION_UP:
        return sorted(ladders, key=lambda ladder: -(ladder.share_from(CONVERSATION) or -1))
    position = int(sort.removeprefix("rung-"))
    if position == 0:
        return sorted(ladders, key=lambda ladder: -(ladder.per_thousand(0) or -1))
    return sorted(ladders, key=lambda ladder: -(ladder.share_of_engaged(position) or -1))


def _moved_up_people_count(ladder: Ladder) -> float | None:
    moved_up = ladder.extra.get("moved_up")
    return None if moved_up is None or moved_up.withheld else float(moved_up.moved)


def _moved_up_people(ladder: Ladder) -> str:
    moved_up = ladder.extra.get("moved_up")
    if moved_up is None:
        return "no period before"
    if moved_up.withheld:
        return f"{moved_up.shown_moved}: withheld, too few to show"
    return f"{moved_up.moved:,} of {moved_up.of:,} citizens engaged before"


def _moved_up_measure(filters: Filters, *, people: bool) -> Measure:
    """ "Moved up" ranked as a share of each force's engaged before, or as a number of people."""
    before = filters.previous_period_name or "the period before"
    who = f"citizens engaged in {before} who stood higher in {filters.period_name}"
    return Measure(
        name=f"People who moved up since {before}" if people else f"Moved up since {before}",
        value=_moved_up_people_count if people else _moved_up_share,
        people=_moved_up_people,
        axis=who if people else f"% of each force's {who}",
        position=None,
        measure="people" if people else "share_of_engaged",
        markers=False,
    )


def sort_measure(filters: Filters, rungs: dict[int, RungInfo]) -> Measure:
    """What the overview's ranked chart ranks by: the measure of the chosen sort (Conversation or
    above when sorted by name), so the chart and the table agree."""
    sort = filters.sort
    if sort in (SORT_MOVED_UP, SORT_MOVED_UP_PEOPLE):
        return _moved_up_measure(filters, people=sort == SORT_MOVED_UP_PEOPLE)
    if sort.startswith("rung-"):
        position = int(sort.removeprefix("rung-"))
        name = rungs[position].name if position in rungs else f"Rung {position}"
        if position == 0:
            return Measure(
                name=f"{name} (rung 0) per 1,000 residents",
                value=lambda ladder: ladder.per_thousand(0),
                people=lambda ladder: f"{ladder.count(0) or 0:,} residents",
                axis="per 1,000 residents of each force area",
                position=0,
                measure="per_thousand",
            )
        return Measure(
            name=f"Share at {name}",
            value=lambda ladder: ladder.share_of_engaged(position),
            people=lambda ladder: citizens_text(ladder.shown_count(position)),
            axis=f"% of each force's engaged public (rungs 1 to 6) at {name}",
            position=position,
        )
    return conversation_measure(_conversation(rungs))


def _names(rungs: dict[int, RungInfo]) -> dict[int, str]:
    return {p: rung.name for p, rung in rungs.items()}


def _conversation(rungs: dict[int, RungInfo]) -> str:
    return rungs[CONVERSATION].name if CONVERSATION in rungs else "Conversation"


def _moved_up_share(ladder: Ladder) -> float | None:
    moved_up = ladder.extra.get("moved_up")
    return moved_up.share if moved_up else None


def common_context(filters: Filters) -> dict[str, Any]:
    """The filter choices every page with figures offers, the rung legend and the measure."""
    rungs = page_selectors.snapshot_rungs(filters.snapshot)
    positions = shown_positions(with_none=filters.with_none)
    return {
        "filters": filters,
        "rungs": rungs,
        "legend": [rungs[p] for p in ENGAGED_POSITIONS if p in rungs],
        "period_types": PeriodType.choices,
        "platforms": Platform.choices,
        "platform_name": dict(Platform.choices).get(filters.platform, ""),
        "sorts": sort_choices(_names(rungs), with_none=filters.with_none),
        "shown_rungs": [rungs[p] for p in positions if p in rungs],
        "conversation_name": _conversation(rungs),
        "per_thousand": filters.with_none,
        "withheld_note": withheld.page_protection_for(filters).note,
        "census": page_selectors.population_census(filters.snapshot),
    }


def _platform_scope(filters: Filters) -> str:
    return Scope.PLATFORM if filters.platform else Scope.FORCE


def overview_context(filters: Filters) -> dict[str, Any]:
    context = common_context(filters)
    rungs = context["rungs"]

    wanted = (filters.period, filters.previous_period(), filters.year_before())
    held = page_selectors.overview_figures(
        filters.snapshot,
        period_type=filters.period_type,
        periods=tuple(period for period in wanted if period),
        platform=filters.platform,
    )

    def figures(period: str | None) -> dict[str, page_selectors.ForceFigures]:
        return {force.slug: force for force in held.get(period or "", [])}

    now = figures(filters.period)
    held_before = {
        period: figures(period)
        for period in (filters.previous_period(), filters.year_before())
        if period
    }
    regions = sorted({force.region for force in now.values()})
    region = filters.region if filters.region in regions else ""
    query = filters.query()
    moved_up = mobility.moved_up_table(filters)
    protection = withheld.page_protection_for(filters)
    every = []
    for force in now.values():
        ladder = _ladder(
            force.name,
            force.counts,
            filters,
            hidden=protection.force(filters.period, force.slug),
            slug=force.slug,
            region=force.region,
            url=reverse("dashboard:force", args=[force.slug]) + (f"?{query}" if query else ""),
            moved_up=moved_up.forces.get(force.pk),
        )
        by_period = {
            period: held_then[force.slug].counts
            for period, held_then in held_before.items()
            if force.slug in held_then
        }
        every.append(
            _with_history(
                ladder,
                by_period,
                filters,
                filters.period,
                lambda period, slug=force.slug: protection.force(period, slug),
            )
        )
    shown = _sort([f for f in every if not region or f.extra["region"] == region], filters.sort)
    positions = shown_positions(with_none=filters.with_none)

    def reference(label: str, ladders: list[Ladder], hidden_in: WithheldIn) -> Ladder:
        total = add_counts(label, ladders, positions)
        total.withheld = hidden_in(filters.period)
        for attribute, period in (
            ("previous", filters.previous_period()),
            ("year_before", filters.year_before()),
        ):
            earlier = [getattr(ladder, attribute) for ladder in ladders]
            if any(earlier):
                added = add_counts(attribute, [e for e in earlier if e], positions)
                added.withheld = hidden_in(period)
                setattr(total, attribute, added)
        return ladder_with_none_where_known(total)

    references = [reference(NATIONAL, every, protection.nation)]
    # "Moved up" reference lines: the forces' citizens added together, nation and region.
    references[0].extra["moved_up"] = moved_up.nation
    if region:
        regional = reference(
            region,
            [f for f in every if f.extra["region"] == region],
            lambda period: protection.region(period, region),
        )
        regional.extra["moved_up"] = moved_up.regions.get(region)
        references.append(regional)
    scope = _platform_scope(filters)
    ranked_by = sort_measure(filters, rungs)
    context.update(
        regions=regions,
        region=region,
        forces=shown,
        references=references,
        nobody=not any(ladder.engaged for ladder in every),
        ranked_chart=ranked_chart(
            [f for f in every if not region or f.extra["region"] == region],
            references,
            title=f"{ranked_by.name}, by force, in {filters.period_name}",
            measure=ranked_by,
        ),
        ranked_by=ranked_by,
        forces_chart=stacked_chart(
            [*references, *shown],
            rungs,
            title="Each force's engaged public at each rung",
            links=True,
            per_thousand=filters.with_none,
        ),
        moved_up_from=filters.previous_period_name if mobility.previous_period(filters) else "",
        **routes.overview_routes(filters, shown=shown, every=every, rungs=rungs),
        export_forces=filters.export_url(scope=scope, region=region),
        export_national=filters.export_url(scope=scope),
    )
    return context


def rungs_reached_by_channels(
    figures: page_selectors.ForcePageFigures, rungs: dict[int, RungInfo]
) -> list[dict[str, Any]]:
    """Rungs 1 to 6 with the number of channels that ever counted someone there (what people
    reached, whatever was offered; the routes offered are dashboard.routes')."""
    return [
        {"rung": rungs[p], "channels": figures.channels_reaching.get(p, 0)}
        for p in sorted(rungs)
        if p != 0
    ]


def _ladder_parts(ladder: Ladder, rungs: dict[int, RungInfo]) -> dict[str, Any]:
    """A ladder and its table's rows, top rung first."""
    rows = [
        {**cell, "rung": rungs[cell["position"]]}
        for cell in reversed(ladder.cells())
        if cell["position"] in rungs
    ]
    return {"ladder": ladder, "ladder_rows": rows}


def _trend_chart(
    over_time: list[Ladder], rungs: dict[int, RungInfo], *, title: str
) -> dict[str, Any]:
    return lines_chart(
        [row.label for row in over_time],
        [
            {
                "label": rungs[p].name,
                "position": p,
                "data": [row.share_of_engaged(p) for row in over_time],
            }
            for p in ENGAGED_POSITIONS
            if p in rungs
        ],
        title=title,
        axis="% of the period's engaged public (rungs 1 to 6)",
    )


def _last_quarters(filters: Filters, *, scope: str, force: str) -> dict[str, Any]:
    """A download of the force's last four complete quarters, whatever the period type shown."""
    quarters = filters.last_complete(PeriodType.QUARTER, 4)
    if not quarters:
        return {}
    return {
        "last_quarters": f"{period_name(PeriodType.QUARTER, quarters[0])} to "
        f"{period_name(PeriodType.QUARTER, quarters[-1])}",
        "last_quarters_count": len(quarters),
        "export_last_quarters": filters.export_url(
            scope=scope,
            force=force,
            all_periods=True,
            period_type=PeriodType.QUARTER,
            period_from=quarters[0],
            period_to=quarters[-1],
        ),
    }


def filter_notes(filters: Filters, *, page: str, platform_applies: bool = True) -> list[str]:
    """What a page says about the filters it cannot apply (they are kept for the links on)."""
    notes = []
    if filters.region:
        notes.append(
            f"The region filter ({filters.region}) does not apply to {page}; "
            "it is kept for the links back to the overview."
        )
    if filters.platform and not platform_applies:
        notes.append(
            f"The platform filter does not apply to {page}; it is kept for the links back."
        )
    return notes


def force_context(filters: Filters, force: Force) -> dict[str, Any]:
    context = common_context(filters)
    rungs = context["rungs"]
    figures = page_selectors.force_page_figures(
        filters.snapshot,
        force,
        period_type=filters.period_type,
        period=filters.period,
        platform=filters.platform,
    )
    trend = dict(figures.trend)
    protection = withheld.page_protection_for(filters)

    def hidden_in(period: str | None) -> frozenset[int]:
        return protection.force(period, force.slug)

    ladder = _in_period(force.name, trend, filters, hidden_in)
    shapes = [
        ladder,
        _ladder(
            f"{force.region} (region)",
            figures.regional,
            filters,
            hidden=protection.region(filters.period, force.region),
        ),
        _ladder(NATIONAL, figures.national, filters, hidden=protection.nation(filters.period)),
    ]
    over_time = _over_time(trend, filters, hidden_in)
    query = filters.query()
    channels = [
        _ladder(
            channel.name,
            channel.counts,
            replace(filters, with_none=False),
            hidden=protection.alone(channel.counts),
            slug=channel.slug,
            platform=channel.platform_label,
            active=channel.active,
            url=reverse("dashboard:channel", args=[force.slug, channel.slug])
            + (f"?{query}" if query else ""),
        )
        for channel in figures.channels
    ]
    reached = rungs_reached_by_channels(figures, rungs)
    scope = _platform_scope(filters)
    where = f" on {context['platform_name']}" if filters.platform else ""
    context.update(
        force=force,
        **_ladder_parts(ladder, rungs),
        channel_rungs=[rungs[p] for p in ENGAGED_POSITIONS if p in rungs],
        shapes=shapes,
        over_time=over_time,
        channels=channels,
        reached=reached,
        not_reached=[rung["rung"] for rung in reached if not rung["channels"]],
        notes=filter_notes(filters, page="one force's page"),
        linked=linked_note(force, figures.linked, filters.threshold),
        where=where,
        ladder_chart=ladder_chart(
            ladder, rungs, title=f"{force.name}{where}: {filters.period_name}"
        ),
        trend_chart=_trend_chart(
            over_time,
            rungs,
            title=f"{force.name}{where}: share of the engaged at each rung "
            f"by {filters.period_noun}",
        ),
        channels_chart=stacked_chart(channels, rungs, title="By channel"),
        shapes_chart=stacked_chart(
            shapes, rungs, title="Against the region and the nation", per_thousand=filters.with_none
        ),
        export_ladder=filters.export_url(scope=scope, force=force.slug),
        export_trend=filters.export_url(scope=scope, force=force.slug, all_periods=True),
        **_last_quarters(filters, scope=scope, force=force.slug),
        export_channels=filters.export_url(scope=Scope.CHANNEL, force=force.slug),
        export_reached=filters.export_url(scope=Scope.CHANNEL, force=force.slug, all_periods=True),
        export_region=filters.export_url(scope=scope, region=force.region),
        export_national=filters.export_url(scope=scope),
    )
    context.update(routes.force_routes(filters, slug=force.slug, ladder=ladder, rungs=rungs))
    context.update(mobility.force_mobility_context(filters, force))
    context.update(mobility.similar_context(filters, force))
    return context


def linked_note(force: Force, linked: page_selectors.LinkedPeople, threshold: int) -> str:
    """The force page's note on linked identities: how many identifiers its links join into how
    many people ("" when it holds none). Small numbers are given as "fewer than" the threshold."""
    if not linked.identifiers:
        return ""

    def amount(count: int, one: str, many: str) -> str:
        if withheld.PageProtection(threshold=threshold).on and count < threshold:
            return f"fewer than {threshold} {many}"
        return f"{count:,} {one if count == 1 else many}"

    return (
        f"Counts are of people, not accounts: {force.name} has linked "
        f"{amount(linked.identifiers, 'identifier', 'identifiers')} across platforms, with "
        f"consent, into {amount(linked.people, 'person', 'people')}; each person counts once, at "
        "the highest rung any of their identifiers reached, in the ladder and in the moves up it."
    )


def channel_context(
    filters: Filters, force: Force, channel: page_selectors.ChannelPageFigures
) -> dict[str, Any]:
    """One channel: its ladder in the period, its changes, and its figures over time."""
    context = common_context(filters)
    rungs = context["rungs"]
    channel_filters = replace(filters, with_none=False)
    trend = dict(channel.trend)
    hidden_in = _alone(filters, trend)
    ladder = _in_period(channel.name, trend, filters, hidden_in, shown=channel_filters)
    over_time = _over_time(trend, channel_filters, hidden_in)
    notes = filter_notes(filters, page="one channel's page", platform_applies=False)
    if filters.with_none:
        notes.append("Rung 0 is known for whole forces only, not for one channel.")
    context.update(
        force=force,
        channel=channel,
        **_ladder_parts(ladder, rungs),
        shown_rungs=[rungs[p] for p in ENGAGED_POSITIONS if p in rungs],
        per_thousand=False,
        over_time=over_time,
        notes=notes,
        ladder_chart=ladder_chart(ladder, rungs, title=f"{channel.name}: {filters.period_name}"),
        trend_chart=_trend_chart(
            over_time,
            rungs,
            title=f"{channel.name}: share of the engaged at each rung by {filters.period_noun}",
        ),
        export_ladder=filters.export_url(
            scope=Scope.CHANNEL, force=force.slug, channel=channel.slug, platform=""
        ),
        export_trend=filters.export_url(
            scope=Scope.CHANNEL,
            force=force.slug,
            channel=channel.slug,
            platform="",
            all_periods=True,
        ),
        force_url=reverse("dashboard:force", args=[force.slug])
        + (f"?{filters.query()}" if filters.query() else ""),
    )
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
    if known and not MIN_COMPARE <= len(known) <= MAX_COMPARE:
        problems.append(
            f"Choose between {MIN_COMPARE} and {MAX_COMPARE} forces to compare; "
            f"you chose {len(known)}."
        )
    return problems


def compare_context(filters: Filters, forces: list[Force]) -> dict[str, Any]:
    """Two to six forces on the same scales, with England and Wales: their ladders for the period
    and their share at Conversation or above over time."""
    context = common_context(filters)
    rungs = context["rungs"]
    figures = page_selectors.compare_figures(
        filters.snapshot, forces, period_type=filters.period_type, platform=filters.platform
    )
    query = filters.query()
    protection = withheld.page_protection_for(filters)
    ladders, trends = [], []
    for force in forces:
        by_period = dict(figures.trends.get(force.pk, []))

        def hidden_in(period: str | None, slug: str = force.slug) -> frozenset[int]:
            return protection.force(period, slug)

        ladders.append(
            _in_period(
                force.name,
                by_period,
                filters,
                hidden_in,
                slug=force.slug,
                url=reverse("dashboard:force", args=[force.slug]) + (f"?{query}" if query else ""),
            )
        )
        trends.append((force.name, _over_time(by_period, filters, hidden_in)))
    national_by_period = dict(figures.national)
    national = _in_period(NATIONAL, national_by_period, filters, protection.nation, reference=True)
    trends.append((NATIONAL, _over_time(national_by_period, filters, protection.nation)))
    conversation = context["conversation_name"]
    slugs = ",".join(force.slug for force in forces)
    scope = _platform_scope(filters)
    context.update(
        ladders=ladders,
        national_rows=[national],
        trend_names=[name for name, _ in trends],
        trend_rows=[
            {
                "period": filters.name(label),
                "shares": [rows[index].share_from(CONVERSATION) for _, rows in trends],
            }
            for index, label in enumerate(filters.periods)
        ],
        compare_chart=stacked_chart(
            [*ladders, national],
            rungs,
            title="Forces side by side",
            per_thousand=filters.with_none,
        ),
        compare_trend_chart=lines_chart(
            [filters.name(label) for label in filters.periods],
            [
                {
                    "label": name,
                    "colour": REFERENCE_COLOUR
                    if name == NATIONAL
                    else SERIES_COLOURS[index % len(SERIES_COLOURS)],
                    "dashed": name == NATIONAL,
                    "data": [row.share_from(CONVERSATION) for row in rows],
                }
                for index, (name, rows) in enumerate(trends)
            ],
            title=f"Share of the engaged at {conversation} or above, by {filters.period_noun}",
            axis=f"% of each area's engaged public (rungs 1 to 6) at {conversation} or above",
        ),
        moving_up=mobility.compare_moved_up(filters, forces, national=NATIONAL),
        moved_up_from=filters.previous_period_name if mobility.previous_period(filters) else "",
        export_compare=filters.export_url(scope=scope, force=slugs),
        export_compare_trend=filters.export_url(scope=scope, force=slugs, all_periods=True),
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
        f"{force.name} local lens v{figures.lens.version}",
        figures.counts,
        filters,
        hidden=withheld.page_protection_for(filters).alone(figures.counts),
    )
    context.update(
        lens_ladders=[shared, lens_ladder],
        lens_rows=[
            {
                "position": p,
                "shared_name": rungs[p].name if p in rungs else "",
                "lens_name": figures.rungs[p].name if p in figures.rungs else "",
                "shared": shared.shown_count(p),
                "shared_share": shared.share_of_engaged(p),
                "lens": lens_ladder.shown_count(p),
                "lens_share": lens_ladder.share_of_engaged(p),
                "difference": None
                if shared.share_of_engaged(p) is None or lens_ladder.share_of_engaged(p) is None
                else lens_ladder.share_of_engaged(p) - shared.share_of_engaged(p),
            }
            for p in reversed(shared.positions)
        ],
        lens_chart=stacked_chart(
            [shared, lens_ladder], rungs, title=f"{force.name}: shared ladder and local lens"
        ),
    )
    return context
