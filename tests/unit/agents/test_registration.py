"""Which way a service's DID is registered: POST /register on the embedded ledger, the operator's endorser
on another network (the endorser path itself runs on a real pool: tests/integration/ledger)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from agents.registration import register
from issuer import IssuerSettings
from ledger.identity import Role
from ledger.settings import VON_TRUSTEE_SEED
from medcred.errors import ConfigurationError

DID, VERKEY = "Th7MpTaRZVRYnPiabds81Y", "FYmoFw55GeQH7SRFa37dkx1d2dZ3zUF8ckg7wmL7ofN4"


async def test_on_the_embedded_ledger_a_did_is_registered_through_post_register(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def ledger(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"did": DID})

    settings = IssuerSettings(data_dir=tmp_path, ledger_url="http://127.0.0.1:9000", ledger_api_key=SecretStr("k"))
    await register(settings, did=DID, verkey=VERKEY, alias="City Hospital", transport=httpx.MockTransport(ledger))
    (request,) = seen
    assert request.url == "http://127.0.0.1:9000/register" and request.headers["x-api-key"] == "k"
    assert json.loads(request.content) == {"did": DID, "verkey": VERKEY, "alias": "City Hospital", "role": "ENDORSER"}
    with pytest.raises(ConfigurationError, match="endorsers only"):
        await register(settings, did=DID, verkey=VERKEY, alias="audit", role=Role.NONE)


async def test_on_another_network_the_endorser_needs_its_genesis_and_is_never_the_development_seed(
    tmp_path: Path,
) -> None:
    alone = IssuerSettings(data_dir=tmp_path, endorser_seed=SecretStr("x" * 32))
    with pytest.raises(ConfigurationError, match="needs the network's genesis"):
        await register(alone, did=DID, verkey=VERKEY, alias="City Hospital")
    von = IssuerSettings(data_dir=tmp_path, endorser_seed=SecretStr(VON_TRUSTEE_SEED),
                         genesis_file=tmp_path / "their.txn")  # fmt: skip
    with pytest.raises(ConfigurationError, match="development trustee seed"):
        await register(von, did=DID, verkey=VERKEY, alias="City Hospital")


def test_an_agent_on_another_network_reads_its_genesis_file(tmp_path: Path) -> None:
    settings = IssuerSettings(data_dir=tmp_path / "issuer", genesis_file=tmp_path / "their.txn")
    argv = settings.agent_config().argv()
    assert argv[argv.index("--genesis-file") + 1] == str((tmp_path / "their.txn").resolve())
    assert "--genesis-url" not in argv
    default = IssuerSettings(data_dir=tmp_path / "issuer").agent_config().argv()
    assert default[default.index("--genesis-url") + 1] == "http://127.0.0.1:9000/genesis"
