"""Unit tests start from no MEDCRED_* environment (a developer's shell may set some) and never reach a
ledger: each role's settings in the tests say `audit_anchoring=False` (its audit log is kept, not anchored)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("MEDCRED_")]:
        monkeypatch.delenv(name)
