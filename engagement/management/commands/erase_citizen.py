import getpass
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from engagement.citizens.services import ErasureRefused, erase_citizen
from forces.choices import Platform


class Command(BaseCommand):
    help = (
        "Erase a citizen: delete every interaction of the person an identifier names on a "
        "platform, and mark the months they touched for the next recompute. The audit log "
        "records that an erasure happened, when and by whom, never about whom."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--platform", required=True, choices=Platform.values)
        parser.add_argument(
            "--identifier",
            required=True,
            help="the person's identifier on that platform, or - to read it from standard "
            "input (it then stays out of the shell's history and the process list)",
        )
        parser.add_argument(
            "--by", metavar="USERNAME", help="the user asking (default: the system account)"
        )

    def handle(self, *args, platform: str, identifier: str, by: str | None, **options) -> None:
        if identifier == "-":
            identifier = sys.stdin.readline().rstrip("\r\n")
        user = None
        if by is not None:
            user = get_user_model().objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"--by: there is no user {by!r}.")
        try:
            erasure = erase_citizen(
                platform=platform,
                identifier=identifier,
                user=user,
                actor_name=_system_account(),
            )
        except ErasureRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(self.style.SUCCESS(erasure.summary()))


def _system_account() -> str:
    try:
        return f"command line ({getpass.getuser()})"
    except (OSError, KeyError):
        return "command line"
