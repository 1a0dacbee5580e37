from engagement.ingest.channels import import_channels
from engagement.management.importcommand import ImportCommand


class Command(ImportCommand):
    help = "Import channels (force,channel,platform,name[,team,url]); all rows or none."
    what = "channels"

    def handle(self, *args, path: str, dry_run: bool, **options) -> None:
        self.run_import(import_channels, path, dry_run=dry_run)
