from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from engagement.backups import BackupFailed, restore
from engagement.ingest.pseudonym_key import WrongPseudonymKey


class Command(BaseCommand):
    help = (
        "Load a backup made by `manage.py backup` into the configured database, which must be "
        "new and empty, under the pseudonym key the backup was made with. Then run "
        "`manage.py migrate` (a backup of an earlier release is brought up to date)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the backup file")

    def handle(self, *args, path: Path, **options):
        try:
            result = restore(path=path)
        except (BackupFailed, WrongPseudonymKey) as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(self.style.SUCCESS(f"Restored {result.summary()}"))
        self.stdout.write("Next: `manage.py migrate`, then check /readyz.")
