"""The network takes each role's settings from its caller, and sets over them what joins the roles."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from pydantic import SecretStr

from holder import HolderSettings
from issuer import IssuerSettings
from stack.network import MedcredNetwork
from verifier import VerifierSettings


def test_each_role_runs_with_the_settings_its_caller_gives(tmp_path: Path) -> None:
    kek = SecretStr(secrets.token_bytes(32).hex())
    network = MedcredNetwork(
        tmp_path,
        issuer=IssuerSettings(audit_max_wait=1, issuance_timeout=15, records_kek=kek),
        holder=HolderSettings(audit_max_wait=2, hospital_url="http://elsewhere:1"),
        verifier=VerifierSettings(audit_max_wait=3, data_dir=tmp_path / "elsewhere"),
    )
    issuer, holder, verifier = (role.settings for role in network.roles)
    assert isinstance(issuer, IssuerSettings) and isinstance(holder, HolderSettings)
    assert (issuer.audit_max_wait, issuer.issuance_timeout, issuer.records_kek) == (1, 15, kek)
    assert (holder.audit_max_wait, verifier.audit_max_wait) == (2, 3)
    # What joins the roles into this network is the network's own.
    assert holder.hospital_url == issuer.url
    assert verifier.data_dir == tmp_path.resolve() / "verifier"
    assert {role.settings.ledger_url for role in network.roles} == {network.ledger.settings.web_url}


def test_a_role_given_nothing_keeps_its_defaults(tmp_path: Path) -> None:
    network = MedcredNetwork(tmp_path, issuer=IssuerSettings(records_kek=SecretStr("11" * 32)))
    assert network.holder.settings.audit_max_wait == HolderSettings().audit_max_wait
    assert isinstance(network.issuer.settings, IssuerSettings)
    assert network.issuer.settings.issuance_timeout == IssuerSettings().issuance_timeout


def test_the_clinic_trusts_the_hospitals_cards_unless_given_a_trust_list(tmp_path: Path) -> None:
    kek = SecretStr("11" * 32)
    network = MedcredNetwork(tmp_path / "a", issuer=IssuerSettings(records_kek=kek, label="Mercy Hospital"))
    verifier = network.verifier.settings
    assert isinstance(verifier, VerifierSettings) and verifier.health_card_live_keys is True
    assert verifier.health_card_trust_list is not None
    directory = json.loads(verifier.health_card_trust_list.read_text())
    iss = network.issuer.settings.health_card_iss  # type: ignore[attr-defined]
    assert directory == {"participating_issuers": [{"iss": iss, "name": "Mercy Hospital"}]}
    assert network.issuer.settings.public_url in verifier.share_allowed_origins  # its http loopback, allowed

    own = tmp_path / "trust.json"
    own.write_text("{}")
    mine = MedcredNetwork(tmp_path / "b", issuer=IssuerSettings(records_kek=kek),
                          verifier=VerifierSettings(health_card_trust_list=own))  # fmt: skip
    chosen = mine.verifier.settings
    assert isinstance(chosen, VerifierSettings)
    assert (chosen.health_card_trust_list, chosen.health_card_live_keys) == (own, False)
