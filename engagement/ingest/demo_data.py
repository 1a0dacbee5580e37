"""Believable, synthetic demo data for all 43 forces, written through the ordinary imports.

Each force gets main accounts on two or three platforms, neighbourhood team accounts (more for
bigger forces) and offline programmes: meetings for everyone, volunteers and panels only where the
force's shape has those routes. Volumes follow the force area's population. Most citizens stay
on the lower rungs; a few climb over the months. Forces differ in shape: how many people talk
back (Conversation), how many pass messages on (Activist) or come to meetings (Participation),
and whether the Volunteer and Co-Designer routes are open at all.

Everything comes from one `random.Random(seed)`, in a fixed order, so a seed gives the same data
every time; external ids are derived from the seed, so generating twice imports nothing new.
Citizens' identifiers are invented (`demo-kent-000123`, `vol-kent-00012`).
"""

from __future__ import annotations

import calendar
import csv
import io
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from engagement.ingest.channels import import_channels
from engagement.ingest.interactions import import_interaction_rows
from engagement.ingest.routes import import_routes
from engagement.ingest.rows import ImportRequest, ImportResult, Row
from engagement.ladder.periods import local_month_of, month_of_index
from engagement.models import ImportBatch
from forces.models import Force

MAIN_PLATFORMS = ("twitter", "facebook", "instagram", "youtube", "tiktok")
TEAM_PLATFORMS = ("twitter", "facebook", "nextdoor")
TEAM_AREAS = ("north", "south", "east", "west", "central", "city", "rural", "coast")
PASSIVE_KINDS = (("view", 0.55), ("follow", 0.33), ("subscribe", 0.12))
CONVERSATION_KINDS = ("like", "like", "reply", "mention", "message")
SHARED_HANDLES = 500  # people who follow several forces: one citizen, counted in each


@dataclass(frozen=True)
class ForceShape:
    """How a force's public spreads, as shares of its online (or offline) citizens."""

    conversation: float
    activist: float
    meetings: float
    volunteers: bool
    panels: bool


@dataclass(frozen=True)
class DemoChannel:
    slug: str
    platform: str
    name: str
    team: str
    weight: int


@dataclass
class DemoForce:
    slug: str
    name: str
    share: float
    shape: ForceShape
    channels: list[DemoChannel]

    def online(self) -> list[DemoChannel]:
        return [channel for channel in self.channels if channel.platform != "offline"]

    def offline(self, slug: str) -> DemoChannel | None:
        return next((c for c in self.channels if c.slug == f"offline-{slug}"), None)


def plan_forces(forces: list[tuple[str, str, int | None]], rng: random.Random) -> list[DemoForce]:
    """A shape and channels for each (slug, name, population), in the order given."""
    known = [population for _, _, population in forces if population]
    median = sorted(known)[len(known) // 2] if known else 1_000_000
    # Every force gets at least a quarter of an equal share, so the smallest still has a public.
    floor = sum(known or [median]) // max(len(forces), 1) // 4
    total = sum(max(population or median, floor) for _, _, population in forces)
    planned = []
    for slug, name, population in forces:
        size = max(population or median, floor)
        shape = ForceShape(
            conversation=rng.choice((0.04, 0.08, 0.12, 0.2, 0.35)),
            activist=rng.uniform(0.005, 0.04),
            meetings=rng.uniform(0.01, 0.05),
            volunteers=rng.random() < 0.3,
            panels=rng.random() < 0.2,
        )
        channels = [
            DemoChannel(f"{platform}-main", platform, f"{name} on {platform}", "", 6)
            for platform in rng.sample(MAIN_PLATFORMS, rng.choice((2, 2, 3)))
        ]
        for area in TEAM_AREAS[: min(len(TEAM_AREAS), 1 + size // 400_000)]:
            platform = rng.choice(TEAM_PLATFORMS)
            team = f"{area.title()} neighbourhood policing team"
            channels.append(DemoChannel(f"{platform}-{area}", platform, f"{name} {team}", team, 1))
        channels.append(
            DemoChannel("offline-meetings", "offline", f"{name} public meetings", "", 0)
        )
        if shape.volunteers:
            channels.append(
                DemoChannel("offline-volunteers", "offline", f"{name} volunteers", "", 0)
            )
        if shape.panels:
            channels.append(
                DemoChannel("offline-panels", "offline", f"{name} community panels", "", 0)
            )
        planned.append(DemoForce(slug, name, size / total, shape, channels))
    return planned


def channels_csv(planned: list[DemoForce]) -> bytes:
    """The channels of the plan as an import_channels file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["force", "channel", "platform", "name", "team"])
    for force in planned:
        for channel in force.channels:
            writer.writerow(
                [force.slug, channel.slug, channel.platform, channel.name, channel.team]
            )
    return out.getvalue().encode()


class _Clock:
    """Instants in the demo's months, as the ISO 8601 text an import reads."""

    def __init__(self, first_month: int, last_month: int, rng: random.Random):
        self.rng = rng
        self.first = first_month
        self.last = last_month
        year, month = month_of_index(last_month)
        last_day = calendar.monthrange(year, month)[1]
        self.start = self._epoch(first_month)
        self.end = datetime(year, month, last_day, 21, 59, tzinfo=UTC).timestamp()

    @staticmethod
    def _epoch(index: int) -> float:
        year, month = month_of_index(index)
        return datetime(year, month, 1, 7, tzinfo=UTC).timestamp()

    def anytime(self) -> float:
        return self.rng.uniform(self.start, self.end)

    def after(self, instant: float) -> float:
        return min(self.end, instant + self.rng.expovariate(1 / (20 * 86400)))

    @staticmethod
    def text(instant: float) -> str:
        return datetime.fromtimestamp(int(instant), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def interaction_rows(
    planned: list[DemoForce],
    *,
    total: int,
    first_month: int,
    last_month: int,
    seed: int,
    rng: random.Random,
) -> Iterator[dict[str, str]]:
    """`total` interactions shared among the forces by population, as import rows."""
    counts = [int(total * force.share) for force in planned]
    counts[max(range(len(planned)), key=lambda i: planned[i].share)] += total - sum(counts)
    clock = _Clock(first_month, last_month, rng)
    serial = 0
    for force, count in zip(planned, counts, strict=True):
        emitted = 0
        citizen = 0
        while emitted < count:
            citizen += 1
            for channel, handle, kind, instant in _citizen_story(force, citizen, clock, rng):
                if emitted == count:
                    break
                serial += 1
                emitted += 1
                yield {
                    "force": force.slug,
                    "channel": channel.slug,
                    "citizen": handle,
                    "kind": kind,
                    "occurred_at": clock.text(instant),
                    "external_id": f"demo{seed}-{serial}",
                }


def _citizen_story(
    force: DemoForce, number: int, clock: _Clock, rng: random.Random
) -> Iterator[tuple[DemoChannel, str, str, float]]:
    """One citizen's interactions in time order: most stay passive, a few climb."""
    shape = force.shape
    draw = rng.random()
    volunteers, panels = force.offline("volunteers"), force.offline("panels")
    if draw < shape.meetings:
        yield from _offline_story(force, number, clock, rng, volunteers, panels)
        return
    online = force.online()
    channel = rng.choices(online, weights=[c.weight for c in online])[0]
    if rng.random() < 0.02:
        handle = f"demo-shared-{rng.randrange(SHARED_HANDLES):04d}"
    else:
        handle = f"demo-{force.slug}-{number:06d}"
    climb = rng.random()
    top = 1
    if climb < shape.activist:
        top = 4
    elif climb < shape.activist + shape.conversation:
        top = 2
    instant = clock.anytime()
    kinds = [_passive_kind(rng) for _ in range(1 + int(rng.expovariate(0.6)))]
    if top >= 2:
        kinds += [rng.choice(CONVERSATION_KINDS) for _ in range(1 + int(rng.expovariate(0.5)))]
    if top == 4:
        kinds += ["share"] * (1 + int(rng.expovariate(0.8)))
    if "follow" in kinds and rng.random() < 0.08:
        kinds.append("unfollow")
    for kind in kinds:
        yield channel, handle, kind, instant
        instant = clock.after(instant)


def _offline_story(force, number, clock, rng, volunteers, panels):
    """Meetings first; where the routes exist, some go on to volunteer or co-design."""
    handle = f"member-{force.slug}-{number:06d}"
    meetings = force.offline("meetings")
    instant = clock.anytime()
    for _ in range(1 + int(rng.expovariate(0.7))):
        yield meetings, handle, "attend", instant
        instant = clock.after(instant)
    if rng.random() < 0.1:
        yield meetings, handle, "campaign", instant
        instant = clock.after(instant)
    step = rng.random()
    if volunteers and step < 0.25:
        for _ in range(1 + int(rng.expovariate(0.4))):
            yield volunteers, handle, "volunteer", instant
            instant = clock.after(instant)
    elif panels and step < 0.4:
        for _ in range(1 + int(rng.expovariate(0.5))):
            yield panels, handle, "co-design", instant
            instant = clock.after(instant)


def _passive_kind(rng: random.Random) -> str:
    return rng.choices([k for k, _ in PASSIVE_KINDS], weights=[w for _, w in PASSIVE_KINDS])[0]


@dataclass(frozen=True)
class DemoResult:
    channels: ImportResult
    interactions: ImportResult
    first_month: int
    last_month: int
    routes: ImportResult | None = None


def _first_day(month: int) -> str:
    year, number = month_of_index(month)
    return f"{year:04d}-{number:02d}-01"


def _last_day(month: int) -> str:
    year, number = month_of_index(month)
    return f"{year:04d}-{number:02d}-{calendar.monthrange(year, number)[1]:02d}"


def routes_csv(planned: list[DemoForce], *, first_month: int, last_month: int, seed: int) -> bytes:
    """The routes each force offers, as an import_routes file: public meetings (Participation)
    everywhere; a Special Constabulary intake (Volunteer) in most forces, some recorded on no
    channel and some closed months before the end while volunteers are still counted; an
    independent advisory group (Co-Designer) where the force has panels, and in a few forces
    on its meetings, where nobody reaches Co-Designer (offered, not taken).

    From a generator of its own, so the interactions stay those of the seed.
    """
    rng = random.Random(f"routes-{seed}")  # noqa: S311 -- demo data, not secrets
    opens, last = _first_day(first_month), _last_day(last_month)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["force", "rung_position", "name", "channel", "url", "opens_on", "closes_on"])
    for force in planned:
        site = f"https://www.example.org/{force.slug}"
        writer.writerow(
            [force.slug, 3, "Public meetings", "offline-meetings", f"{site}/meetings", opens, ""]
        )
        volunteers = force.offline("volunteers")
        if volunteers is not None:
            closes = _last_day(max(first_month, last_month - 4)) if rng.random() < 0.3 else ""
            row = [5, "Special Constabulary intake", volunteers.slug, f"{site}/specials"]
            writer.writerow([force.slug, *row, opens, closes])
        elif rng.random() < 0.5:
            row = [5, "Special Constabulary intake", "", f"{site}/specials", opens, ""]
            writer.writerow([force.slug, *row])
        if force.offline("panels") is not None:
            row = [6, "Independent advisory group", "offline-panels", f"{site}/iag", opens, ""]
            writer.writerow([force.slug, *row])
        elif rng.random() < 0.25:
            start = _first_day(max(first_month, last_month - 5))
            row = [6, "Independent advisory group", "offline-meetings", f"{site}/iag", start, last]
            writer.writerow([force.slug, *row])
    return out.getvalue().encode()


def generate_demo(
    *,
    interactions: int = 60_000,
    months: int = 18,
    seed: int = 1,
    progress: Callable[[Iterator[Row]], Iterator[Row]] | None = None,
) -> DemoResult:
    """Plan, then import through the ordinary paths: channels first, then the interactions,
    then the routes each force offers.

    The months end with the last whole Europe/London month before today.
    """
    if interactions < 0 or months < 1:
        raise ValueError("interactions must be 0 or more and months 1 or more")
    rng = random.Random(seed)  # noqa: S311 -- demo data, not secrets
    forces = list(Force.objects.order_by("slug").values_list("slug", "name", "population"))
    planned = plan_forces(forces, rng)
    channels = import_channels(
        source=io.BytesIO(channels_csv(planned)),
        request=ImportRequest(
            filename=f"demo channels (seed {seed})", origin=ImportBatch.Source.DEMO
        ),
    )
    last_month = local_month_of(timezone.now()) - 1
    first_month = last_month - months + 1
    rows = interaction_rows(
        planned,
        total=interactions,
        first_month=first_month,
        last_month=last_month,
        seed=seed,
        rng=rng,
    )
    result = import_interaction_rows(
        rows=progress(rows) if progress else rows,
        request=ImportRequest(
            filename=f"demo interactions (seed {seed})", origin=ImportBatch.Source.DEMO
        ),
        where="row",
    )
    routes = import_routes(
        source=io.BytesIO(
            routes_csv(planned, first_month=first_month, last_month=last_month, seed=seed)
        ),
        request=ImportRequest(
            filename=f"demo routes (seed {seed})", origin=ImportBatch.Source.DEMO
        ),
    )
    return DemoResult(channels, result, first_month, last_month, routes)
