"""manage.py's entry: a command that cannot reach the database says so in one line and exits 1.

Without this, a command run while PostgreSQL restarts ends in a traceback naming psycopg2's
internals. The line names the command and the driver's first line of explanation (the server
and port it tried), never a password: libpq does not repeat one.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from django.core.management import execute_from_command_line
from django.db import InterfaceError, OperationalError


def run(argv: Sequence[str]) -> int:
    """Run a management command; 1 with one line on stderr when the database is unreachable."""
    try:
        execute_from_command_line(list(argv))
    except (OperationalError, InterfaceError) as error:
        command = argv[1] if len(argv) > 1 else "manage.py"
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        sys.stderr.write(f"{command}: the database cannot be reached ({reason}); try again.\n")
        return 1
    return 0
