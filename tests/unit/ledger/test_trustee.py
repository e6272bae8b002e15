"""The well-known development trustee seed writes on the embedded local pool only."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from ledger.pool import LocalPool
from ledger.settings import VON_TRUSTEE_SEED, LedgerSettings
from ledger.trustee import Genesis, trustee_signer
from ledger.web import create_app
from medcred.errors import ConfigurationError

OTHER_NETWORK = Genesis(Path("/etc/medcred/bcovrin-test-genesis.txn"))


def test_the_local_pool_takes_the_development_seed(tmp_path: Path) -> None:
    genesis = LocalPool(LedgerSettings(data_dir=tmp_path)).genesis
    assert genesis.local_pool
    assert trustee_signer(SecretStr(VON_TRUSTEE_SEED), genesis).did == "V4SGRU86Z58d6TV7PBUe6f"  # von-network's


@pytest.mark.parametrize("seed", [VON_TRUSTEE_SEED, "Trustee1"])  # "Trustee1" is the same seed, left-padded
def test_another_pool_refuses_the_development_seed(seed: str) -> None:
    with pytest.raises(ConfigurationError, match=r"not the embedded local pool.*MEDCRED_LEDGER_TRUSTEE_SEED"):
        trustee_signer(SecretStr(seed), OTHER_NETWORK)


def test_another_pool_takes_its_own_trustee_seed() -> None:
    own = SecretStr("this-networks-own-trustee-seed-1")
    assert trustee_signer(own, OTHER_NETWORK).did != trustee_signer(SecretStr(VON_TRUSTEE_SEED), Genesis(
        Path("local"), local_pool=True)).did


def test_the_ledger_web_server_on_another_pool_refuses_the_development_seed(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="development trustee seed"):
        create_app(LedgerSettings(data_dir=tmp_path), OTHER_NETWORK, "register-key")
