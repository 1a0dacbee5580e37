"""export_mobility: the published mobility figures as CSV (LADDER.md "mobility CSV"), the same
as /api/v1/mobility/?format=csv.

python manage.py export_mobility [--definition VERSION] [--period-type T] [--force kent,essex]
    [--region R] [--bom] [--output PATH]
"""

from engagement.management.exportcommand import ExportCommand
from engagement.store.filters import MOBILITY_PARAMETERS, parse_mobility_filters
from engagement.store.mobility import mobility_export


class Command(ExportCommand):
    help = (
        "Write the current published mobility (citizens by rung in one period and rung in the "
        "next, per force) as CSV."
    )
    parameters = MOBILITY_PARAMETERS
    parse_filters = staticmethod(parse_mobility_filters)
    export = staticmethod(mobility_export)

    def add_arguments(self, parser):
        parser.add_argument("--definition", help="Definition version (default: the current one).")
        parser.add_argument("--period-type", help="month, quarter, year or financial_year.")
        parser.add_argument("--force", help="Force slugs, comma-separated.")
        parser.add_argument("--region", help="A force region.")
        self.add_export_arguments(parser)
