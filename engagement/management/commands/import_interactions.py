from engagement.ingest.interactions import import_interactions
from engagement.management.importcommand import ImportCommand


class Command(ImportCommand):
    help = (
        "Import interactions (force,channel,citizen,kind,occurred_at[,external_id]); all rows or "
        "none. Citizens are pseudonymised before anything is stored."
    )
    what = "interactions"

    def handle(self, *args, path: str, dry_run: bool, **options) -> None:
        self.run_import(import_interactions, path, dry_run=dry_run)
