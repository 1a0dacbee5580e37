"""Shared helpers for the recompute tests: making interactions and reading the figures."""

import io
from datetime import UTC, datetime
from pathlib import Path

from engagement.ingest.channels import import_channels
from engagement.ingest.interactions import ImportRequest, import_interactions
from engagement.ladder.recompute import recompute_now
from engagement.models import Distribution, DistributionSnapshot, StaleMonth, Transition
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


def import_files(folder: Path, *interaction_parts: bytes) -> None:
    """A worked example's channels, then its interactions (whole, or in the parts given)."""
    with (folder / "channels.csv").open("rb") as source:
        import_channels(source=source, request=ImportRequest(filename="channels.csv"))
    for part in interaction_parts or [(folder / "interactions.csv").read_bytes()]:
        import_interactions(
            source=io.BytesIO(part), request=ImportRequest(filename="interactions.csv")
        )


def succeed(**options):
    run = recompute_now(**options)
    assert run.status == "succeeded", run.error
    return run


def split_import(folder: Path) -> None:
    """A worked example imported in two halves (every other row), recomputed after each: the
    second run is incremental."""
    header, *lines = (folder / "interactions.csv").read_bytes().splitlines(keepends=True)
    import_files(folder, header + b"".join(lines[::2]))
    succeed()
    import_files(folder, header + b"".join(lines[1::2]))
    succeed()


def mark_stale(interactions) -> None:
    """What an import does: mark the (force, month) of every row it added."""
    for interaction in interactions:
        StaleMonth.objects.update_or_create(
            force_id=interaction.force_id, local_month=interaction.local_month
        )


def snapshot_moves(snapshot: DistributionSnapshot) -> set[tuple]:
    """Every mobility row of a snapshot."""
    return set(
        Transition.objects.filter(snapshot=snapshot).values_list(
            "period_type",
            "from_period",
            "to_period",
            "force__slug",
            "from_rung",
            "to_rung",
            "citizens",
        )
    )
