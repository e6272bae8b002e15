"""Each role's public DIDComm endpoint (`MEDCRED_<ROLE>_AGENT_ENDPOINT`) is set apart from where its agent binds."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from holder import HolderSettings
from holder import agent_config as holder_agent
from issuer import IssuerSettings
from issuer import agent_config as issuer_agent
from verifier import VerifierSettings
from verifier import agent_config as verifier_agent

ROLES = [
    ("ISSUER", IssuerSettings, issuer_agent),
    ("HOLDER", HolderSettings, holder_agent),
    ("VERIFIER", VerifierSettings, verifier_agent),
]


@pytest.mark.parametrize(("prefix", "kind", "agent"), ROLES)
def test_by_default_the_endpoint_is_where_the_agent_binds(
    prefix: str, kind: type, agent: object, tmp_path: Path
) -> None:
    settings = kind(data_dir=tmp_path, host="127.0.0.5")
    assert settings.endpoint == f"http://127.0.0.5:{settings.agent_inbound_port}"
    argv = agent(settings).argv()  # type: ignore[operator]
    assert argv[argv.index("-e") + 1] == settings.endpoint


@pytest.mark.parametrize(("prefix", "kind", "agent"), ROLES)
def test_the_environment_sets_the_endpoint_the_agent_announces(
    prefix: str, kind: type, agent: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"MEDCRED_{prefix}_AGENT_ENDPOINT", " https://medcred.example.org:8443/didcomm/ ")
    settings = kind(data_dir=tmp_path)
    assert settings.endpoint == "https://medcred.example.org:8443/didcomm"
    config = agent(settings)  # type: ignore[operator]
    argv = config.argv()
    assert argv[argv.index("-e") + 1] == "https://medcred.example.org:8443/didcomm"
    # It still binds where it did: only what others are told changes.
    bound = argv.index("-it")
    assert argv[bound + 1 : bound + 4] == ["http", "127.0.0.1", str(settings.agent_inbound_port)]


@pytest.mark.parametrize("bad", ["192.168.1.20:8020", "ftp://host:21", "http://", "http://host:8020/?x=1", "ws://h"])
def test_an_endpoint_that_is_no_http_url_is_refused(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="agent_endpoint"):
        IssuerSettings(data_dir=tmp_path, agent_endpoint=bad)


def test_the_clinic_never_fetches_from_its_own_public_endpoint(tmp_path: Path) -> None:
    settings = VerifierSettings(data_dir=tmp_path, agent_endpoint="http://192.168.1.20:8040")
    assert "http://192.168.1.20:8040" in settings.own_origins()
    with pytest.raises(ValidationError, match="own"):
        VerifierSettings(
            data_dir=tmp_path, agent_endpoint="http://192.168.1.20:8040", share_allowed_origins="http://192.168.1.20:8040"
        )
