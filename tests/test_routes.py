"""Routes (issue #25): when a rung is open in a period, a route's use, and their doors (the
import, the export, the API, who may change them), from hand-built cases."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command

from engagement.ingest.routes import import_routes
from engagement.ingest.rows import ImportRejected, ImportRequest
from engagement.ladder.periods import parse_period
from engagement.ladder.routes import is_open, last_day, routes_in_periods
from engagement.models import PeriodType, Scope
from engagement.store.selectors import DistributionFilters, distribution_rows
from forces.models import Channel, Force, Route
from tests.factories import ChannelFactory, DistributionFactory, SnapshotFactory, UserFactory
from tests.ingestion import csv_file

pytestmark = pytest.mark.django_db

HEADER = "force,rung_position,name,channel,url,opens_on,closes_on"
APRIL = parse_period(PeriodType.MONTH, "2026-04")
MARCH = parse_period(PeriodType.MONTH, "2026-03")
MAY = parse_period(PeriodType.MONTH, "2026-05")
# The channel's ladder in April 2026, rungs 1 to 6 (5 nobody: the store leaves its row out).
APRIL_LADDER = {1: 40, 2: 12, 3: 9, 4: 6, 6: 7}


@pytest.fixture
def kent():
    return Force.objects.get(slug="kent")


@pytest.fixture
def channel(kent):
    return ChannelFactory(force=kent, slug="briefings")


@pytest.fixture
def snapshot(channel):
    """The published figures: the channel's April ladder at channel scope."""
    snapshot = SnapshotFactory()
    for position, citizens in APRIL_LADDER.items():
        DistributionFactory(
            snapshot=snapshot,
            scope=Scope.CHANNEL,
            force=channel.force,
            channel=channel,
            period="2026-04",
            period_start=APRIL.start,
            rung_position=position,
            citizens=citizens,
        )
    return snapshot


def route(force, *, rung=4, name="Street briefings", channel=None, opens, closes=None):
    return Route.objects.create(
        force=force,
        rung_position=rung,
        name=name,
        channel=channel,
        opens_on=opens,
        closes_on=closes,
    )


def in_period(snapshot, period):
    return {
        row.route: row
        for row in routes_in_periods(
            snapshot_id=snapshot.pk if snapshot else None, periods=[period]
        )
    }


def test_a_route_open_only_on_the_periods_last_day_is_open_in_it(kent):
    route(kent, opens=date(2026, 4, 30))
    assert in_period(None, APRIL)["Street briefings"].open
    assert not in_period(None, MARCH)["Street briefings"].open
    assert is_open(opens_on=date(2026, 4, 30), closes_on=None, period=APRIL)


def test_a_route_closing_on_the_periods_first_day_is_open_in_it(kent):
    route(kent, opens=date(2025, 1, 1), closes=date(2026, 4, 1))
    assert in_period(None, APRIL)["Street briefings"].open
    assert not in_period(None, MAY)["Street briefings"].open
    assert is_open(opens_on=date(2025, 1, 1), closes_on=date(2026, 4, 1), period=APRIL)
    assert not is_open(opens_on=date(2025, 1, 1), closes_on=date(2026, 4, 1), period=MAY)


def test_the_last_day_of_a_quarter_and_a_financial_year():
    assert last_day(parse_period(PeriodType.QUARTER, "2026-Q1")) == date(2026, 3, 31)
    assert last_day(parse_period(PeriodType.FINANCIAL_YEAR, "2025-26")) == date(2026, 3, 31)


def test_a_route_without_a_channel_has_no_use(kent, snapshot):
    route(kent, opens=date(2026, 1, 1))
    assert in_period(snapshot, APRIL)["Street briefings"].use is None


def test_use_is_the_channel_scope_citizens_at_the_routes_rung_or_higher(kent, channel, snapshot):
    for rung in range(1, 7):
        route(kent, rung=rung, name=f"Rung {rung}", channel=channel, opens=date(2026, 1, 1))
    published = list(distribution_rows(DistributionFilters(scope=Scope.CHANNEL, period="2026-04")))
    found = in_period(snapshot, APRIL)
    for rung in range(1, 7):
        expected = sum(r["citizens"] for r in published if r["rung_position"] >= rung)
        assert found[f"Rung {rung}"].use == expected
    assert found["Rung 3"].use == 9 + 6 + 7


def test_a_channel_nobody_used_in_the_period_has_a_use_of_0(kent, channel, snapshot):
    route(kent, channel=channel, opens=date(2026, 1, 1))
    assert in_period(snapshot, MAY)["Street briefings"].use == 0


def routes_file(*lines):
    return csv_file(*lines, header=HEADER)


GOOD = (
    "kent,4,Street briefings,briefings,https://example.org/briefings,2026-01-01,",
    "kent,5,Specials intake,,,2025-09-01,2026-04-30",
)


def held() -> list[tuple]:
    return list(
        Route.objects.order_by("name").values_list(
            "force__slug", "rung_position", "name", "channel__slug", "opens_on", "closes_on"
        )
    )


def test_importing_the_same_routes_twice_changes_nothing(channel):
    first = import_routes(source=routes_file(*GOOD))
    before = (held(), Route.history.count())
    again = import_routes(source=routes_file(*GOOD))
    assert (first.created, first.updated) == (2, 0)
    assert (again.created, again.updated, again.duplicates) == (0, 0, 2)
    assert (held(), Route.history.count()) == before


def test_importing_a_route_again_with_new_values_updates_it(channel):
    import_routes(source=routes_file(*GOOD))
    result = import_routes(source=routes_file("kent,6,Specials intake,,,2025-09-01,"))
    assert (result.created, result.updated) == (0, 1)
    specials = Route.objects.get(name="Specials intake")
    assert (specials.rung_position, specials.closes_on, Route.objects.count()) == (6, None, 2)


def test_a_routes_file_with_bad_rows_writes_nothing_and_names_each_line(channel):
    with pytest.raises(ImportRejected) as rejected:
        import_routes(
            source=routes_file(
                GOOD[0],
                "kent,7,Too high,,,2026-01-01,",
                "kent,3,Elsewhere,no-such-channel,,2026-01-01,",
                "kent,3,Backwards,,,2026-05-01,2026-04-01",
                "kent,3,Bad day,,,01/05/2026,",
                "kent,2,Street briefings,,,2026-01-01,",
                "nowhere,2,Unknown force,,,2026-01-01,",
            )
        )
    assert rejected.value.problems == [
        "line 3: rung_position: is not a rung from 1 to 6",
        "line 4: channel: is not a channel of kent",
        "line 5: closes_on: is before opens_on: a route cannot close before it opens",
        "line 6: opens_on: is not a date (YYYY-MM-DD)",
        "line 7: name: line 2 has a route of kent by this name",
        "line 8: force: is not the slug of a known force",
    ]
    assert not Route.objects.exists()


def test_a_route_cannot_use_another_forces_channel(kent):
    elsewhere = ChannelFactory(force=Force.objects.get(slug="essex"), slug="briefings")
    with pytest.raises(ImportRejected):
        import_routes(source=routes_file("kent,4,Borrowed,briefings,,2026-01-01,"))
    with pytest.raises(Exception, match="one of its own force's channels"):
        route(kent, channel=elsewhere, opens=date(2026, 1, 1))


def test_a_data_manager_cannot_import_another_forces_routes(channel):
    with pytest.raises(ImportRejected) as rejected:
        import_routes(
            source=routes_file("essex,4,Street briefings,,,2026-01-01,"),
            request=ImportRequest(forces=frozenset({"kent"})),
        )
    assert rejected.value.problems == [
        "line 2: force: 'essex' is not one of your forces; you may import only for your own"
    ]


def test_a_data_manager_cannot_change_another_forces_routes_in_the_admin(client, kent):
    essex = Force.objects.get(slug="essex")
    theirs = route(essex, opens=date(2026, 1, 1))
    ours = route(kent, opens=date(2026, 1, 1))
    client.force_login(
        UserFactory(password=None, is_staff=True, roles=["Force data managers"], forces=["kent"])
    )
    form = {"rung_position": 5, "name": "Renamed", "opens_on": "2026-01-01", "url": ""}
    refused = client.post(f"/admin/forces/route/{theirs.pk}/change/", {**form, "force": essex.pk})
    saved = client.post(f"/admin/forces/route/{ours.pk}/change/", {**form, "force": kent.pk})
    assert refused.status_code == 403
    assert saved.status_code == 302
    assert Route.objects.get(pk=theirs.pk).name == "Street briefings"
    assert Route.objects.get(pk=ours.pk).name == "Renamed"


def test_a_definition_admin_imports_every_forces_routes(client, channel):
    client.force_login(UserFactory(password=None, roles=["Definition admins"]))
    file = io.BytesIO(
        ("\n".join([HEADER, *GOOD, "essex,6,Advisory group,,,2026-01-01,"]) + "\n").encode()
    )
    file.name = "routes.csv"
    response = client.post("/imports/", {"what": "routes", "file": file})
    assert response.status_code == 200
    assert Route.objects.count() == 3


def test_the_export_and_the_api_agree_row_for_row(api_client, kent, channel, snapshot):
    route(kent, channel=channel, opens=date(2026, 4, 30))
    route(kent, rung=6, name="Advisory group", opens=date(2025, 1, 1), closes=date(2026, 4, 1))
    out = io.StringIO()
    call_command("export_routes", "--period-type", "month", stdout=out)
    exported = list(csv.DictReader(io.StringIO(out.getvalue())))
    answer = api_client.get("/api/v1/routes/", {"period_type": "month"}).json()["results"]
    csv_answer = api_client.get("/api/v1/routes.csv", {"period_type": "month"})
    from_csv = list(csv.DictReader(io.StringIO(b"".join(csv_answer.streaming_content).decode())))
    assert from_csv == exported
    assert [[row[name] for name in exported[0]] for row in exported] == [
        [
            str(row["definition_version"]),
            row["period_type"],
            row["period"],
            row["force"],
            str(row["rung_position"]),
            row["route"],
            row["channel"] or "",
            "true" if row["open"] else "false",
            "" if row["use"] is None else str(row["use"]),
        ]
        for row in answer
    ]
    assert [(r["route"], r["open"], r["use"]) for r in answer] == [
        ("Street briefings", True, 6 + 7),
        ("Advisory group", True, None),
    ]


def test_a_use_adding_up_a_withheld_channel_cell_is_withheld(settings, kent, channel, snapshot):
    settings.SUPPRESS_BELOW = 7
    route(kent, rung=6, channel=channel, opens=date(2026, 1, 1))
    route(kent, rung=2, name="Low", channel=channel, opens=date(2026, 1, 1))
    out = io.StringIO()
    call_command("export_routes", "--period", "2026-04", stdout=out)
    rows = {row["route"]: row["use"] for row in csv.DictReader(io.StringIO(out.getvalue()))}
    # Rung 4 (6) is under 7: withheld, and rung 6 (7) with it as the next smallest of the ladder.
    assert rows == {"Low": "[c]", "Street briefings": "[c]"}


def test_a_channel_of_the_routes_own_force_is_kept(kent, channel):
    made = route(kent, channel=channel, opens=date(2026, 1, 1))
    assert Channel.objects.get(routes=made) == channel


def test_the_api_gives_a_withheld_use_as_null_and_says_so(
    settings, api_client, kent, channel, snapshot
):
    settings.SUPPRESS_BELOW = 7
    route(kent, rung=4, channel=channel, opens=date(2026, 1, 1))
    [row] = api_client.get("/api/v1/routes/", {"period": "2026-04"}).json()["results"]
    assert (row["use"], row["suppressed"]) == (None, True)


def test_the_export_keeps_the_forces_asked_for(kent, channel, snapshot):
    route(kent, channel=channel, opens=date(2026, 1, 1))
    route(Force.objects.get(slug="essex"), opens=date(2026, 1, 1))
    out = io.StringIO()
    call_command("export_routes", "--force", "essex", "--period", "2026-04", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(row["force"], row["route"], row["use"]) for row in rows] == [
        ("essex", "Street briefings", "")
    ]


def test_a_route_changed_in_the_admin_keeps_its_history_with_who_changed_it(client, kent):
    made = route(kent, opens=date(2026, 1, 1))
    admin = UserFactory(password=None, is_staff=True, roles=["Definition admins"])
    client.force_login(admin)
    form = {"force": kent.pk, "rung_position": 6, "name": "Renamed", "opens_on": "2026-01-01"}
    assert client.post(f"/admin/forces/route/{made.pk}/change/", form).status_code == 302
    latest = made.history.latest()
    assert (latest.name, latest.history_user, made.history.count()) == ("Renamed", admin, 2)
