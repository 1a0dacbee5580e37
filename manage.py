#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.commands import run

    sys.exit(run(sys.argv))


if __name__ == "__main__":
    main()
