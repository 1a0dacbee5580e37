"""Shared helpers for the recompute tests: making interactions and reading the figures."""

from datetime import UTC, datetime

from engagement.models import Distribution, DistributionSnapshot
from tests.factories import InteractionFactory

# The columns of the worked examples' expected files (force and channel scope, counts only).
LONG_LAYOUT = (
    "definition_version",
    "period_type",
    "period",
    "scope",
    "force",
    "channel",
    "rung_position",
    "rung",
    "citizens",
)


def at(text: str) -> datetime:
    """An instant: '2026-01-15' is noon UTC that day; a full ISO time is taken as written."""
    if "T" not in text:
        text += "T12:00:00+00:00"
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def act(channel, citizen, kind: str, when: str):
    return InteractionFactory(channel=channel, citizen=citizen, kind=kind, occurred_at=at(when))


def current_snapshot(definition=None) -> DistributionSnapshot:
    snapshots = DistributionSnapshot.objects.filter(is_current=True)
    if definition is not None:
        snapshots = snapshots.filter(definition=definition)
    return snapshots.get()


def figures(
    *,
    period: str,
    period_type: str = "month",
    force=None,
    channel=None,
    platform: str | None = None,
    snapshot: DistributionSnapshot | None = None,
) -> dict[int, int | None]:
    """{rung position: citizens} of one scope and period in the (current) snapshot: a channel's,
    a force's platform's (force and platform given) or a force's."""
    rows = Distribution.objects.filter(
        snapshot=snapshot or current_snapshot(), period_type=period_type, period=period
    )
    if channel is not None:
        rows = rows.filter(scope="channel", channel=channel)
    elif platform is not None:
        rows = rows.filter(scope="platform", force=force, platform=platform)
    else:
        rows = rows.filter(scope="force", force=force)
    return dict(rows.values_list("rung_position", "citizens"))


def engaged(**kwargs) -> dict[int, int]:
    """Like figures() but rungs 1 to 6 only."""
    return {rung: n for rung, n in figures(**kwargs).items() if rung > 0}


def snapshot_rows(
    snapshot: DistributionSnapshot, *, scopes: tuple[str, ...] | None = None
) -> set[tuple]:
    """Every row of a snapshot (of `scopes`: all when None) in the long layout, with 0 citizens
    left out. A platform-scope row names its platform where the others name their channel."""
    rungs = {rung.position: rung.slug for rung in snapshot.definition.rungs.all()}
    return {
        (
            str(snapshot.definition.version),
            row.period_type,
            row.period,
            row.scope,
            row.force.slug,
            row.channel.slug if row.channel else row.platform,
            str(row.rung_position),
            rungs[row.rung_position],
            "" if row.citizens is None else str(row.citizens),
        )
        for row in Distribution.objects.filter(snapshot=snapshot).select_related("force", "channel")
        if row.citizens != 0 and (scopes is None or row.scope in scopes)
    }
