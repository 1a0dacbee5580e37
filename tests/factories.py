"""Test data. Forces and definition v1 come from the migrations; everything else from here."""

import factory
from django.contrib.auth import get_user_model

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
from engagement.periods import local_month_of
from forces.models import Channel, Force, Platform


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password")


class StaffFactory(UserFactory):
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
    pseudonym = factory.Sequence(lambda n: f"{n:064x}")


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
