"""The choices a reader makes on a page, read from the query string with safe defaults.

Anything unknown (a version without figures, a period the snapshot does not hold, a platform that
does not exist) falls back to the default rather than failing: a shared link that has gone stale
still opens a page, and the page says what it ignored (`Filters.ignored`).

A period is partial when the data held cover only part of it (they begin after its first day or
end before its last: engagement.ladder.periods.is_partial, the rule the CSV files follow too);
pages mark it so. The default period of every period type is the latest complete one (else, when
none is complete, the latest held), and the page offers the latest partial one a click away.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse

from dashboard import page_selectors
from dashboard.ladders import CONVERSATION, ENGAGED_POSITIONS
from engagement.choices import PeriodType, Scope
from engagement.ladder.periods import DataDays, is_partial, parse_period, period_name, period_of
from forces.choices import Platform

if TYPE_CHECKING:
    from engagement.models import DistributionSnapshot

SORT_BY_NAME = "name"
SORT_CONVERSATION_UP = "conversation-up"
SORT_MOVED_UP = "moved-up"
SORT_MOVED_UP_PEOPLE = "moved-up-people"
PERIOD_NOUNS = {
    PeriodType.MONTH: "month",
    PeriodType.QUARTER: "quarter",
    PeriodType.YEAR: "calendar year",
    PeriodType.FINANCIAL_YEAR: "financial year",
}


@dataclass(frozen=True)
class Filters:
    snapshot: DistributionSnapshot
    period_type: str
    period: str
    periods: tuple[str, ...]
    platform: str = ""
    region: str = ""
    sort: str = SORT_BY_NAME
    with_none: bool = False
    partial: frozenset[str] = frozenset()
    days: DataDays | None = None
    ignored: tuple[str, ...] = ()
    # Small-number protection for this reader (0: every count shown); see dashboard.withheld.
    threshold: int = 0

    @property
    def period_noun(self) -> str:
        return PERIOD_NOUNS.get(self.period_type, self.period_type)

    def name(self, label: str) -> str:
        """A period as people say it, marked when it is partial."""
        return period_name(self.period_type, label) + (
            " (partial)" if label in self.partial else ""
        )

    @property
    def period_name(self) -> str:
        return self.name(self.period) if self.period else ""

    @property
    def latest(self) -> str:
        """The latest period held (partial or not)."""
        return self.periods[-1] if self.periods else ""

    @property
    def latest_complete(self) -> str:
        return latest_complete(list(self.periods), self.partial)

    @property
    def period_note(self) -> dict[str, str]:
        """What the page says about its period: the default rule, whether the period shown is
        partial, and a link's query to the other choice (latest complete, latest partial)."""
        complete, latest = self.latest_complete, self.latest
        other = ""
        if self.period == complete and latest != complete:
            other = latest
        elif self.period in self.partial and complete not in self.partial:
            other = complete
        return {
            "partial": "true" if self.period in self.partial else "",
            "other": other,
            "other_name": self.name(other) if other else "",
            "other_complete": "true" if other == complete else "",
            "other_query": self.query(period=other) if other else "",
        }

    @property
    def period_choices(self) -> list[tuple[str, str]]:
        """(label, name) of every period held, newest first: the period list of the form."""
        return [(label, self.name(label)) for label in reversed(self.periods)]

    def previous_period(self, label: str | None = None) -> str | None:
        """The period before, where the snapshot holds it."""
        label = label or self.period
        index = self.periods.index(label) if label in self.periods else -1
        return self.periods[index - 1] if index > 0 else None

    @property
    def previous_period_name(self) -> str:
        previous = self.previous_period()
        return self.name(previous) if previous else ""

    @property
    def year_before_name(self) -> str:
        earlier = self.year_before()
        return self.name(earlier) if earlier else ""

    def year_before(self, label: str | None = None) -> str | None:
        """The same period a year before, where the snapshot holds it."""
        label = label or self.period
        if not label:
            return None
        period = parse_period(self.period_type, label)
        earlier = period_of(self.period_type, period.start_month - 12).label
        return earlier if earlier in self.periods else None

    def last_complete(self, period_type: str, count: int) -> list[str]:
        """The last `count` complete periods of a type the snapshot holds (for a download)."""
        periods = page_selectors.snapshot_periods(self.snapshot, period_type)
        partial = partial_periods(period_type, periods, self.days)
        return [label for label in periods if label not in partial][-count:]

    @property
    def version(self) -> int:
        return self.snapshot.definition.version

    def query(self, **changes: object) -> str:
        """This page's query string, with some choices changed (for links that keep filters)."""
        chosen = replace(self, **changes) if changes else self
        params = {
            "definition": chosen.version,
            "period_type": chosen.period_type,
            "period": chosen.period,
            "platform": chosen.platform,
            "region": chosen.region,
            "sort": "" if chosen.sort == SORT_BY_NAME else chosen.sort,
            "rung0": "on" if chosen.with_none else "",
        }
        return urlencode({key: value for key, value in params.items() if value})

    def export_url(self, *, scope: str = Scope.FORCE, all_periods: bool = False, **extra) -> str:
        """The CSV of a figure on the page, from the export endpoint, with the page's filters."""
        params = {
            "definition": self.version,
            "period_type": self.period_type,
            "period": "" if all_periods else self.period,
            "scope": scope,
            "platform": self.platform if scope in (Scope.CHANNEL, Scope.PLATFORM) else "",
            "layout": "wide",
        }
        params.update(extra)
        return f"{reverse('reports:export')}?{urlencode({k: v for k, v in params.items() if v})}"


def latest_complete(periods: list[str], partial: frozenset[str]) -> str:
    """The default period: the latest complete one, else (none complete) the latest held."""
    for label in reversed(periods):
        if label not in partial:
            return label
    return periods[-1] if periods else ""


def partial_periods(period_type: str, periods: list[str], days: DataDays | None) -> frozenset[str]:
    """The periods the data held cover only part of."""
    return frozenset(
        label for label in periods if is_partial(parse_period(period_type, label), days)
    )


def read_filters(
    query: QueryDict, snapshots: list[DistributionSnapshot], *, threshold: int = 0
) -> Filters | None:
    """The reader's choices, or None when no definition version has figures yet.

    Each choice that cannot be honoured is replaced by its default, and `ignored` says so in
    words. `threshold` is the reader's small-number protection (not a choice: it comes with who
    they are).
    """
    snapshot = page_selectors.default_snapshot(snapshots)
    if snapshot is None:
        return None
    ignored: list[str] = []
    wanted = query.get("definition", "")
    chosen = next((s for s in snapshots if str(s.definition.version) == wanted), None)
    if wanted and chosen is None:
        ignored.append(
            f"definition={wanted}: no published version {wanted} has figures; "
            f"showing version {snapshot.definition.version}."
        )
    snapshot = chosen or snapshot
    period_type = query.get("period_type", "")
    if period_type not in PeriodType.values:
        if period_type:
            ignored.append(f"period_type={period_type}: not a period type; showing months.")
        period_type = PeriodType.MONTH
    periods = page_selectors.snapshot_periods(snapshot, period_type)
    partial = partial_periods(period_type, periods, page_selectors.data_days(snapshot))
    period = query.get("period", "")
    if period not in periods:
        default = latest_complete(periods, partial)
        if period:
            ignored.append(
                f"period={period}: no {PERIOD_NOUNS[period_type]} {period} is held; showing "
                f"{period_name(period_type, default) if default else 'none'}."
            )
        period = default
    platform = query.get("platform", "")
    if platform not in Platform.values:
        if platform:
            ignored.append(f"platform={platform}: not a platform; showing all platforms.")
        platform = ""
    region = query.get("region", "").strip()[:64]
    if region and region not in page_selectors.region_names(snapshot):
        ignored.append(f"region={region}: not a region; showing every region.")
        region = ""
    sort = query.get("sort", "")
    if sort not in sort_keys():
        if sort:
            ignored.append(f"sort={sort}: not a way to sort; sorted by force name.")
        sort = SORT_BY_NAME
    return Filters(
        snapshot=snapshot,
        period_type=period_type,
        period=period,
        periods=tuple(periods),
        platform=platform,
        region=region,
        sort=sort,
        with_none=query.get("rung0", "") == "on" and not platform,
        partial=partial,
        days=page_selectors.data_days(snapshot),
        ignored=tuple(ignored),
        threshold=threshold,
    )


def sort_keys() -> list[str]:
    return [
        SORT_BY_NAME,
        SORT_CONVERSATION_UP,
        SORT_MOVED_UP,
        SORT_MOVED_UP_PEOPLE,
        *(f"rung-{p}" for p in (0, *ENGAGED_POSITIONS)),
    ]


def sort_choices(rung_names: dict[int, str], *, with_none: bool) -> list[tuple[str, str]]:
    choices = [
        (SORT_BY_NAME, "Force name"),
        (
            SORT_CONVERSATION_UP,
            f"Share at {rung_names.get(CONVERSATION, 'Conversation')} or above",
        ),
    ]
    choices.append((SORT_MOVED_UP, "Moved up since the period before (share)"))
    choices.append((SORT_MOVED_UP_PEOPLE, "Moved up since the period before (people)"))
    positions = (0, *ENGAGED_POSITIONS) if with_none else ENGAGED_POSITIONS
    choices += [(f"rung-{p}", f"Share at {rung_names.get(p, p)}") for p in positions]
    return choices
