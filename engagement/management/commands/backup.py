from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from engagement.backups import BackupFailed, backup


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the live database to PATH (pg_dump's custom format on "
        "PostgreSQL, the online backup on SQLite). Restore it with `manage.py restore PATH`."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the backup file to write (must not exist)")

    def handle(self, *args, path: Path, **options):
        try:
            result = backup(path=path)
        except BackupFailed as failed:
            raise CommandError(str(failed)) from None
        self.stdout.write(self.style.SUCCESS(result.summary()))
