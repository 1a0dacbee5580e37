from engagement.ingest.routes import import_routes
from engagement.management.importcommand import ImportCommand


class Command(ImportCommand):
    help = (
        "Import routes (force,rung_position,name,channel,url,opens_on,closes_on): a route held "
        "already (same force and name) is updated; all rows or none."
    )
    what = "routes"

    def handle(self, *args, path: str, dry_run: bool, **options) -> None:
        self.run_import(import_routes, path, dry_run=dry_run)
