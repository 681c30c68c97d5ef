"""Bad PARCOURS_* values stop start-up with one line naming the variable, and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from parcours.config import Env, SettingsError, database

CASES = [
    ("PARCOURS_DATABASE_URL", "mysql://db/parcours", "expected a sqlite:/// or postgresql://"),
    ("PARCOURS_REDIS_URL", "http://localhost:6379", "expected a URL starting with"),
    ("PARCOURS_DEBUG", "maybe", "expected true or false"),
    ("PARCOURS_DEMO", "2", "expected true or false"),
    ("PARCOURS_LOGIN_FAILURE_LIMIT", "five", "expected a whole number"),
    ("PARCOURS_SESSION_IDLE_MINUTES", "0", "must be at least 1"),
    ("PARCOURS_EMAIL_PORT", "70000", "at most 65535"),
    ("PARCOURS_SECRET_KEY", "short", "at least 32 characters"),
    ("PARCOURS_LOG_LEVEL", "LOUD", "expected one of"),
]


@pytest.mark.parametrize(("variable", "value", "expected"), CASES)
def test_bad_value_gives_one_line_naming_the_variable(
    variable: str, value: str, expected: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    env.update({"PARCOURS_DATA_DIR": str(tmp_path), variable: value})
    result = subprocess.run(
        [sys.executable, "-m", "parcours.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"parcours: configuration error: {variable}:")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_good_values_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    env.update({"PARCOURS_DATA_DIR": str(tmp_path), "PARCOURS_DEBUG": "false"})
    result = subprocess.run(
        [sys.executable, "-m", "parcours.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").exists(), "the embedded default keeps its generated key"


def test_embedded_database_is_sqlite_in_wal_mode(tmp_path: Path) -> None:
    config = database(Env({}), tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "parcours.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]  # type: ignore[index]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"  # type: ignore[index]


def test_postgresql_url_is_accepted(tmp_path: Path) -> None:
    config = database(Env({"PARCOURS_DATABASE_URL": "postgresql://u:p@db:5433/parcours"}), tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db", 5433, "parcours")


def test_env_int_bounds() -> None:
    with pytest.raises(SettingsError, match="PARCOURS_X: must be at least 1"):
        Env({"PARCOURS_X": "0"}).integer("PARCOURS_X", 5, minimum=1)
