"""The choices a reader makes on a page, read from the query string with safe defaults.

Anything unknown (a version without figures, a period the snapshot does not hold, a platform that
does not exist) falls back to the default rather than failing: a shared link that has gone stale
still opens a page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from dashboard import page_selectors
from dashboard.ladders import CONVERSATION, ENGAGED_POSITIONS
from engagement.choices import PeriodType, Scope
from engagement.ladder.periods import local_month_of, months_in, parse_period
from forces.choices import Platform

if TYPE_CHECKING:
    from engagement.models import DistributionSnapshot

SORT_BY_NAME = "name"
SORT_CONVERSATION_UP = "conversation-up"
SORT_MOVED_UP = "moved-up"
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

    @property
    def period_noun(self) -> str:
        return PERIOD_NOUNS.get(self.period_type, self.period_type)

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
            "platform": self.platform if scope == Scope.CHANNEL else "",
            "layout": "wide",
        }
        params.update(extra)
        return f"{reverse('reports:export')}?{urlencode({k: v for k, v in params.items() if v})}"


def latest_complete(periods: list[str], period_type: str, *, now: datetime | None = None) -> str:
    """The latest period that has ended (London time), else the latest there is."""
    this_month = local_month_of(now or timezone.now())
    for label in reversed(periods):
        if months_in(parse_period(period_type, label))[-1] < this_month:
            return label
    return periods[-1] if periods else ""


def read_filters(query: QueryDict, snapshots: list[DistributionSnapshot]) -> Filters | None:
    """The reader's choices, or None when no definition version has figures yet."""
    snapshot = page_selectors.default_snapshot(snapshots)
    if snapshot is None:
        return None
    wanted = query.get("definition", "")
    snapshot = next((s for s in snapshots if str(s.definition.version) == wanted), snapshot)
    period_type = query.get("period_type", "")
    if period_type not in PeriodType.values:
        period_type = PeriodType.MONTH
    periods = page_selectors.snapshot_periods(snapshot, period_type)
    period = query.get("period", "")
    if period not in periods:
        period = latest_complete(periods, period_type)
    platform = query.get("platform", "")
    if platform not in Platform.values:
        platform = ""
    return Filters(
        snapshot=snapshot,
        period_type=period_type,
        period=period,
        periods=tuple(periods),
        platform=platform,
        region=query.get("region", "").strip()[:64],
        sort=query.get("sort", "") if query.get("sort", "") in sort_keys() else SORT_BY_NAME,
        with_none=query.get("rung0", "") == "on" and not platform,
    )


def sort_keys() -> list[str]:
    return [
        SORT_BY_NAME,
        SORT_CONVERSATION_UP,
        SORT_MOVED_UP,
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
    choices.append((SORT_MOVED_UP, "Moved up since the period before"))
    positions = (0, *ENGAGED_POSITIONS) if with_none else ENGAGED_POSITIONS
    choices += [(f"rung-{p}", f"Share at {rung_names.get(p, p)}") for p in positions]
    return choices
