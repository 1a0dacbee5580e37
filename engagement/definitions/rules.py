"""The rules a ladder must keep, on plain data, so that any source (the admin, a JSON file) is
checked the same way before a version can be published."""

from __future__ import annotations

from dataclasses import dataclass

RUNG_POSITIONS = tuple(range(7))


class DefinitionInvalid(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class KindRule:
    """How one interaction kind counts under a definition version."""

    slug: str
    rung_position: int | None
    lasting: bool
    ended_by: str


def ladder_problems(*, rungs: list[tuple[int, str]], kinds: list[KindRule]) -> list[str]:
    """The rules a ladder must keep, on plain data so any source (admin, JSON) can be checked."""
    problems: list[str] = []
    positions = [position for position, _ in rungs]
    if sorted(positions) != list(RUNG_POSITIONS):
        problems.append(
            "Rungs must be exactly positions 0 to 6, one each, in order; this draft has "
            f"{', '.join(map(str, sorted(positions))) or 'none'}."
        )
    problems += [f"Two rungs share the slug '{slug}'." for slug in _repeated(s for _, s in rungs)]
    kind_slugs = [kind.slug for kind in kinds]
    problems += [f"Two kinds share the slug '{slug}'." for slug in _repeated(kind_slugs)]
    ending_kinds = {kind.ended_by for kind in kinds if kind.lasting and kind.ended_by}
    for kind in sorted(kinds, key=lambda k: k.slug):
        if kind.lasting and not kind.ended_by:
            problems.append(f"Kind '{kind.slug}' is lasting but names no kind that ends it.")
        if kind.ended_by and kind.ended_by not in kind_slugs:
            problems.append(
                f"Kind '{kind.slug}' is ended by '{kind.ended_by}', which is not a kind "
                "of this definition."
            )
        if kind.ended_by and not kind.lasting:
            problems.append(f"Kind '{kind.slug}' names an ending kind but is not lasting.")
        if kind.rung_position is None and kind.slug not in ending_kinds:
            problems.append(
                f"Kind '{kind.slug}' reaches no rung but is not the ending kind of a lasting kind."
            )
        if kind.rung_position == 0:
            problems.append(f"Kind '{kind.slug}' is mapped to rung 0 (none), which counts nobody.")
    if not kinds:
        problems.append("The definition has no interaction kinds.")
    return problems


def _repeated(values) -> list[str]:
    values = list(values)
    return sorted({value for value in values if values.count(value) > 1})
