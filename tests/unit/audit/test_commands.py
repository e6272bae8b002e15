"""`medcred audit verify` on a data folder: OK per service, the first problem, the exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit import FileAuditLog
from medcred.database import PRIVATE_SECRET
from stack.cli import app
from tests.ports import free_port
from tests.unit.audit.conftest import fill


def _logs(home: Path) -> None:
    for service, count in (("issuer", 5), ("holder", 3)):
        with FileAuditLog(home / service / "audit", service) as log:
            fill(log, count)


def test_verify_reports_every_service_and_says_anchors_were_not_checked(tmp_path: Path) -> None:
    _logs(tmp_path)
    result = CliRunner().invoke(app, ["audit", "verify", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "holder: OK - 3 entries, 0 batches" in result.output
    assert "issuer: OK - 5 entries, 0 batches" in result.output
    assert f"anchors were not checked: there is no ledger in {tmp_path / 'ledger'}" in result.output


def test_verify_fails_at_a_problem_and_can_look_at_one_service(tmp_path: Path) -> None:
    _logs(tmp_path)
    entries = tmp_path / "holder" / "audit" / "entries.jsonl"
    lines = entries.read_text().splitlines(keepends=True)
    entries.write_text(lines[0] + lines[2])
    result = CliRunner().invoke(app, ["audit", "verify", "--home", str(tmp_path)])
    assert result.exit_code == 1
    assert "holder: PROBLEM - entry 2 is missing (seq jumps from 1 to 3)" in result.output
    assert "issuer: OK" in result.output
    only = CliRunner().invoke(app, ["audit", "verify", "--home", str(tmp_path), "--service", "issuer"])
    assert only.exit_code == 0 and "holder" not in only.output
    missing = CliRunner().invoke(app, ["audit", "verify", "--home", str(tmp_path), "--service", "verifier"])
    assert missing.exit_code == 1 and "verifier: PROBLEM - there is no audit log in" in missing.output


def test_nothing_verified_because_the_private_database_does_not_answer_is_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A data folder that had `medcred up --postgres` (its generated secret is there), its cluster not running.
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / PRIVATE_SECRET).write_text("not-a-real-password")
    monkeypatch.delenv("MEDCRED_DATABASE_URL", raising=False)
    monkeypatch.setenv("MEDCRED_POSTGRES_PORT", str(free_port()))
    result = CliRunner().invoke(app, ["audit", "verify", "--home", str(tmp_path)])
    assert "audit logs in the database were not checked" in result.output
    assert f"no audit logs under {tmp_path}" in result.output
    assert result.exit_code == 1, result.output
    empty = tmp_path / "empty"  # a folder that never had a database: nothing to verify is not a failure
    empty.mkdir()
    assert CliRunner().invoke(app, ["audit", "verify", "--home", str(empty)]).exit_code == 0
