"""Linked identities: a force records, with consent, that two identifiers are one person.

The rules (LADDER.md, "Linked identities"), as this module keeps them:

- A link names two identifiers, each a platform and an identifier on it; both are normalised and
  pseudonymised as citizens are (engagement.ingest.pseudonyms), so the raw identifiers are never
  stored, logged or repeated in a problem. An identifier with no interactions still gets a citizen
  row: it counts for nothing itself but joins a chain (A-X and X-B make A and B one person).
- A link is an unordered pair held in one force: stored with the lower citizen id first, so the
  same two identifiers in either order are one link; a repeat, or a link whose `external_id` its
  force already holds, is a duplicate and skipped. A link of an identifier to itself is kept as a
  consent record and changes nobody's person.
- Links are transitive. The person table (LinkedCitizen) holds, per force, the person of every
  identifier linked to another: the lowest citizen id of its group. It is rebuilt for a force
  whenever the force's links change (here, and on erasure), so counting joins a table and never
  walks the links.
- "A link is a change of two citizens' person": when a force's persons change, every month in
  which a member of a group that changed (before or after) has interactions in that force is
  marked stale, so the next incremental recompute recounts exactly what a full one would.
- Withdrawing consent deletes the link, whichever order the identifiers are given in. A
  withdrawal naming a link its force does not hold is reported by line and changes nothing; the
  other lines are withdrawn.

Every door (the commands, the upload page, the API) goes through `import_links` /
`import_link_rows` and `withdraw_links` / `withdraw_link_rows`: all or nothing, problems by line
or index, a force data manager for their own forces only, every link recorded or withdrawn in
the audit log with its force and platforms, never an identifier.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.models import AuditEntry
from audit.recording import record
from engagement.ingest.interactions import EARLIEST, FUTURE_TOLERANCE, parse_occurred_at
from engagement.ingest.pseudonyms import Pseudonymiser, normalise
from engagement.ingest.rows import (
    DEFAULT_REQUEST,
    Column,
    ImportRequest,
    ImportResult,
    Problems,
    Row,
    checked_row,
    csv_rows,
    import_service,
    record_batch,
    record_result,
    reject_if_problems,
)
from engagement.models import (
    Citizen,
    ImportBatch,
    Interaction,
    Link,
    LinkedCitizen,
    StaleCitizen,
    StaleMonth,
)
from forces.models import Force, Platform

LINK_COLUMNS = (
    Column("force", 64),
    Column("platform", 16),
    Column("citizen", 500),
    Column("linked_platform", 16),
    Column("linked_citizen", 500),
    Column("consented_at", 64, required=False),
    Column("external_id", 200, required=False),
)


# ---------------------------------------------------------------------------------------------
# Reading and checking rows (the same for a link and a withdrawal).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkRow:
    """One checked row: the force and the two identifiers as (platform, pseudonym)."""

    position: int
    force_id: int
    force: str
    one: tuple[str, bytes]
    other: tuple[str, bytes]
    consented_at: datetime | None
    external_id: str | None

    @property
    def pair(self) -> frozenset[bytes]:
        """The link as an unordered pair of pseudonyms (one element for a self link)."""
        return frozenset((self.one[1], self.other[1]))


def _checked_links(
    rows: Iterable[tuple[int, Row | None]], problems: Problems, request: ImportRequest
) -> tuple[list[LinkRow], int]:
    """Every row checked (problems collected) and pseudonymised; also the count of rows read."""
    forces = dict(Force.objects.values_list("slug", "pk"))
    pseudonymise = Pseudonymiser()
    latest = timezone.now() + FUTURE_TOLERANCE
    checked: list[LinkRow] = []
    rows_read = 0
    for position, raw in rows:
        rows_read += 1
        row = checked_row(position, raw, columns=LINK_COLUMNS, problems=problems)
        if row is None:
            continue
        before = problems.count
        force = row["force"].strip()
        if wrong_force := request.force_problem(force, forces):
            problems.add(position, "force", wrong_force)
        sides = []
        for platform_column, citizen_column in (
            ("platform", "citizen"),
            ("linked_platform", "linked_citizen"),
        ):
            platform = row[platform_column].strip()
            if platform not in Platform.values:
                problems.add(
                    position,
                    platform_column,
                    f"is not a platform (one of {', '.join(Platform.values)})",
                )
            if not normalise(row[citizen_column]):
                problems.add(position, citizen_column, "is empty")
            sides.append((platform, row[citizen_column]))
        consented_at = None
        if row["consented_at"].strip():
            try:
                consented_at = parse_occurred_at(row["consented_at"].strip())
            except ValueError as error:
                problems.add(position, "consented_at", str(error))
            else:
                if not EARLIEST <= consented_at <= latest:
                    problems.add(position, "consented_at", "is before 2000 or in the future")
        if problems.count != before:
            continue
        (platform, identifier), (linked_platform, linked_identifier) = sides
        checked.append(
            LinkRow(
                position=position,
                force_id=forces[force],
                force=force,
                one=(platform, pseudonymise(platform, identifier)),
                other=(linked_platform, pseudonymise(linked_platform, linked_identifier)),
                consented_at=consented_at,
                external_id=row["external_id"].strip() or None,
            )
        )
    return checked, rows_read


def _all_checked(
    rows: Iterable[tuple[int, Row | None]], problems: Problems, request: ImportRequest, *, kind
) -> tuple[list[LinkRow], int]:
    """Every row checked, and the count read; on any problem the import is recorded as rejected
    and ImportRejected raised, before anything is written."""
    checked, rows_read = _checked_links(rows, problems, request)
    reject_if_problems(problems, kind=kind, rows_read=rows_read, request=request)
    return checked, rows_read


def _csv_links(
    source: IO[bytes], request: ImportRequest
) -> tuple[Iterable[tuple[int, Row | None]], Problems]:
    """A links CSV's rows by line, and the problems its reading finds (recording a link and
    withdrawing one read the same file)."""
    problems = Problems("line")
    rows = csv_rows(source, columns=LINK_COLUMNS, problems=problems, progress=request.progress)
    return rows, problems


def _citizen_ids(pseudonyms: Collection[bytes]) -> dict[bytes, int]:
    """The citizen id of each pseudonym held (in batches: an import may name thousands)."""
    held: dict[bytes, int] = {}
    names = list(pseudonyms)
    for start in range(0, len(names), 5000):
        batch = Citizen.objects.filter(pseudonym__in=names[start : start + 5000])
        # bytes, not the memoryview PostgreSQL's driver gives, so that they compare as keys.
        held.update((bytes(name), pk) for name, pk in batch.values_list("pseudonym", "pk"))
    return held


def _ordered(one: int, other: int) -> tuple[int, int]:
    return (one, other) if one <= other else (other, one)


# ---------------------------------------------------------------------------------------------
# The person table, and the months a change of persons makes stale.
# ---------------------------------------------------------------------------------------------


def persons_of(pairs: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Each citizen joined to another by `pairs` (directly or through others) -> the lowest
    citizen id of its group: union-find over the links, the groups' transitive closure."""
    parent: dict[int, int] = {}

    def root(citizen: int) -> int:
        parent.setdefault(citizen, citizen)
        while parent[citizen] != citizen:
            parent[citizen] = parent[parent[citizen]]
            citizen = parent[citizen]
        return citizen

    for one, other in pairs:
        if one == other:
            continue
        first, second = root(one), root(other)
        if first != second:
            parent[max(first, second)] = min(first, second)
    return {citizen: root(citizen) for citizen in parent}


def _groups(persons: dict[int, int]) -> dict[int, set[int]]:
    groups: dict[int, set[int]] = {}
    for citizen, person in persons.items():
        groups.setdefault(person, set()).add(citizen)
    return groups


def _lock_forces(force_ids: Iterable[int]) -> list[int]:
    """Lock the forces' rows (in id order) for the transaction: one change of a force's links
    at a time, so two imports never rebuild one person table at once."""
    return list(
        Force.objects.select_for_update()
        .filter(pk__in=set(force_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def relink(*, force_ids: Iterable[int]) -> int:
    """Rebuild the person table of `force_ids` from their links, and mark stale every month in
    which a member of a group that changed has interactions in its force. Returns the
    force-months marked. Call inside the transaction that changed the links."""
    marked = 0
    now = timezone.now()
    for force_id in _lock_forces(force_ids):
        held = LinkedCitizen.objects.filter(force_id=force_id)
        before = dict(held.values_list("citizen_id", "person"))
        links = Link.objects.filter(force_id=force_id).exclude(citizen=F("linked_citizen"))
        after = persons_of(links.values_list("citizen_id", "linked_citizen_id"))
        changed = {
            citizen
            for citizen in before.keys() | after.keys()
            if before.get(citizen, citizen) != after.get(citizen, citizen)
        }
        if not changed:
            continue
        held.delete()
        LinkedCitizen.objects.bulk_create(
            LinkedCitizen(force_id=force_id, citizen_id=citizen, person=person)
            for citizen, person in after.items()
        )
        old_groups, new_groups = _groups(before), _groups(after)
        touched: set[int] = set()
        for citizen in changed:
            touched |= old_groups.get(before.get(citizen, citizen), {citizen})
            touched |= new_groups.get(after.get(citizen, citizen), {citizen})
        marked += _mark_stale(force_id, touched, now)
    return marked


def _mark_stale(force_id: int, citizens: set[int], now: datetime) -> int:
    """Mark stale the force's months in which any of `citizens` has interactions."""
    months: set[int] = set()
    ids = sorted(citizens)
    for start in range(0, len(ids), 5000):
        months.update(
            Interaction.objects.filter(force_id=force_id, citizen_id__in=ids[start : start + 5000])
            .values_list("local_month", flat=True)
            .distinct()
        )
    StaleMonth.objects.bulk_create(
        [StaleMonth(force_id=force_id, local_month=month, marked_at=now) for month in months],
        update_conflicts=True,
        unique_fields=["force", "local_month"],
        update_fields=["marked_at"],
    )
    StaleCitizen.objects.mark_recount(force_id=force_id, months=months)
    return len(months)


def _audit(action: str, link: Link, platforms: tuple[str, str], request: ImportRequest) -> None:
    """One audit entry per link recorded or withdrawn: force, platforms, door; no identifier."""
    changes = {"force": link.force_id, "platforms": sorted(platforms), "door": request.origin}
    if link.consented_at is not None:
        changes["consented_at"] = link.consented_at.isoformat()
    record(action=action, subject=link, changes=changes, actor=request.user)


# ---------------------------------------------------------------------------------------------
# Recording links.
# ---------------------------------------------------------------------------------------------


@import_service
def import_links(*, source: IO[bytes], request: ImportRequest = DEFAULT_REQUEST) -> ImportResult:
    """Import a links CSV (see LADDER.md): all new links, or none and ImportRejected."""
    return _record_links(*_csv_links(source, request), request)


@import_service
def import_link_rows(
    *, rows: Iterable[Row], request: ImportRequest, where: str = "index"
) -> ImportResult:
    """Import link objects with the links CSV's fields (the API); problems by index (0 first)."""
    return _record_links(enumerate(rows), Problems(where), request)


def _record_links(
    rows: Iterable[tuple[int, Row | None]], problems: Problems, request: ImportRequest
) -> ImportResult:
    kind = ImportBatch.Kind.LINKS
    checked, rows_read = _all_checked(rows, problems, request, kind=kind)
    with transaction.atomic():
        _lock_forces(row.force_id for row in checked)
        new = _new_links(checked)
        result = ImportResult(
            rows_read=rows_read,
            created=len(new),
            duplicates=rows_read - len(new),
            dry_run=request.dry_run,
        )
        if not request.dry_run:
            _write_links(new, request)
        record_result(result, kind=kind, request=request)
    return result


def _new_links(checked: list[LinkRow]) -> list[LinkRow]:
    """The rows that are not duplicates: of a link held in their force (either order), of an
    earlier row, or of an external_id their force holds or an earlier row gave."""
    held_ids = _citizen_ids({pseudonym for row in checked for pseudonym in row.pair})
    force_ids = {row.force_id for row in checked}
    held_pairs = set(
        Link.objects.filter(force_id__in=force_ids).values_list(
            "force_id", "citizen_id", "linked_citizen_id"
        )
    )
    held_external = set(
        Link.objects.filter(force_id__in=force_ids, external_id__isnull=False).values_list(
            "force_id", "external_id"
        )
    )
    seen_pairs: set[tuple[int, frozenset[bytes]]] = set()
    new = []
    for row in checked:
        external = (row.force_id, row.external_id)
        if row.external_id is not None and external in held_external:
            continue
        if (row.force_id, row.pair) in seen_pairs:
            continue
        one, other = held_ids.get(row.one[1]), held_ids.get(row.other[1])
        if one and other and (row.force_id, *_ordered(one, other)) in held_pairs:
            continue
        seen_pairs.add((row.force_id, row.pair))
        if row.external_id is not None:
            held_external.add(external)
        new.append(row)
    return new


def _write_links(new: list[LinkRow], request: ImportRequest) -> None:
    """Citizens upserted for identifiers not held yet, the links written and audited, and the
    persons of their forces rebuilt."""
    platforms = {side[1]: side[0] for row in new for side in (row.one, row.other)}
    Citizen.objects.bulk_create(
        [Citizen(platform=platform, pseudonym=name) for name, platform in platforms.items()],
        ignore_conflicts=True,
    )
    ids = _citizen_ids(platforms.keys())
    user = request.user if request.user is not None and request.user.is_authenticated else None
    links = Link.objects.bulk_create(
        Link(
            force_id=row.force_id,
            citizen_id=min(ids[row.one[1]], ids[row.other[1]]),
            linked_citizen_id=max(ids[row.one[1]], ids[row.other[1]]),
            consented_at=row.consented_at,
            recorded_by=user,
            source=request.origin,
            external_id=row.external_id,
        )
        for row in new
    )
    for row, link in zip(new, links, strict=True):
        _audit(AuditEntry.Action.LINKED, link, (row.one[0], row.other[0]), request)
    relink(force_ids={row.force_id for row in new})


# ---------------------------------------------------------------------------------------------
# Withdrawing links.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WithdrawalResult:
    rows_read: int
    withdrawn: int
    not_held: list[str] = field(default_factory=list)  # "line N: ..." for each link not held
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would be withdrawn" if self.dry_run else "withdrawn"
        text = (
            f"{self.rows_read} row(s) read, {self.withdrawn} link(s) {verb}, "
            f"{len(self.not_held)} not held (nothing to withdraw)"
        )
        return f"Dry run (nothing written): {text}" if self.dry_run else text

    def report_lines(self) -> Iterator[str]:
        yield from self.not_held


@import_service
def withdraw_links(
    *, source: IO[bytes], request: ImportRequest = DEFAULT_REQUEST
) -> WithdrawalResult:
    """Withdraw the links a links CSV names (consent withdrawn): each link held is deleted, in
    either order; one not held is reported by line and changes nothing. A problem with any row
    rejects the whole file (ImportRejected), nothing withdrawn."""
    return _withdraw(*_csv_links(source, request), request)


@import_service
def withdraw_link_rows(
    *, rows: Iterable[Row], request: ImportRequest, where: str = "index"
) -> WithdrawalResult:
    """Withdraw link objects with the links CSV's fields (the API); problems by index."""
    return _withdraw(enumerate(rows), Problems(where), request)


def _withdraw(
    rows: Iterable[tuple[int, Row | None]], problems: Problems, request: ImportRequest
) -> WithdrawalResult:
    kind = ImportBatch.Kind.LINK_WITHDRAWALS
    checked, rows_read = _all_checked(rows, problems, request, kind=kind)
    with transaction.atomic():
        _lock_forces(row.force_id for row in checked)
        ids = _citizen_ids({pseudonym for row in checked for pseudonym in row.pair})
        wanted: dict[tuple[int, int, int], LinkRow] = {}
        not_held = []
        for row in checked:
            one, other = ids.get(row.one[1]), ids.get(row.other[1])
            key = (row.force_id, *_ordered(one, other)) if one and other else None
            if key is None or key in wanted:
                not_held.append(row)
            else:
                wanted[key] = row
        held = _held_links(wanted.keys())
        not_held += [row for key, row in wanted.items() if key not in held]
        not_held.sort(key=lambda row: row.position)
        notes = [
            f"{problems.where} {row.position}: link: is not held in {row.force} "
            "(or named earlier); nothing to withdraw"
            for row in not_held
        ]
        result = WithdrawalResult(
            rows_read=rows_read, withdrawn=len(held), not_held=notes, dry_run=request.dry_run
        )
        if not request.dry_run and held:
            for key, link in held.items():
                row = wanted[key]
                _audit(AuditEntry.Action.UNLINKED, link, (row.one[0], row.other[0]), request)
            Link.objects.filter(pk__in=[link.pk for link in held.values()]).delete()
            relink(force_ids={link.force_id for link in held.values()})
        record_batch(
            kind=kind,
            origin=request.origin,
            filename=request.filename,
            user=request.user,
            status=ImportBatch.Status.DRY_RUN if request.dry_run else ImportBatch.Status.SUCCEEDED,
            rows_read=rows_read,
            created=result.withdrawn,
            duplicates=len(notes),
            problems=notes[:100],
        )
    return result


def _held_links(keys: Collection[tuple[int, int, int]]) -> dict[tuple[int, int, int], Link]:
    """The links held for (force, citizen, linked citizen) keys, locked for deletion."""
    held: dict[tuple[int, int, int], Link] = {}
    keys = list(keys)
    for start in range(0, len(keys), 1000):
        condition = Q()
        for force_id, citizen, linked in keys[start : start + 1000]:
            condition |= Q(force_id=force_id, citizen_id=citizen, linked_citizen_id=linked)
        for link in Link.objects.select_for_update().filter(condition):
            held[(link.force_id, link.citizen_id, link.linked_citizen_id)] = link
    return held


# ---------------------------------------------------------------------------------------------
# Erasure: a citizen's links go with them.
# ---------------------------------------------------------------------------------------------


def forces_linking(*, citizen: Citizen) -> set[int]:
    """The forces holding a link of `citizen` (their persons change when it is erased)."""
    return set(
        Link.objects.filter(Q(citizen=citizen) | Q(linked_citizen=citizen)).values_list(
            "force_id", flat=True
        )
    )


__all__ = [
    "LINK_COLUMNS",
    "WithdrawalResult",
    "forces_linking",
    "import_link_rows",
    "import_links",
    "persons_of",
    "relink",
    "withdraw_link_rows",
    "withdraw_links",
]
