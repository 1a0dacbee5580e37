import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from engagement.ingest.demo_data import generate_demo
from engagement.ingest.rows import ImportRejected
from engagement.ladder.periods import period_of


class Command(BaseCommand):
    help = (
        "Generate believable, synthetic demo data for all 43 forces (channels and interactions) "
        "through the ordinary imports. Deterministic for a seed; running it twice adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interactions", type=int, default=60_000)
        parser.add_argument(
            "--months", type=int, default=18, help="how many months, ending last month"
        )
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, interactions: int, months: int, seed: int, **options) -> None:
        if interactions < 0 or months < 1:
            raise CommandError("--interactions must be 0 or more and --months 1 or more")

        def progress(rows):
            return tqdm(
                rows,
                total=interactions,
                unit=" rows",
                unit_scale=True,
                desc="Generating interactions",
                file=sys.stderr,
                disable=not sys.stderr.isatty(),
            )

        try:
            result = generate_demo(
                interactions=interactions, months=months, seed=seed, progress=progress
            )
        except ImportRejected as rejected:  # a bug in the generator, not a user's mistake
            raise CommandError("; ".join(rejected.report_lines())) from None
        first = period_of("month", result.first_month).label
        last = period_of("month", result.last_month).label
        self.stdout.write(f"Channels: {result.channels.summary()}")
        self.stdout.write(
            self.style.SUCCESS(f"Interactions {first} to {last}: {result.interactions.summary()}")
        )
        if result.routes is not None:
            self.stdout.write(f"Routes: {result.routes.summary()}")
