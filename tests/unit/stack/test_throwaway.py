"""A network in a temporary folder (the demo, the benchmarks) leaves no records key file behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from stack.network import MedcredNetwork, throwaway_issuer


def test_a_throwaway_network_keeps_its_records_key_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    network = MedcredNetwork(tmp_path / "data", issuer=throwaway_issuer())
    assert network.issuer.settings.records_kek is not None
    assert network.issuer.settings.records_kek_file is None
    assert not (tmp_path / "home").exists()  # no ~/.config/medcred/records-keks/<id> made for it
    other = MedcredNetwork(tmp_path / "data2", issuer=throwaway_issuer())
    assert other.issuer.settings.records_kek != network.issuer.settings.records_kek
