from django.core.management.base import BaseCommand, CommandError

from engagement.definitions.selectors import current_definition
from engagement.ladder.recompute import describe_coverage, recompute_lenses, recompute_now
from engagement.models import EngagementDefinition, RecomputeRun


class Command(BaseCommand):
    help = (
        "Recompute the distributions now, in this process (the same steps as the nightly "
        "Celery run). By default only what changed since the last run; --full rebuilds all. "
        "After the published definition, every force's published local lens is counted too. "
        "Exits 0 with 'skipped' when another run is in progress."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--definition",
            type=int,
            metavar="VERSION",
            help="Definition version (default: the published one). A draft gives a preview.",
        )
        parser.add_argument("--full", action="store_true", help="Rebuild everything.")

    def handle(self, *args, definition: int | None, full: bool, **options):
        if definition is None:
            chosen = current_definition()
        else:
            chosen = EngagementDefinition.objects.filter(version=definition).first()
            if chosen is None:
                raise CommandError(f"--definition: there is no definition version {definition}.")
        run = recompute_now(definition=chosen, full=full)
        self._report(run, f"definition v{chosen.version}")
        if definition is None and run.status == RecomputeRun.Status.SUCCEEDED:
            for lens_run in recompute_lenses():
                lens = lens_run.definition
                self._report(lens_run, f"local lens v{lens.version} of {lens.force}")

    def _report(self, run: RecomputeRun, what: str) -> None:
        if run.status == RecomputeRun.Status.SKIPPED:
            # Another run holds the lock: not a failure (cron must not alert), so exit 0.
            self.stdout.write(f"Run {run.pk} skipped: {run.error}")
            return
        if run.status != RecomputeRun.Status.SUCCEEDED:
            raise CommandError(f"Recompute run {run.pk} {run.get_status_display()}: {run.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Run {run.pk}: {what} {run.get_mode_display().lower()}"
                f"{' (preview)' if run.preview else ''}, {run.rows_written} rows in "
                f"{run.duration.total_seconds():.1f}s. {describe_coverage(run.covered)}"
            )
        )
