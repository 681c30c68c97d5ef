"""Reading PARCOURS_* environment variables.

Every value is checked when the settings load; a bad value raises `SettingsError` whose message
names the variable. The `parcours` command prints that message on one line and exits, so an
operator never has to read a traceback to find a typo in a variable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse


class SettingsError(Exception):
    """A PARCOURS_* variable has a value Parcours cannot use."""


class Env:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def text(self, name: str, default: str = "") -> str:
        return self.environ.get(name, default).strip()

    def flag(self, name: str, default: bool) -> bool:
        raw = self.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        value = raw.strip().lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{name}: expected true or false, got {raw!r}")

    def integer(
        self, name: str, default: int, *, minimum: int = 0, maximum: int | None = None
    ) -> int:
        raw = self.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise SettingsError(f"{name}: expected a whole number, got {raw!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            upper = "" if maximum is None else f" and at most {maximum}"
            raise SettingsError(f"{name}: must be at least {minimum}{upper}, got {value}")
        return value

    def items(self, name: str, default: list[str]) -> list[str]:
        raw = self.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        return [item.strip() for item in raw.split(",") if item.strip()]

    def choice(self, name: str, default: str, choices: set[str]) -> str:
        value = self.text(name, default)
        if value not in choices:
            allowed = ", ".join(sorted(choices))
            raise SettingsError(f"{name}: expected one of {allowed}, got {value!r}")
        return value

    def url(self, name: str, default: str, schemes: set[str]) -> str:
        value = self.text(name, default)
        if not value:
            return value
        parsed = urlparse(value)
        if parsed.scheme not in schemes:
            allowed = ", ".join(sorted(schemes))
            raise SettingsError(f"{name}: expected a URL starting with {allowed}, got {value!r}")
        return value


def data_dir(env: Env, base_dir: Path) -> Path:
    path = Path(env.text("PARCOURS_DATA_DIR", str(base_dir / "var"))).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(f"PARCOURS_DATA_DIR: cannot create {path}: {exc.strerror}") from None
    return path


def secret_key(env: Env, directory: Path) -> str:
    """The secret key from the environment, or one generated once and kept in the data dir."""
    value = env.text("PARCOURS_SECRET_KEY")
    if value:
        if len(value) < 32:
            raise SettingsError("PARCOURS_SECRET_KEY: must be at least 32 characters long")
        return value
    key_file = directory / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def database(env: Env, directory: Path) -> dict[str, object]:
    import dj_database_url

    url = env.text("PARCOURS_DATABASE_URL")
    if not url:
        url = f"sqlite:///{directory / 'parcours.sqlite3'}"
    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise SettingsError(
            f"PARCOURS_DATABASE_URL: expected a sqlite:/// or postgresql:// URL, got {url!r}"
        )
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url))
    except ValueError as exc:
        raise SettingsError(f"PARCOURS_DATABASE_URL: {exc}") from None
    config["CONN_MAX_AGE"] = env.integer("PARCOURS_DATABASE_CONN_MAX_AGE", 600)
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL, a busy timeout and IMMEDIATE transactions: writers queue instead of failing with
        # "database is locked" (docs/decisions/0001-server-arrangement.md).
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    return config
