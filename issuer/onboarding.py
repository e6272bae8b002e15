"""The hospital's onboarding at start-up: a public DID on the ledger, then for each credential type its
schema and its revocable credential definition, ready to issue.

Everything is found again before anything is created, so a restart never publishes twice: the public
DID is the wallet's; schemas and credential definitions are those the agent created (`GET /anoncreds/...`).
A DID created but not yet public (a start-up cut short) is remembered and reused. The three credential
definitions are set up concurrently; each one is ready once its active revocation registry exists.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
from pydantic import BaseModel

from agents.admin import AdminClient
from agents.public_did import StoredPendingDid, ensure_public_did
from issuer.registry import IssuerRegistry
from issuer.settings import IssuerSettings
from medcred.credentials import SCHEMAS, CredentialType, SchemaDef
from medcred.errors import AgentError, AgentRejectedError, MedcredError, NotFoundError, TimeoutError_
from medcred.identifiers import IndyDid

__all__ = ["CRED_DEF_TAG", "IssuerIdentity", "Onboarding"]

log = logging.getLogger(__name__)

CRED_DEF_TAG = "default"


class IssuerIdentity(BaseModel):
    """The hospital as verifiers know it: its public DID and its credential definition per type."""

    did: IndyDid
    credential_definitions: dict[CredentialType, str]


class Onboarding:
    def __init__(
        self,
        admin: AdminClient,
        registry: IssuerRegistry,
        settings: IssuerSettings,
        *,
        poll_interval: float = 0.25,
        ledger_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.admin = admin
        self.registry = registry
        self.settings = settings
        self.poll_interval = poll_interval
        self.ledger_transport = ledger_transport
        self._identity: IssuerIdentity | None = None

    def identity(self) -> IssuerIdentity:
        """The public DID and credential definitions (known once `run()` has finished)."""
        if self._identity is None:
            raise MedcredError("the issuer has not finished its onboarding")
        return self._identity

    async def run(self) -> IssuerIdentity:
        """Make sure the public DID, the schemas and the credential definitions exist; their ids."""
        did = await self.public_did()
        try:
            async with asyncio.TaskGroup() as group:
                tasks = {kind: group.create_task(self.credential_definition(did, kind)) for kind in SCHEMAS}
        except ExceptionGroup as failed:
            raise _first(failed) from None
        identity = IssuerIdentity(did=IndyDid(did), credential_definitions={k: t.result() for k, t in tasks.items()})
        self.registry.save_onboarding("identity", identity.model_dump(mode="json"))
        self._identity = identity
        return identity

    async def public_did(self) -> str:
        """The wallet's public DID; else a new one, registered on the ledger as ENDORSER and made public."""
        return await ensure_public_did(
            self.admin, self.settings, StoredPendingDid(self.registry.store), timeout=self.settings.onboarding_timeout,
            poll_interval=self.poll_interval, ledger_transport=self.ledger_transport,
        )  # fmt: skip

    async def credential_definition(self, did: str, kind: CredentialType) -> str:
        """The credential definition of one type (its schema first), found or created, with its registry."""
        schema = SCHEMAS[kind]
        schema_id = await self._schema_id(did, schema)
        found = await self.admin.anoncreds_get_cred_defs(issuer_id=did, schema_id=schema_id)
        cred_def_id = next((c for c in found if c.endswith(f":{CRED_DEF_TAG}")), None)
        if cred_def_id is None:
            result = await self._create_cred_def(did, schema_id)
            cred_def_id = _finished(result, "credential_definition_state", "credential_definition_id")
            log.info("published credential definition %s (%s)", cred_def_id, kind)
        await self._await_revocation_registry(cred_def_id)
        self.registry.save_onboarding(f"type:{kind}", {"schema_id": schema_id, "cred_def_id": cred_def_id})
        return cred_def_id

    async def _create_cred_def(self, did: str, schema_id: str) -> dict[str, object]:
        """Create the credential definition; while the agent cannot read the schema just written back from
        the ledger (a write is confirmed by f + 1 validators, and its read may reach one that has not applied
        it yet: "Schema not found"), ask again until the onboarding timeout."""
        deadline = time.monotonic() + self.settings.onboarding_timeout
        while True:
            try:
                return await self.admin.anoncreds_create_cred_def(
                    did, schema_id, CRED_DEF_TAG,
                    support_revocation=True, revocation_registry_size=self.settings.revocation_registry_size,
                )  # fmt: skip
            except AgentRejectedError as exc:
                if "schema not found" not in exc.message.lower() or time.monotonic() > deadline:
                    raise
                log.info("schema %s not yet readable by the agent: asking again", schema_id)
            await asyncio.sleep(self.poll_interval)

    async def _schema_id(self, did: str, schema: SchemaDef) -> str:
        found = await self.admin.anoncreds_get_schemas(issuer_id=did, name=schema.name, version=schema.version)
        if found:
            return str(found[0])
        result = await self.admin.anoncreds_create_schema(did, schema.name, schema.version, list(schema.attributes))
        schema_id = _finished(result, "schema_state", "schema_id")
        log.info("published schema %s", schema_id)
        return schema_id

    async def _await_revocation_registry(self, cred_def_id: str) -> None:
        """Poll until the agent has an active revocation registry (setup runs after the cred def answer)."""
        deadline = time.monotonic() + self.settings.onboarding_timeout
        while True:
            try:
                await self.admin.active_revocation_registry(cred_def_id)
                return
            except NotFoundError:
                if time.monotonic() > deadline:
                    raise TimeoutError_(
                        f"no active revocation registry for {cred_def_id} after {self.settings.onboarding_timeout:g} s"
                        " (is the tails server up?)"
                    ) from None
            await asyncio.sleep(self.poll_interval)


def _finished(result: dict[str, object], state_key: str, id_key: str) -> str:
    state = result.get(state_key)
    if not isinstance(state, dict) or state.get("state") != "finished" or not isinstance(state.get(id_key), str):
        shown = state.get("state") if isinstance(state, dict) else None
        raise AgentError(f"the agent did not finish publishing ({state_key}: {shown})")
    return str(state[id_key])


def _first(group: BaseExceptionGroup[Exception]) -> Exception:
    leaf = group.exceptions[0]
    return _first(leaf) if isinstance(leaf, BaseExceptionGroup) else leaf

