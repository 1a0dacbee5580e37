"""What the export commands share: filters from options, standard output or --output, `| head`."""

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from engagement.store.exports import DistributionExport
from engagement.store.selectors import DistributionFilters, FiltersInvalid


class ExportCommand(BaseCommand):
    """An export command: its filters from its options, its CSV to standard output or --output.

    A subclass adds its filter options and names its parameters, their parser and its export;
    `handle` is the same for every export.
    """

    parameters: tuple[str, ...]  # the options that are filters, by their parameter names
    parse_filters: Callable[[QueryDict], DistributionFilters]  # wrap in staticmethod()
    export: Callable[..., DistributionExport]  # (filters, *, bom, suppress_below, ...); ditto
    export_options: tuple[str, ...] = ()  # further options `export` takes, e.g. layout

    def handle(self, *args, bom: bool, output: Path | None, suppress_below: int | None, **options):
        filters = self.filters_from(options, self.parameters, self.parse_filters)
        extra = {name: options[name] for name in self.export_options}
        threshold = self.threshold(suppress_below)
        self.write_export(self.export(filters, bom=bom, suppress_below=threshold, **extra), output)

    def add_export_arguments(self, parser) -> None:
        """The file options every export has: BOM, small-number threshold, output."""
        parser.add_argument("--bom", action="store_true", help="Start with a UTF-8 BOM (Excel).")
        parser.add_argument(
            "--suppress-below",
            type=int,
            default=None,
            help="Withhold counts from 1 to this minus one as [c] (default: SUPPRESS_BELOW).",
        )
        parser.add_argument("--output", type=Path, help="Write here instead of standard output.")

    def threshold(self, suppress_below: int | None) -> int:
        return settings.SUPPRESS_BELOW if suppress_below is None else suppress_below

    def filters_from(
        self,
        options: Mapping,
        names: Iterable[str],
        parse: Callable[[QueryDict], DistributionFilters],
    ) -> DistributionFilters:
        """The filters the options name, or a CommandError naming the option at fault."""
        params = QueryDict(mutable=True)
        for name in names:
            if options.get(name):
                params[name] = options[name]
        try:
            return parse(params)
        except FiltersInvalid as invalid:
            raise CommandError(
                "; ".join(
                    f"--{name.replace('_', '-')}: {m}" for name, m in invalid.problems.items()
                )
            ) from None

    def write_export(self, export: DistributionExport, output: Path | None) -> None:
        """To standard output (quietly stopping when the reader leaves), or to a file."""
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
