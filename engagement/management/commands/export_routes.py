"""export_routes: every route in every period with whether it is open and its use (the routes
export CSV), the same as /api/v1/routes.csv.

python manage.py export_routes [--definition VERSION] [--period-type T] [--period P]
    [--force kent,essex] [--bom] [--suppress-below N] [--output PATH]
"""

from engagement.management.exportcommand import ExportCommand
from engagement.store.filters import ROUTE_PARAMETERS, parse_route_filters
from engagement.store.routes import routes_export


class Command(ExportCommand):
    help = (
        "Write every route in every period held (or those chosen) with whether it is open and "
        "its use, as CSV."
    )
    parameters = ROUTE_PARAMETERS
    parse_filters = staticmethod(parse_route_filters)
    export = staticmethod(routes_export)

    def add_arguments(self, parser):
        parser.add_argument("--definition", help="Definition version (default: the current one).")
        parser.add_argument("--period-type", help="month, quarter, year or financial_year.")
        parser.add_argument("--period", help="One period, e.g. 2026-04 or 2026-Q2.")
        parser.add_argument("--force", help="Force slugs, comma-separated.")
        self.add_export_arguments(parser)
