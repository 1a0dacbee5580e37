from engagement.ingest.links import import_links
from engagement.management.importcommand import ImportCommand


class Command(ImportCommand):
    help = (
        "Import links between identifiers, recorded with the person's consent "
        "(force,platform,citizen,linked_platform,linked_citizen[,consented_at,external_id]); "
        "all rows or none."
    )
    what = "links"

    def handle(self, *args, path: str, dry_run: bool, **options) -> None:
        self.run_import(import_links, path, dry_run=dry_run)
