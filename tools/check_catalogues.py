"""Refresh the catalogues from the source, then fail on any untranslated or fuzzy FR/NL string.

`makemessages` adds every new marked string to the catalogues, so a string that was never
translated shows up here as untranslated. The volatile POT-Creation-Date header is dropped so
that re-running the check leaves the tree unchanged.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "parcours"
PARCOURS = Path(sys.executable).with_name("parcours")
REQUIRED = ("fr", "nl")
LANGUAGES = ("fr", "nl", "en")


def refresh() -> None:
    args = [str(PARCOURS), "makemessages", "--no-obsolete", "--ignore", "static/*", "-v0"]
    for language in LANGUAGES:
        args += ["-l", language]
    subprocess.run(args, cwd=PACKAGE, check=True, env={**os.environ, "PARCOURS_DEMO": "false"})
    for po in PACKAGE.rglob("locale/*/LC_MESSAGES/*.po"):
        text = po.read_text()
        cleaned = re.sub(r'^"POT-Creation-Date: .*\\n"\n', "", text, flags=re.MULTILINE)
        if cleaned != text:
            po.write_text(cleaned)


def main() -> int:
    if "--no-refresh" not in sys.argv:
        refresh()
    problems = []
    catalogues = sorted(
        po for po in PACKAGE.rglob("locale/*/LC_MESSAGES/*.po") if po.parts[-3] in REQUIRED
    )
    if not catalogues:
        problems.append("no FR/NL catalogue found")
    for po in catalogues:
        result = subprocess.run(
            ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
            capture_output=True,
            text=True,
            check=False,
        )
        stats = result.stderr.strip()
        if result.returncode != 0 or "untranslated" in stats or "fuzzy" in stats:
            problems.append(f"{po.relative_to(PACKAGE)}: {stats}")
        else:
            print(f"{po.relative_to(PACKAGE)}: {stats}")
    for problem in problems:
        print(f"catalogue problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
