"""Unit tests start from no MEDCRED_* environment (the integration session sets some for its stack)
and never reach a ledger: the roles keep their audit logs but do not anchor them."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("MEDCRED_")]:
        monkeypatch.delenv(name)
    for role in ("ISSUER", "HOLDER", "VERIFIER"):
        monkeypatch.setenv(f"MEDCRED_{role}_AUDIT_ANCHORING", "false")
