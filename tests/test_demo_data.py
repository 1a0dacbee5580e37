import io
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count

from engagement.ingest.demo_data import generate_demo, interaction_rows, plan_forces
from engagement.models import ImportBatch, Interaction
from forces.models import Channel, Force, Route

pytestmark = pytest.mark.django_db


def planned_rows(seed: int, total: int = 2_000):
    rng = random.Random(seed)
    forces = list(Force.objects.order_by("slug").values_list("slug", "name", "population"))
    plan = plan_forces(forces, rng)
    rows = interaction_rows(
        plan, total=total, first_month=24300, last_month=24311, seed=seed, rng=rng
    )
    return plan, list(rows)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    assert planned_rows(5) == planned_rows(5)
    assert planned_rows(5)[1] != planned_rows(6)[1]


def test_every_force_gets_main_accounts_team_accounts_and_meetings():
    plan, _ = planned_rows(5)
    assert len(plan) == 43
    for force in plan:
        mains = [c for c in force.channels if c.slug.endswith("-main")]
        teams = [c for c in force.channels if c.team]
        assert 2 <= len(mains) <= 3
        assert teams
        assert force.offline("meetings") is not None


def test_forces_differ_in_shape_some_with_volunteer_or_co_design_routes_some_without():
    plan, _ = planned_rows(5)
    routes = Counter(
        (f.offline("volunteers") is not None, f.offline("panels") is not None) for f in plan
    )
    assert routes[(False, False)] > 0
    assert routes[(True, False)] + routes[(True, True)] > 0
    assert routes[(False, True)] + routes[(True, True)] > 0
    assert len({f.shape.conversation for f in plan}) > 1


def test_volumes_scale_with_population_and_most_citizens_stay_low():
    _, rows = planned_rows(5, total=20_000)
    per_force = Counter(row["force"] for row in rows)
    assert len(rows) == 20_000
    assert len(per_force) == 43
    assert per_force["metropolitan"] > 5 * per_force["city-of-london"]
    kinds = Counter(row["kind"] for row in rows)
    passive = kinds["view"] + kinds["follow"] + kinds["subscribe"]
    assert passive > len(rows) / 2
    assert 0 < kinds["volunteer"] + kinds["co-design"] < len(rows) / 50


def test_generate_demo_imports_through_the_ordinary_path_and_twice_adds_nothing():
    first = generate_demo(interactions=3_000, months=6, seed=3)
    assert first.interactions.created == 3_000
    assert Interaction.objects.count() == 3_000
    assert Interaction.objects.values("force").distinct().count() == 43
    assert Channel.objects.values("force").annotate(n=Count("pk")).filter(n__lt=4).count() == 0
    assert set(ImportBatch.objects.values_list("source", flat=True)) == {ImportBatch.Source.DEMO}
    second = generate_demo(interactions=3_000, months=6, seed=3)
    assert (second.interactions.created, second.interactions.duplicates) == (0, 3_000)
    assert second.channels.created == 0


def test_demo_interactions_lie_in_the_months_ending_last_month():
    result = generate_demo(interactions=1_000, months=4, seed=4)
    months = set(Interaction.objects.values_list("local_month", flat=True))
    assert months <= set(range(result.first_month, result.last_month + 2))
    assert result.last_month - result.first_month == 3


def test_the_command_prints_what_it_created():
    out = io.StringIO()
    call_command(
        "generate_demo", "--interactions", "500", "--months", "3", "--seed", "9", stdout=out
    )
    assert "500 row(s) read, 500 created" in out.getvalue()


def test_the_demo_offers_routes_to_several_rungs_and_twice_changes_none():
    first = generate_demo(interactions=500, months=6, seed=5)
    second = generate_demo(interactions=500, months=6, seed=5)
    assert first.routes.created == Route.objects.count() >= 43
    assert (second.routes.created, second.routes.updated) == (0, 0)
    assert set(Route.objects.values_list("rung_position", flat=True)) >= {3, 5, 6}
    assert Route.objects.filter(channel__isnull=True).exists()
    assert Route.objects.filter(closes_on__isnull=False).exists()
