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
from issuer.records import IssuerRecords
from issuer.registration import register_did
from issuer.settings import IssuerSettings
from medcred.credentials import SCHEMAS, CredentialType, SchemaDef
from medcred.errors import AgentError, LedgerError, NotFoundError, TimeoutError_

__all__ = ["CRED_DEF_TAG", "IssuerIdentity", "Onboarding"]

log = logging.getLogger(__name__)

CRED_DEF_TAG = "default"


class IssuerIdentity(BaseModel):
    """The hospital as verifiers know it: its public DID and its credential definition per type."""

    did: str
    credential_definitions: dict[CredentialType, str]


class Onboarding:
    def __init__(
        self,
        admin: AdminClient,
        records: IssuerRecords,
        settings: IssuerSettings,
        *,
        poll_interval: float = 0.25,
        ledger_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.admin = admin
        self.records = records
        self.settings = settings
        self.poll_interval = poll_interval
        self.ledger_transport = ledger_transport

    async def run(self) -> IssuerIdentity:
        """Make sure the public DID, the schemas and the credential definitions exist; their ids."""
        did = await self.public_did()
        try:
            async with asyncio.TaskGroup() as group:
                tasks = {kind: group.create_task(self.credential_definition(did, kind)) for kind in SCHEMAS}
        except ExceptionGroup as failed:
            raise _first(failed) from None
        identity = IssuerIdentity(did=did, credential_definitions={k: t.result() for k, t in tasks.items()})
        self.records.save_onboarding("identity", identity.model_dump(mode="json"))
        return identity

    async def public_did(self) -> str:
        """The wallet's public DID; else a new one, registered on the ledger as ENDORSER and made public."""
        public = await self.admin.wallet_did_public()
        if public is not None and isinstance(public.get("did"), str):
            return str(public["did"])
        did, verkey = await self._unpublished_did()
        await register_did(
            self.settings.ledger_url, self.settings.ledger_api_key, did=did, verkey=verkey,
            alias=self.settings.label, transport=self.ledger_transport,
        )  # fmt: skip
        await self._make_public(did)
        self.records.forget_onboarding("pending_did")
        log.info("public DID %s is set", did)
        return did

    async def _unpublished_did(self) -> tuple[str, str]:
        pending = self.records.onboarding("pending_did")
        if pending is not None and pending["did"] in {info.get("did") for info in await self.admin.wallet_dids()}:
            return str(pending["did"]), str(pending["verkey"])
        info = await self.admin.create_wallet_did(method="sov")
        did, verkey = info.get("did"), info.get("verkey")
        if not isinstance(did, str) or not isinstance(verkey, str):
            raise AgentError("the agent created a DID but did not answer its did and verkey")
        self.records.save_onboarding("pending_did", {"did": did, "verkey": verkey})
        return did, verkey

    async def _make_public(self, did: str) -> None:
        deadline = time.monotonic() + self.settings.onboarding_timeout
        while True:
            try:
                await self.admin.request("POST", "/wallet/did/public", params={"did": did})
                return
            except NotFoundError as exc:  # the agent read the ledger before the NYM reached that node
                if time.monotonic() > deadline:
                    raise LedgerError(f"DID {did} was registered but the agent cannot find it on the ledger") from exc
            await asyncio.sleep(self.poll_interval)

    async def credential_definition(self, did: str, kind: CredentialType) -> str:
        """The credential definition of one type (its schema first), found or created, with its registry."""
        schema = SCHEMAS[kind]
        schema_id = await self._schema_id(did, schema)
        found = await self.admin.anoncreds_get_cred_defs(issuer_id=did, schema_id=schema_id)
        cred_def_id = next((c for c in found if c.endswith(f":{CRED_DEF_TAG}")), None)
        if cred_def_id is None:
            result = await self.admin.anoncreds_create_cred_def(
                did, schema_id, CRED_DEF_TAG,
                support_revocation=True, revocation_registry_size=self.settings.revocation_registry_size,
            )  # fmt: skip
            cred_def_id = _finished(result, "credential_definition_state", "credential_definition_id")
            log.info("published credential definition %s (%s)", cred_def_id, kind)
        await self._await_revocation_registry(cred_def_id)
        self.records.save_onboarding(f"type:{kind}", {"schema_id": schema_id, "cred_def_id": cred_def_id})
        return cred_def_id

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
