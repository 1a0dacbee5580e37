import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from tqdm import tqdm

from engagement.demo import ensure_demo_users
from engagement.ladder.recompute import describe_coverage, recompute_now
from engagement.models import Interaction


class Command(BaseCommand):
    help = "Prepare the demo: a login, demo data and figures; prints where to look."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port: int, **options):
        people, password = ensure_demo_users()
        if not Interaction.objects.exists():
            self.stdout.write("Generating demo data for the 43 forces…")
            call_command("generate_demo", stdout=self.stdout, stderr=self.stderr)

        def progress(force_ids: list[int]):
            return tqdm(
                force_ids,
                unit=" forces",
                desc="Computing the figures",
                file=sys.stderr,
                disable=not sys.stderr.isatty(),
            )

        # The figures the pages read (only what changed, after the first), with a progress bar.
        run = recompute_now(progress=progress)
        self.stdout.write(f"Figures: run {run.pk} {run.status}. {describe_coverage(run.covered)}")
        self.stdout.write(
            self.style.SUCCESS(
                f"\nLadder is starting at http://127.0.0.1:{port}/\n"
                f"Sign in at http://127.0.0.1:{port}/sign-in/ with password '{password}' as\n"
                + "".join(f"  '{username}' ({what})\n" for username, what in people)
                + f"Links in report e-mails start with {settings.SITE_URL} (SITE_URL).\n"
            )
        )
