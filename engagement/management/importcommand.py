"""What the import commands share: PATH or `-`, the summary, the problems and the exit code."""

import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from engagement.ingest.links import WithdrawalResult
from engagement.ingest.rows import ImportFailed, ImportRejected, ImportRequest, ImportResult


class ImportCommand(BaseCommand):
    what = "rows"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=f"the {self.what} CSV file, or - for standard input")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count everything, write nothing"
        )

    def run_import(
        self, importer: Callable[..., ImportResult | WithdrawalResult], path: str, *, dry_run: bool
    ) -> None:
        """Run `importer` on the file; a rejected import prints its problems and exits 1, as does
        one that lost its database (one line)."""
        with ExitStack() as stack:
            if path == "-":
                source, size = sys.stdin.buffer, None
            else:
                try:
                    source = stack.enter_context(Path(path).open("rb"))
                except OSError as error:
                    raise CommandError(f"{path}: {error.strerror}") from None
                size = Path(path).stat().st_size
            bar = stack.enter_context(
                tqdm(
                    total=size,
                    unit="B",
                    unit_scale=True,
                    desc=f"Reading {self.what}",
                    file=sys.stderr,
                    disable=not sys.stderr.isatty(),
                )
            )
            try:
                result = importer(
                    source=source,
                    request=ImportRequest(
                        filename=Path(path).name, dry_run=dry_run, progress=bar.update
                    ),
                )
            except ImportRejected as rejected:
                for line in rejected.report_lines():
                    self.stderr.write(line)
                raise CommandError(
                    f"{path}: import rejected, {len(rejected.problems) + rejected.more} "
                    "problem(s); nothing was written"
                ) from None
            except ImportFailed as failed:
                raise CommandError(f"{path}: {failed}") from None
            finally:
                bar.close()
        if isinstance(result, WithdrawalResult):
            for line in result.report_lines():
                self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"{path}: {result.summary()}"))
