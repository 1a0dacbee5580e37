from engagement.ingest.links import withdraw_links
from engagement.management.importcommand import ImportCommand


class Command(ImportCommand):
    help = (
        "Withdraw links (consent withdrawn), named as in a links CSV, in either order: each link "
        "held is deleted; one not held is reported by line and changes nothing."
    )
    what = "links"

    def handle(self, *args, path: str, dry_run: bool, **options) -> None:
        self.run_import(withdraw_links, path, dry_run=dry_run)
