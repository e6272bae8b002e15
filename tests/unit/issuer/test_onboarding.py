"""Onboarding against a fake admin API: publish once, find again on restart, translate ledger failures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr

from agents.admin import AdminClient
from issuer.onboarding import Onboarding
from issuer.registry import IssuerRegistry
from issuer.settings import IssuerSettings
from medcred.credentials import SCHEMAS, CredentialType
from medcred.errors import ConfigurationError, LedgerError, LedgerRejectedError, TimeoutError_
from medcred.store import SqliteDocumentStore
from tests.unit.issuer.fakes import ISSUER_DID, NEW_DID, NEW_VERKEY, FakeAgent, FakeLedger

LEDGER_KEY = "ledger-key"


@pytest_asyncio.fixture
async def registry(tmp_path: Path) -> AsyncIterator[IssuerRegistry]:
    store = SqliteDocumentStore(tmp_path / "issuer.db")
    yield IssuerRegistry(store)
    store.close()


def settings(tmp_path: Path, **overrides: object) -> IssuerSettings:
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "ledger_api_key": SecretStr(LEDGER_KEY),
        "ledger_url": "http://ledger.test",
        "revocation_registry_size": 500,
    } | overrides
    return IssuerSettings.model_validate(values)


async def onboard(agent: FakeAgent, ledger: FakeLedger, registry: IssuerRegistry, cfg: IssuerSettings) -> Onboarding:
    admin = AdminClient("http://agent.test", "admin-key", transport=httpx.MockTransport(agent))
    await admin.open()
    return Onboarding(admin, registry, cfg, poll_interval=0.001, ledger_transport=httpx.MockTransport(ledger))


def existing_agent() -> FakeAgent:
    """An agent whose wallet already has the public DID, the schemas and the credential definitions."""
    agent = FakeAgent(public_did=ISSUER_DID)
    for n, schema in enumerate(SCHEMAS.values(), start=1):
        schema_id = f"{ISSUER_DID}:2:{schema.name}:{schema.version}"
        agent.schemas[(schema.name, schema.version)] = schema_id
        agent.cred_defs[schema_id] = [f"{ISSUER_DID}:3:CL:{n}:other-tag", f"{ISSUER_DID}:3:CL:{n}:default"]
    return agent


async def test_first_start_registers_the_did_and_publishes_everything(tmp_path: Path, registry: IssuerRegistry) -> None:
    agent, ledger = FakeAgent(), FakeLedger()
    identity = await (await onboard(agent, ledger, registry, settings(tmp_path))).run()

    assert identity.did == NEW_DID and agent.public_did == NEW_DID
    assert json.loads(agent.calls("POST", "/wallet/did/create")[0].content)["method"] == "sov"
    (register,) = ledger.requests
    assert str(register.url) == "http://ledger.test/register" and register.headers["x-api-key"] == LEDGER_KEY
    assert json.loads(register.content) == {"did": NEW_DID, "verkey": NEW_VERKEY, "alias": "City Hospital",
                                            "role": "ENDORSER"}  # fmt: skip
    created = [json.loads(r.content)["schema"] for r in agent.calls("POST", "/anoncreds/schema")]
    assert sorted((s["name"], tuple(s["attrNames"]), s["issuerId"]) for s in created) == sorted(
        (s.name, s.attributes, NEW_DID) for s in SCHEMAS.values()
    )
    definitions = [json.loads(r.content) for r in agent.calls("POST", "/anoncreds/credential-definition")]
    assert len(definitions) == 3
    for body in definitions:
        assert body["credential_definition"]["tag"] == "default"
        assert body["options"] == {"support_revocation": True, "revocation_registry_size": 500}
    assert set(identity.credential_definitions) == set(CredentialType)
    for cred_def_id in identity.credential_definitions.values():  # polled past the 404s until active
        assert len(agent.calls("GET", f"/anoncreds/revocation/active-registry/{cred_def_id}")) == 3
    assert registry.onboarding("identity") == identity.model_dump(mode="json")
    assert registry.onboarding("pending_did") is None


async def test_existing_schemas_and_definitions_are_found_not_published(
    tmp_path: Path, registry: IssuerRegistry
) -> None:
    agent, ledger = existing_agent(), FakeLedger()
    identity = await (await onboard(agent, ledger, registry, settings(tmp_path))).run()
    assert agent.publishing_calls() == [] and ledger.requests == []
    assert identity.did == ISSUER_DID
    assert all(c.endswith(":default") for c in identity.credential_definitions.values())
    queries = [r.url.params for r in agent.calls("GET", "/anoncreds/schemas")]
    assert {(q["schema_issuer_id"], q["schema_name"], q["schema_version"]) for q in queries} == {
        (ISSUER_DID, s.name, s.version) for s in SCHEMAS.values()
    }


async def test_a_restart_publishes_nothing_twice(tmp_path: Path, registry: IssuerRegistry) -> None:
    agent, ledger = FakeAgent(), FakeLedger()
    first = await (await onboard(agent, ledger, registry, settings(tmp_path))).run()
    published = len(agent.publishing_calls())
    second = await (await onboard(agent, ledger, registry, settings(tmp_path))).run()
    assert second == first
    assert len(agent.publishing_calls()) == published and len(ledger.requests) == 1


async def test_a_did_created_before_a_failed_start_is_reused(tmp_path: Path, registry: IssuerRegistry) -> None:
    agent, ledger = FakeAgent(), FakeLedger(status=500)
    with pytest.raises(LedgerError):
        await (await onboard(agent, ledger, registry, settings(tmp_path))).run()
    ledger.status = 200
    identity = await (await onboard(agent, ledger, registry, settings(tmp_path))).run()
    assert identity.did == NEW_DID and len(agent.calls("POST", "/wallet/did/create")) == 1


async def test_setting_the_public_did_waits_for_the_ledger_to_catch_up(
    tmp_path: Path, registry: IssuerRegistry
) -> None:
    agent = FakeAgent(public_404s=2)
    await (await onboard(agent, FakeLedger(), registry, settings(tmp_path))).public_did()
    assert len(agent.calls("POST", "/wallet/did/public")) == 3 and agent.public_did == NEW_DID


async def test_a_schema_not_yet_readable_on_the_ledger_is_asked_for_again(
    tmp_path: Path, registry: IssuerRegistry
) -> None:
    """The agent's read of a schema it just wrote may reach a validator that has not applied it yet."""
    agent = FakeAgent(schema_misses=2)
    identity = await (await onboard(agent, FakeLedger(), registry, settings(tmp_path))).run()
    assert len(identity.credential_definitions) == 3
    assert len(agent.calls("POST", "/anoncreds/credential-definition")) == 3 + 2


@pytest.mark.parametrize(("status", "error"), [(401, ConfigurationError), (400, LedgerRejectedError),
                                               (503, LedgerError)])  # fmt: skip
async def test_ledger_refusals_are_translated(
    tmp_path: Path, registry: IssuerRegistry, status: int, error: type[Exception]
) -> None:
    agent = FakeAgent()
    with pytest.raises(error):
        await (await onboard(agent, FakeLedger(status=status), registry, settings(tmp_path))).run()
    assert agent.public_did is None


async def test_unreachable_ledger_is_a_ledger_error(tmp_path: Path, registry: IssuerRegistry) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    onboarding = await onboard(FakeAgent(), FakeLedger(), registry, settings(tmp_path))
    onboarding.ledger_transport = httpx.MockTransport(unreachable)
    with pytest.raises(LedgerError, match="could not be reached"):
        await onboarding.run()


async def test_a_registry_that_never_appears_times_out(tmp_path: Path, registry: IssuerRegistry) -> None:
    agent = FakeAgent(registry_404s=10**6)
    onboarding = await onboard(agent, FakeLedger(), registry, settings(tmp_path, onboarding_timeout=0.05))
    with pytest.raises(TimeoutError_, match="revocation registry"):
        await onboarding.run()
