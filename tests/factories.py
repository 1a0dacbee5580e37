"""Test data. Forces and definition v1 come from the migrations; everything else from here."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from engagement.ladder.periods import local_month_of
from engagement.models import (
    Citizen,
    DefinitionStatus,
    Distribution,
    DistributionSnapshot,
    EngagementDefinition,
    Interaction,
    PeriodType,
    RecomputeRun,
    Scope,
)
from forces.models import Channel, Force, ForceMembership, Platform
from reports.models import SavedReport


def add_roles(user, names: list[str] | None) -> None:
    if names:
        user.groups.add(*(Group.objects.get(name=name) for name in names))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password")

    # roles=["Analysts", ...]: the groups (engagement.roles) the user is put in.
    roles = factory.PostGeneration(lambda user, create, names, **kw: add_roles(user, names))

    @factory.post_generation
    def forces(self, create, extracted, **kwargs):
        """forces=["kent", ...]: the forces the user is attached to (ForceMembership)."""
        for slug in extracted or ():
            ForceMembership.objects.create(user=self, force=Force.objects.get(slug=slug))


class AnalystFactory(UserFactory):
    """A signed-in reader: the Analysts group, no staff flag."""

    roles = factory.PostGeneration(
        lambda user, create, names, **kw: add_roles(user, names or ["Analysts"])
    )


class StaffFactory(UserFactory):
    """A superuser (every permission), with the staff flag to open the admin."""

    is_staff = True
    is_superuser = True


class ForceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Force

    slug = factory.Sequence(lambda n: f"test-force-{n}")
    name = factory.Sequence(lambda n: f"Test Force {n}")
    region = "Test Region"
    country = "England"
    population = 1000
    population_year = 2011
    population_source = "test"


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    force = factory.SubFactory(ForceFactory)
    slug = factory.Sequence(lambda n: f"channel-{n}")
    platform = Platform.TWITTER
    name = factory.LazyAttribute(lambda c: f"{c.force.name} {c.slug}")


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citizen

    platform = Platform.TWITTER
    pseudonym = factory.Sequence(lambda n: n.to_bytes(32, "big"))


class InteractionFactory(factory.django.DjangoModelFactory):
    """An interaction as an import would store it (local_month derived from occurred_at)."""

    class Meta:
        model = Interaction

    channel = factory.SubFactory(ChannelFactory)
    force = factory.SelfAttribute("channel.force")
    citizen = factory.SubFactory(CitizenFactory)
    kind = "view"
    occurred_at = factory.Faker("date_time_this_year", tzinfo=__import__("datetime").UTC)
    local_month = factory.LazyAttribute(lambda i: local_month_of(i.occurred_at))
    external_id = None


def current_definition() -> EngagementDefinition:
    return EngagementDefinition.objects.get(status=DefinitionStatus.PUBLISHED)


class RecomputeRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecomputeRun

    definition = factory.LazyFunction(current_definition)
    mode = RecomputeRun.Mode.FULL
    status = RecomputeRun.Status.SUCCEEDED


class SnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DistributionSnapshot

    run = factory.SubFactory(RecomputeRunFactory)
    definition = factory.SelfAttribute("run.definition")
    is_current = True


class DistributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Distribution

    snapshot = factory.SubFactory(SnapshotFactory)
    period_type = PeriodType.MONTH
    period = "2026-04"
    period_start = factory.LazyFunction(lambda: __import__("datetime").date(2026, 4, 1))
    scope = Scope.FORCE
    force = factory.SubFactory(ForceFactory)
    channel = None
    rung_position = 1
    citizens = 10


# A small, realistic published data set for the read API, the exports and the report page.

DISTRIBUTION_PERIODS = [
    (PeriodType.MONTH, "2026-03", (2026, 3, 1)),
    (PeriodType.MONTH, "2026-04", (2026, 4, 1)),
    (PeriodType.MONTH, "2026-05", (2026, 5, 1)),
    (PeriodType.QUARTER, "2026-Q1", (2026, 1, 1)),
    (PeriodType.QUARTER, "2026-Q2", (2026, 4, 1)),
    (PeriodType.YEAR, "2026", (2026, 1, 1)),
    (PeriodType.FINANCIAL_YEAR, "2025-26", (2025, 4, 1)),
    (PeriodType.FINANCIAL_YEAR, "2026-27", (2026, 4, 1)),
]


def distribution_set(*, channel_names: dict[str, str] | None = None, team: str = ""):
    """Two forces (one with a population, one without), three channels, eight periods.

    Figures are deterministic, rung 0 at force scope is population minus the engaged (or empty),
    rung 0 at channel scope is empty, and some rungs are simply absent (0 citizens). A second,
    non-current snapshot holds different figures that no reader may show.
    Returns the current snapshot.
    """
    import datetime

    names = channel_names or {}
    alpha = ForceFactory(slug="alpha", name="Alpha Police", region="North", population=5000)
    bravo = ForceFactory(
        slug="bravo", name="Bravo Police", region="South", population=None, population_year=None
    )
    channels = [
        ChannelFactory(force=alpha, slug="twitter-main", platform=Platform.TWITTER, team=team),
        ChannelFactory(force=alpha, slug="offline-main", platform=Platform.OFFLINE, team=team),
        ChannelFactory(force=bravo, slug="facebook-main", platform=Platform.FACEBOOK, team=team),
    ]
    for channel in channels:
        if channel.slug in names:
            channel.name = names[channel.slug]
            channel.save()
    old = SnapshotFactory(is_current=False)
    snapshot = SnapshotFactory()
    rows = []
    for p_index, (period_type, label, start) in enumerate(DISTRIBUTION_PERIODS):
        for f_index, force in enumerate([alpha, bravo]):
            engaged = {pos: (pos * 7 + f_index * 5 + p_index * 3) % 13 for pos in range(1, 7)}
            scopes = [(Scope.FORCE, None)] + [
                (Scope.CHANNEL, c) for c in channels if c.force_id == force.pk
            ]
            for scope, channel in scopes:
                counts = (
                    dict(engaged) if channel is None else {p: c // 2 for p, c in engaged.items()}
                )
                rung0 = (
                    max(force.population - sum(counts.values()), 0)
                    if scope == Scope.FORCE and force.population is not None
                    else None
                )
                counts[0] = rung0
                for position, citizens in counts.items():
                    if citizens == 0:
                        continue
                    common = {
                        "period_type": period_type,
                        "period": label,
                        "period_start": datetime.date(*start),
                        "scope": scope,
                        "force": force,
                        "channel": channel,
                        "rung_position": position,
                    }
                    rows.append(Distribution(snapshot=snapshot, citizens=citizens, **common))
                    rows.append(Distribution(snapshot=old, citizens=999_999, **common))
    Distribution.objects.bulk_create(rows)
    return snapshot


def long_layout_size(snapshot, **lookups) -> int:
    """How many rows the long layout has for a snapshot's figures: six per scope and period with
    anyone engaged (a rung nobody reached is a 0), and rung 0 at force scope."""
    rows = Distribution.objects.filter(snapshot=snapshot, **lookups)
    engaged = (
        rows.filter(rung_position__gt=0, citizens__gt=0)
        .values("period_type", "period", "scope", "force", "channel", "platform")
        .distinct()
        .count()
    )
    return engaged * 6 + rows.filter(rung_position=0, scope="force").count()


class SavedReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedReport

    name = factory.Sequence(lambda n: f"Report {n}")
    query = factory.LazyFunction(dict)
