"""Migrations are the only source of the schema; the CLI and settings behave as documented."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydantic import ValidationError

from app.config import Settings
from app.models import Base
from app.search.models import include_name

ROOT = Path(__file__).resolve().parent.parent


async def test_models_and_migrations_agree(connection):
    def diff(sync_connection):
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(sync_connection, opts=opts)
        return compare_metadata(context, Base.metadata)

    assert await connection.run_sync(diff) == []


def test_migration_files_are_dated():
    names = [p.name for p in (ROOT / "migrations" / "versions").glob("*.py")]
    assert names and all(n[:4].isdigit() and n[4] == "_" for n in names)


def test_constraint_names_follow_the_convention():
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            assert constraint.name and str(constraint.name).split("_")[0] in {"pk", "fk", "uq", "ck"}, (
                constraint
            )
        for index in table.indexes:
            assert str(index.name).startswith("ix_")


def test_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.delenv("LIAISON_SECRET_KEY", raising=False)
    monkeypatch.setenv("LIAISON_DEMO", "false")
    for key in ("", "change-me", "short"):
        with pytest.raises(ValidationError, match="LIAISON_SECRET_KEY"):
            Settings(secret_key=key)
    assert Settings(secret_key="r" * 40).secret_key == "r" * 40


def _liaison(
    tmp_path: Path, *args: str, stdin: str = "", demo: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LIAISON_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "LIAISON_DEMO": "true" if demo else "false",
        "LIAISON_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("LIAISON_ADMIN_PASSWORD", None)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_cli_migrates_and_creates_the_first_admin(tmp_path):
    assert _liaison(tmp_path, "migrate").returncode == 0
    weak = _liaison(
        tmp_path,
        "create-admin",
        "--email",
        "boss@example.org",
        "--name",
        "Boss",
        stdin="password1234\npassword1234\n",
    )
    assert weak.returncode == 2 and "too common" in weak.stderr
    ok = _liaison(
        tmp_path,
        "create-admin",
        "--email",
        "boss@example.org",
        "--name",
        "Boss",
        stdin="quartz-meadow-falcon-12\nquartz-meadow-falcon-12\n",
    )
    assert ok.returncode == 0, ok.stderr
    assert "quartz-meadow-falcon-12" not in ok.stdout + ok.stderr
    again = _liaison(
        tmp_path,
        "create-admin",
        "--email",
        "BOSS@example.org",
        "--name",
        "Boss",
        stdin="quartz-meadow-falcon-12\nquartz-meadow-falcon-12\n",
    )
    assert again.returncode == 1 and "already has an account" in again.stderr


def test_cli_demo_loads_once_and_only_in_demo_mode(tmp_path):
    assert _liaison(tmp_path, "migrate").returncode == 0
    refused = _liaison(tmp_path, "demo")
    assert refused.returncode == 2
    loaded = _liaison(tmp_path, "demo", demo=True)
    assert loaded.returncode == 0, loaded.stderr
    assert "admin@liaison.example" in loaded.stdout and "j.smith@homeoffice.gov.uk" in loaded.stdout
    reindexed = _liaison(tmp_path, "search", "reindex")
    assert reindexed.returncode == 0 and "indexed 6 documents" in reindexed.stdout, reindexed.stderr
