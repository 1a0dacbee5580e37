import functools
from pathlib import Path

from django.core.management.base import CommandError, CommandParser

from engagement.ingest.interactions import import_interactions, import_with_profile
from engagement.ingest.profiles import Profile, ProfileInvalid
from engagement.ingest.saved_profiles import find_profile, read_profile_file
from engagement.management.importcommand import ImportCommand


class Command(ImportCommand):
    help = (
        "Import interactions (force,channel,citizen,kind,occurred_at[,external_id]), or another "
        "tool's export read through an import profile (--profile); all rows or none. Citizens "
        "are pseudonymised before anything is stored."
    )
    what = "interactions"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--profile",
            metavar="FILE_OR_NAME",
            help="read PATH as another tool's export: a profile's JSON file, a built-in "
            "profile's name (x-posts), or force/name of a saved one (docs/import-profiles.md)",
        )
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help="with --profile: one value for the whole file (force=kent, "
            "channel=facebook-main), for a field the profile does not read",
        )

    def handle(
        self, *args, path: str, dry_run: bool, profile: str | None, set: list[str], **options
    ) -> None:
        if profile is None:
            if set:
                raise CommandError("--set is for an import with --profile")
            self.run_import(import_interactions, path, dry_run=dry_run)
            return
        chosen = self.profile(profile, set)
        self.run_import(
            functools.partial(import_with_profile, profile=chosen), path, dry_run=dry_run
        )

    def profile(self, key: str, values: list[str]) -> Profile:
        given = {}
        for value in values:
            name, equals, text = value.partition("=")
            if not equals:
                raise CommandError(f"--set {value}: write FIELD=VALUE (force=kent)")
            given[name.strip()] = text
        try:
            path = Path(key)
            found = read_profile_file(path) if path.is_file() else find_profile(key, forces=None)
            return found.given(given).complete()
        except ProfileInvalid as invalid:
            raise CommandError(f"{key}: {invalid}") from None
