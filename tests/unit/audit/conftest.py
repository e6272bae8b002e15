"""A fresh audit log in a temporary folder, an in-memory ledger, and a signer, per test."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit import AuditLog, FileAuditLog
from ledger.identity import Signer
from tests.unit.audit.fakes import FakeLedger

SERVICE = "issuer"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "issuer" / "audit"


@pytest.fixture
def log(folder: Path) -> Iterator[AuditLog]:
    with FileAuditLog(folder, SERVICE) as audit_log:
        yield audit_log


@pytest.fixture
def ledger() -> FakeLedger:
    return FakeLedger()


@pytest.fixture
def signer() -> Signer:
    return Signer.from_seed(secrets.token_bytes(32))


def fill(log: AuditLog, count: int) -> None:
    for i in range(count):
        log.append("credential.issued", subject=f"patient-{i % 3}", details={"credential_id": f"c-{i}"})
