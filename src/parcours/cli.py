"""The `parcours` command: Django's management commands with Parcours' settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    from parcours.config import SettingsError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["parcours", *(sys.argv[1:] if argv is None else argv)])
    except SettingsError as exc:
        sys.stderr.write(f"parcours: configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
