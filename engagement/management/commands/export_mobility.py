"""export_mobility: the published mobility figures as CSV (LADDER.md "mobility CSV"), the same
as /api/v1/mobility/?format=csv.

python manage.py export_mobility [--definition VERSION] [--period-type T] [--force kent,essex]
    [--region R] [--bom] [--output PATH]
"""

from pathlib import Path

from engagement.management.exportcommand import ExportCommand
from engagement.store.filters import MOBILITY_PARAMETERS, parse_mobility_filters
from engagement.store.mobility import mobility_export


class Command(ExportCommand):
    help = (
        "Write the current published mobility (citizens by rung in one period and rung in the "
        "next, per force) as CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("--definition", help="Definition version (default: the current one).")
        parser.add_argument("--period-type", help="month, quarter, year or financial_year.")
        parser.add_argument("--force", help="Force slugs, comma-separated.")
        parser.add_argument("--region", help="A force region.")
        self.add_export_arguments(parser)

    def handle(self, *args, bom: bool, output: Path | None, suppress_below: int | None, **options):
        filters = self.filters_from(options, MOBILITY_PARAMETERS, parse_mobility_filters)
        threshold = self.threshold(suppress_below)
        self.write_export(mobility_export(filters, bom=bom, suppress_below=threshold), output)
