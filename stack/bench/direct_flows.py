"""The same flows straight on the three agents' admin APIs (`AdminClient`), without our controllers.

    connect   holder sub-wallet (askar-anoncreds, RAW key) -> issuer OOB invitation (DID Exchange,
              auto-accept) -> holder receive-invitation -> the holder's connection active
    issue     issuer send-offer (anoncreds, auto_issue) -> the issuer's record `done` (the wallet's ack)
    verify    verifier create-request (the `vaccination-status` template) + OOB invitation carrying it
              -> holder receive-invitation -> its `request-received` record -> candidates ->
              send-presentation naming the cred_id -> the verifier's record `done`, verified

States are awaited on each agent's admin websocket (`stack.bench.agent_events`), not polled; the
three streams are open inside `async with flows.listening():` only.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from agents.admin import AdminClient
from holder.accounts import new_raw_key
from holder.invitations import proof_request_thread
from issuer.attributes import vaccination_attributes
from issuer.fhir import parse_patient
from medcred import samples
from medcred.errors import AgentError
from stack.bench.agent_events import AgentEvents
from stack.bench.batch import Laps
from verifier.templates import REVEALED_REFERENT, get_template

__all__ = ["Agent", "DirectFlows"]

type Json = dict[str, Any]

TIMEOUT = 30.0  # seconds any awaited state may take
TEMPLATE = get_template("vaccination-status")
CONNECTIONS, CREDENTIALS, PRESENTATIONS = "connections", "issue_credential_v2_0", "present_proof_v2_0"


@dataclass(frozen=True)
class Agent:
    """An agent's admin API and its event stream."""

    admin: AdminClient
    events: AgentEvents


@dataclass(frozen=True)
class Wallet:
    """A patient's sub-wallet on the holder agent, connected to the issuer."""

    tenant: AdminClient
    wallet_id: str
    issuer_connection_id: str


class DirectFlows:
    def __init__(
        self, issuer: Agent, holder: Agent, verifier: Agent, *, cred_def_id: str, issuer_did: str | None,
        wallet_label: str, verifier_label: str,
    ) -> None:  # fmt: skip
        """`holder` acts as the multitenant base wallet (sub-wallets are made from it)."""
        self.issuer, self.holder, self.verifier = issuer, holder, verifier
        self.cred_def_id, self.issuer_did = cred_def_id, issuer_did
        self.wallet_label, self.verifier_label = wallet_label, verifier_label
        # The controller derives these from FHIR at every issuance; here once, outside the timings.
        ref = "bench-direct"
        facts = parse_patient(samples.patient(ref), date.today())
        self.attributes = vaccination_attributes(samples.immunization(ref, dose=2, date="2021-06-01"), facts)

    @contextlib.asynccontextmanager
    async def listening(self) -> AsyncIterator[None]:
        """The three agents' event streams open: the flows await their states on them."""
        async with self.issuer.events, self.holder.events, self.verifier.events:
            yield

    async def connect(self, ref: str) -> Wallet:
        """A new sub-wallet, connected to the issuer through the issuer's invitation."""
        created = await self.holder.admin.multitenancy_create_wallet(
            f"bench-{ref}", new_raw_key(), label=self.wallet_label, key_derivation="RAW"
        )
        tenant = self.holder.admin.for_tenant(created.token)
        oob = await self.issuer.admin.create_oob_invitation(alias=ref, handshake=True, use_public_did=False)
        received = await tenant.receive_invitation(oob["invitation"], auto_accept=True)
        await self.holder.events.waiter.wait_for(
            CONNECTIONS, "connection_id", str(received["connection_id"]), states={"active"}, timeout=TIMEOUT
        )
        # The holder is active once the issuer's response came, so the issuer's record is `response` or
        # `active` by now: ready for an offer (ACA-Py's ConnRecord.is_ready).
        ours = await self.issuer.events.waiter.wait_for(
            CONNECTIONS, "invitation_msg_id", str(oob["invi_msg_id"]), states={"response", "active"}, timeout=TIMEOUT
        )
        return Wallet(tenant, created.wallet_id, str(ours["connection_id"]))

    async def issue(self, wallet: Wallet) -> None:
        """Offer the vaccination (auto-issued on request); wait for the issuer's record to be `done`."""
        exchange = await self.issuer.admin.issue_credential_send_offer(
            wallet.issuer_connection_id, self.cred_def_id, self.attributes
        )
        cred_ex_id = str(exchange["cred_ex_id"])
        record = await self.issuer.events.waiter.wait_for(
            CREDENTIALS, "cred_ex_id", cred_ex_id, states={"done", "abandoned"}, timeout=TIMEOUT
        )
        if record["state"] != "done":
            raise AgentError(f"credential exchange {cred_ex_id} abandoned: {record.get('error_msg')}")

    async def verify(self, wallet: Wallet) -> None:
        """The vaccination-status request in a connectionless invitation, answered with the one credential."""
        request = TEMPLATE.presentation_request(self.issuer_did, datetime.now(UTC))
        verifier = self.verifier.admin
        exchange = await verifier.present_proof_create_request(request, auto_verify=True, comment=TEMPLATE.name)
        pres_ex_id = str(exchange["pres_ex_id"])
        oob = await verifier.create_oob_invitation(
            my_label=self.verifier_label, handshake=False, attachments=[{"id": pres_ex_id, "type": "present-proof"}],
            goal_code="aries.vc.verify", goal=TEMPLATE.title,
        )  # fmt: skip
        thread_id = proof_request_thread(oob["invitation"])
        await wallet.tenant.receive_invitation(oob["invitation"], auto_accept=True)
        asked = await self.holder.events.waiter.wait_for(
            PRESENTATIONS, "thread_id", str(thread_id), states={"request-received"}, timeout=TIMEOUT,
            wallet_id=wallet.wallet_id,
        )  # fmt: skip
        candidates = await wallet.tenant.present_proof_credentials_for_request(asked["pres_ex_id"])
        if not candidates:
            raise AgentError("the holder has no credential for the vaccination-status request")
        cred_id = candidates[0]["cred_info"]["referent"]
        await wallet.tenant.present_proof_send_presentation(asked["pres_ex_id"], {"anoncreds": {
            "requested_attributes": {REVEALED_REFERENT: {"cred_id": cred_id, "revealed": True}},
            "requested_predicates": {key: {"cred_id": cred_id} for key in request["requested_predicates"]},
            "self_attested_attributes": {},
        }})  # fmt: skip
        result = await self.verifier.events.waiter.wait_for(
            PRESENTATIONS, "pres_ex_id", pres_ex_id, states={"done", "abandoned"}, timeout=TIMEOUT
        )
        if result.get("verified") != "true":
            raise AgentError(f"presentation {pres_ex_id} ended {result['state']}, verified={result.get('verified')}")

    async def flow(self, index: int, laps: Laps) -> None:
        """One full flow for a new sub-wallet: connect, issue, verify."""
        wallet = await self.connect(f"d{index}-{secrets.token_hex(4)}")
        laps.lap("connect")
        await self.issue(wallet)
        laps.lap("issue")
        await self.verify(wallet)
        laps.lap("verify")
