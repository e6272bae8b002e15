"""Unit tests never reach a ledger: the roles keep their audit logs but do not anchor them."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_audit_anchoring(monkeypatch: pytest.MonkeyPatch) -> None:
    for role in ("ISSUER", "HOLDER", "VERIFIER"):
        monkeypatch.setenv(f"MEDCRED_{role}_AUDIT_ANCHORING", "false")
