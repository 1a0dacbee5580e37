"""What a new version would do to the figures: each area's ladder before and after, in shares.

The arguments about the definition are about who would move, and by how much. For England and
Wales and for every force this compares the distribution of the engaged (rungs 1 to 6: rung 0
depends only on the population) under the current version and under the draft, rung by rung, in
percentage points of the area's engaged public; then it ranks the forces both ways (on the share
of their engaged at conversation or above, as the overview sorts) to show whose place changes.
Plain numbers in and out: the figures come from the distribution store (engagement.definitions
.preview).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ENGAGED = (1, 2, 3, 4, 5, 6)
# Forces are ranked on the share of their engaged at this rung or above (the overview's sort).
RANK_FROM = 2

Counts = dict[int, int | None]


def shares_of_engaged(counts: Counts) -> dict[int, float | None]:
    """Each engaged rung's share (percent) of the area's engaged; None when nobody engaged."""
    engaged = sum(counts.get(p) or 0 for p in ENGAGED)
    return {p: (100 * (counts.get(p) or 0) / engaged if engaged else None) for p in ENGAGED}


@dataclass
class AreaImpact:
    """One area's ladder under the current version and under the draft."""

    key: str  # the force's slug; "" for England and Wales
    name: str
    before: Counts
    after: Counts
    rank_before: int | None = None
    rank_after: int | None = None
    before_shares: dict[int, float | None] = field(init=False)
    after_shares: dict[int, float | None] = field(init=False)
    changes: dict[int, float | None] = field(init=False)

    def __post_init__(self) -> None:
        self.before_shares = shares_of_engaged(self.before)
        self.after_shares = shares_of_engaged(self.after)
        self.changes = {
            p: (
                None
                if self.before_shares[p] is None or self.after_shares[p] is None
                else self.after_shares[p] - self.before_shares[p]
            )
            for p in ENGAGED
        }

    @property
    def engaged_before(self) -> int:
        return sum(self.before.get(p) or 0 for p in ENGAGED)

    @property
    def engaged_after(self) -> int:
        return sum(self.after.get(p) or 0 for p in ENGAGED)

    @property
    def movement(self) -> float:
        """How much of the engaged public changes rung, in percentage points: half the sum of
        the rungs' changes (what leaves one rung arrives at another)."""
        return sum(abs(change or 0) for change in self.changes.values()) / 2

    def share_from(self, shares: dict[int, float | None]) -> float | None:
        values = [shares[p] for p in ENGAGED if p >= RANK_FROM]
        return None if any(v is None for v in values) else sum(values)

    @property
    def conversation_before(self) -> float | None:
        """The share (percent) of the engaged at conversation or above, current version."""
        return self.share_from(self.before_shares)

    @property
    def conversation_after(self) -> float | None:
        return self.share_from(self.after_shares)

    @property
    def conversation_change(self) -> float | None:
        """In percentage points, from the unrounded shares; None when either side is empty."""
        if self.conversation_before is None or self.conversation_after is None:
            return None
        return self.conversation_after - self.conversation_before

    @property
    def conversation_count_before(self) -> int:
        """Citizens at conversation or above: the count behind the share."""
        return sum(self.before.get(p) or 0 for p in ENGAGED if p >= RANK_FROM)

    @property
    def conversation_count_after(self) -> int:
        return sum(self.after.get(p) or 0 for p in ENGAGED if p >= RANK_FROM)

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive) or lost; None when the force is unranked either way."""
        if self.rank_before is None or self.rank_after is None:
            return None
        return self.rank_before - self.rank_after

    def rows(self) -> list[dict]:
        """One row per engaged rung, top rung first, for the page's table."""
        return [
            {
                "position": p,
                "before": self.before.get(p) or 0,
                "after": self.after.get(p) or 0,
                "before_share": self.before_shares[p],
                "after_share": self.after_shares[p],
                "change": self.changes[p],
            }
            for p in reversed(ENGAGED)
        ]


@dataclass(frozen=True)
class Impact:
    national: AreaImpact
    forces: list[AreaImpact]  # most moved first
    rank_movers: list[AreaImpact]  # rank changed, most places first

    def conversation_movers(self, limit: int = 5) -> list[AreaImpact]:
        """The forces whose share at conversation or above moves most, either way (the summary
        shown before publishing); forces that moved not at all are left out."""
        moved = [area for area in self.forces if area.conversation_change]
        return sorted(moved, key=lambda area: (-abs(area.conversation_change), area.name))[:limit]


def _rank(areas: list[AreaImpact], shares: str) -> dict[str, int]:
    """1 for the highest share at conversation or above; forces nobody engaged with unranked."""
    scored = [
        (area.share_from(getattr(area, shares)), area.key)
        for area in areas
        if area.share_from(getattr(area, shares)) is not None
    ]
    ordered = sorted(scored, key=lambda pair: (-pair[0], pair[1]))
    return {key: place for place, (_, key) in enumerate(ordered, start=1)}


def impact_of(
    forces: list[tuple[str, str, Counts, Counts]], *, national_name: str = "England and Wales"
) -> Impact:
    """The impact for (slug, name, counts before, counts after) of every force."""
    areas = [AreaImpact(slug, name, before, after) for slug, name, before, after in forces]
    national = AreaImpact(
        "",
        national_name,
        {p: sum(a.before.get(p) or 0 for a in areas) for p in ENGAGED},
        {p: sum(a.after.get(p) or 0 for a in areas) for p in ENGAGED},
    )
    ranks_before, ranks_after = _rank(areas, "before_shares"), _rank(areas, "after_shares")
    for area in areas:
        area.rank_before, area.rank_after = ranks_before.get(area.key), ranks_after.get(area.key)
    moved = sorted(areas, key=lambda area: (-area.movement, area.name))
    rank_movers = sorted(
        (area for area in areas if area.rank_change),
        key=lambda area: (-abs(area.rank_change), area.name),
    )
    return Impact(national=national, forces=moved, rank_movers=rank_movers)
