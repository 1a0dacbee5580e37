"""What a new version changes in the ladder, as sentences an admin can read before publishing.

The debate about one shared definition is about particulars (this kind belongs one rung higher,
that rung means something else here), so the impact preview starts with the particulars: each
renamed rung, each kind moved, added or removed, and each lasting or ending rule changed. Plain
data in, plain data out: the same comparison serves the shared definition and a local lens.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from engagement.definitions.rules import KindRule


@dataclass(frozen=True)
class RungSpec:
    position: int
    slug: str
    name: str


@dataclass(frozen=True)
class LadderSpec:
    """Everything about a version that decides its figures and how they are labelled."""

    rungs: tuple[RungSpec, ...]
    kinds: tuple[KindRule, ...]

    def fingerprint(self) -> str:
        """A short hash of the ladder: two versions with the same fingerprint count alike.

        The impact preview keeps the fingerprint of the draft it was computed under, so it can
        tell when the draft has changed since.
        """
        data = {
            "rungs": [asdict(rung) for rung in sorted(self.rungs, key=lambda r: r.position)],
            "kinds": [asdict(kind) for kind in sorted(self.kinds, key=lambda k: k.slug)],
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


class ChangeKind:
    RUNG_RENAMED = "rung renamed"
    KIND_MOVED = "kind moved"
    KIND_ADDED = "kind added"
    KIND_REMOVED = "kind removed"
    LASTING = "lasting rule"
    ENDING = "ending rule"


@dataclass(frozen=True)
class Change:
    kind: str  # one of ChangeKind
    text: str


def _rung_label(position: int | None, names: dict[int, str]) -> str:
    if position is None:
        return "no rung"
    return f"rung {position} {names.get(position, '')}".rstrip()


def _where(kind: KindRule, names: dict[int, str]) -> str:
    text = _rung_label(kind.rung_position, names)
    if kind.lasting:
        text += f", lasting until '{kind.ended_by}'" if kind.ended_by else ", lasting"
    return text


def ladder_changes(before: LadderSpec, after: LadderSpec) -> list[Change]:
    """Every difference between two versions, rungs first, then kinds in slug order."""
    changes: list[Change] = []
    old_rungs = {rung.position: rung for rung in before.rungs}
    new_rungs = {rung.position: rung for rung in after.rungs}
    for position in sorted(old_rungs.keys() & new_rungs.keys()):
        old, new = old_rungs[position], new_rungs[position]
        if (old.name, old.slug) != (new.name, new.slug):
            slugs = f" (slug '{old.slug}' → '{new.slug}')" if old.slug != new.slug else ""
            changes.append(
                Change(
                    ChangeKind.RUNG_RENAMED,
                    f"Rung {position} renamed: “{old.name}” → “{new.name}”{slugs}.",
                )
            )
    old_names = {p: rung.name for p, rung in old_rungs.items()}
    new_names = {p: rung.name for p, rung in new_rungs.items()}
    old_kinds = {kind.slug: kind for kind in before.kinds}
    new_kinds = {kind.slug: kind for kind in after.kinds}
    for slug in sorted(old_kinds.keys() | new_kinds.keys()):
        old, new = old_kinds.get(slug), new_kinds.get(slug)
        if old is None:
            changes.append(
                Change(ChangeKind.KIND_ADDED, f"Kind '{slug}' added, at {_where(new, new_names)}.")
            )
        elif new is None:
            changes.append(
                Change(
                    ChangeKind.KIND_REMOVED,
                    f"Kind '{slug}' removed (it was at {_where(old, old_names)}): its "
                    "interactions no longer count.",
                )
            )
        else:
            changes += _kind_changes(old, new, old_names, new_names)
    return changes


def _kind_changes(
    old: KindRule, new: KindRule, old_names: dict[int, str], new_names: dict[int, str]
) -> list[Change]:
    changes = []
    if old.rung_position != new.rung_position:
        changes.append(
            Change(
                ChangeKind.KIND_MOVED,
                f"Kind '{new.slug}' moved from {_rung_label(old.rung_position, old_names)} "
                f"to {_rung_label(new.rung_position, new_names)}.",
            )
        )
    if old.lasting != new.lasting:
        text = (
            f"Kind '{new.slug}' is now lasting: a state open until '{new.ended_by}'."
            if new.lasting
            else f"Kind '{new.slug}' is no longer lasting: each one counts in its own month."
        )
        changes.append(Change(ChangeKind.LASTING, text))
    elif old.lasting and old.ended_by != new.ended_by:
        changes.append(
            Change(
                ChangeKind.ENDING,
                f"Kind '{new.slug}' is now ended by '{new.ended_by}' instead of '{old.ended_by}'.",
            )
        )
    return changes
