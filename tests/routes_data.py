"""Routes beside the dashboard's figures (tests.dashboard_data), for the routes' page tests."""

from datetime import date

from forces.models import Channel, Route
from tests.dashboard_data import DashboardData


def offer_routes(data: DashboardData) -> dict[str, Route]:
    """Routes of two forces, for September 2026 (the latest month of the figures): one taken
    (Co-Designer, on a channel counting people there), one offered but not taken (Volunteer,
    opening on the month's last day, in a force nobody reaches Volunteer in), one without a
    channel, and one that closed on the last day of August (Participation, still reached)."""
    taken, not_taken = data.forces[1], data.no_volunteers[0]
    community = {c.force_id: c for c in Channel.objects.filter(slug="community")}
    return {
        "taken": Route.objects.create(
            force=taken,
            rung_position=6,
            name="Independent advisory group",
            channel=community[taken.pk],
            url="https://example.org/iag",
            opens_on=date(2025, 4, 1),
        ),
        "not_taken": Route.objects.create(
            force=not_taken,
            rung_position=5,
            name="Special Constabulary intake",
            channel=community[not_taken.pk],
            opens_on=date(2026, 9, 30),
        ),
        "no_channel": Route.objects.create(
            force=taken, rung_position=4, name="Street briefings", opens_on=date(2026, 1, 1)
        ),
        "closed": Route.objects.create(
            force=taken,
            rung_position=3,
            name="Public meetings",
            opens_on=date(2025, 4, 1),
            closes_on=date(2026, 8, 31),
        ),
    }
