"""export_distributions: the published figures as CSV, the same as the API and the report page.

python manage.py export_distributions [--definition VERSION] [--period-type T]
    [--period P | --period-from P --period-to P] [--scope S] [--force kent,essex]
    [--region R] [--channel SLUG] [--platform P] [--layout long|wide] [--bom]
    [--output PATH]
"""

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from engagement.store.exports import LAYOUTS, distribution_export
from engagement.store.filters import FILTER_PARAMETERS, parse_distribution_filters
from engagement.store.selectors import FiltersInvalid


class Command(BaseCommand):
    help = "Write the current published distributions as CSV (long or wide layout of LADDER.md)."

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
        parser.add_argument("--layout", choices=LAYOUTS, default="long")
        parser.add_argument("--bom", action="store_true", help="Start with a UTF-8 BOM (Excel).")
        parser.add_argument("--output", type=Path, help="Write here instead of standard output.")

    def handle(self, *args, layout: str, bom: bool, output: Path | None, **options):
        params = QueryDict(mutable=True)
        for name in FILTER_PARAMETERS:
            if options.get(name):
                params[name] = options[name]
        try:
            filters = parse_distribution_filters(params)
        except FiltersInvalid as invalid:
            raise CommandError(
                "; ".join(
                    f"--{name.replace('_', '-')}: {m}" for name, m in invalid.problems.items()
                )
            ) from None
        export = distribution_export(filters, layout=layout, bom=bom)
        if output is None:
            try:
                for line in export.lines:
                    self.stdout.write(line, ending="")
                self.stdout.flush()
            except BrokenPipeError:
                self._reader_left(export.lines)
            return
        with output.open("w", encoding="utf-8", newline="") as target:
            target.writelines(export.lines)
        self.stderr.write(f"Wrote {output}")

    def _reader_left(self, lines) -> None:
        """The reader stopped early (`| head`): end quietly, as command-line tools do.

        Closing the stream ends its database cursor while the connection is still open, and
        standard output goes to /dev/null so that the exit flush finds no broken pipe either.
        Exits 1, as Python itself does on a broken pipe: the output is not complete.
        """
        lines.close()
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1)
