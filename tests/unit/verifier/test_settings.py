"""The verifier's settings and its agent's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from tests.unit.verifier.conftest import Verifier
from verifier import VerifierSettings, agent_config

NYM = "Th7MpTaRZVRYnPiabds81Y"


def settings(tmp_path: Path, **values: object) -> VerifierSettings:
    return VerifierSettings(data_dir=tmp_path, **values)  # type: ignore[arg-type]


def test_defaults_are_the_clinics(tmp_path: Path) -> None:
    s = settings(tmp_path)
    assert (s.port, s.agent_inbound_port, s.agent_admin_port) == (8003, 8040, 8041)
    assert (s.label, s.issuer_did, s.request_timeout) == ("Riverside Clinic", None, 60)
    assert s.party_labels() == {"clinic": "Riverside Clinic", "insurer": "Riverside Health Insurance"}


def test_the_insurer_is_named_apart_from_the_clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDCRED_VERIFIER_INSURER_LABEL", "Northwind Mutual")
    assert settings(tmp_path, label="Hillside Clinic").party_labels() == {
        "clinic": "Hillside Clinic", "insurer": "Northwind Mutual"
    }  # fmt: skip


@pytest.mark.parametrize("given", [NYM, f"did:sov:{NYM}", f"  {NYM} "])
def test_issuer_did_becomes_the_unqualified_nym_restrictions_need(tmp_path: Path, given: str) -> None:
    assert settings(tmp_path, issuer_did=given).issuer_did == NYM
    later = settings(tmp_path)
    later.issuer_did = given  # as the network does, once the hospital has said its DID
    assert later.issuer_did == NYM


@pytest.mark.parametrize("given", ["did:web:example.org", "not a did", f"did:indy:sovrin:{NYM}0OIl"])
def test_an_issuer_did_that_cannot_restrict_is_refused(tmp_path: Path, given: str) -> None:
    with pytest.raises(ValidationError):
        settings(tmp_path, issuer_did=given)


def test_request_timeout_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        settings(tmp_path, request_timeout=0)


def test_agent_verifies_on_its_own_on_the_ledger_without_tails(tmp_path: Path) -> None:
    s = settings(tmp_path, ledger_url="http://ledger.test:9000", wallet_key=SecretStr("wallet-secret"))
    config = agent_config(s)
    argv = config.argv()
    assert "--auto-verify-presentation" in argv
    assert argv[argv.index("--genesis-url") + 1] == "http://ledger.test:9000/genesis"
    assert argv[argv.index("--wallet-type") + 1] == "askar-anoncreds"
    assert "--tails-server-base-url" not in argv
    assert (config.inbound_port, config.admin_port, config.label) == (8040, 8041, "Riverside Clinic")
    assert config.data_dir == tmp_path.resolve() / "agent"
    assert config.webhook_url == "http://127.0.0.1:8003/webhooks"
    assert "wallet-secret" not in " ".join(argv)
    assert config.env()["ACAPY_WALLET_KEY"] == "wallet-secret"


async def test_the_agent_posts_exactly_the_webhook_topics_the_controller_handles(verifier: Verifier) -> None:
    topics = agent_config(verifier.settings).webhook_topics
    assert topics is not None and set(topics) == verifier.app.state.link.webhooks.topics == {"present_proof_v2_0"}
    assert agent_config(verifier.settings).webhook_states == {"present_proof_v2_0": ["done", "abandoned", "deleted"]}
