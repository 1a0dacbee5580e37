"""export_distributions: the published figures as CSV, the same as the API and the report page.

python manage.py export_distributions [--definition VERSION] [--period-type T]
    [--period P | --period-from P --period-to P] [--scope S] [--force kent,essex]
    [--region R] [--channel SLUG] [--platform P] [--layout long|wide] [--bom]
    [--suppress-below N] [--output PATH] [--lens FORCE-SLUG-OR-ID]

A force's local lens is never part of the shared figures: its figures are written only when
asked for by name with --lens (with --definition: that version of the lens).
"""

from engagement.management.exportcommand import ExportCommand
from engagement.store.exports import LAYOUTS, distribution_export
from engagement.store.filters import FILTER_PARAMETERS, parse_distribution_filters


class Command(ExportCommand):
    help = "Write the current published distributions as CSV (long or wide layout of LADDER.md)."
    parameters = FILTER_PARAMETERS
    parse_filters = staticmethod(parse_distribution_filters)
    export = staticmethod(distribution_export)
    export_options = ("layout",)

    def add_arguments(self, parser):
        parser.add_argument("--definition", help="Definition version (default: the current one).")
        parser.add_argument("--period-type", help="month, quarter, year or financial_year.")
        parser.add_argument("--period", help="One period: 2026-04, 2026-Q2, 2026 or 2026-27.")
        parser.add_argument("--period-from", help="First period of a range (included).")
        parser.add_argument("--period-to", help="Last period of a range (included).")
        parser.add_argument("--scope", help="force, platform or channel (default: all three).")
        parser.add_argument("--force", help="Force slugs, comma-separated.")
        parser.add_argument("--region", help="A force region.")
        parser.add_argument("--channel", help="A channel slug (its channel-scope rows).")
        parser.add_argument(
            "--platform", help="A platform: its platform-scope rows and its channels' rows."
        )
        parser.add_argument(
            "--lens",
            help="A force's local lens (the force's slug, or the lens's id): its figures only.",
        )
        parser.add_argument("--layout", choices=LAYOUTS, default="long")
        self.add_export_arguments(parser)
