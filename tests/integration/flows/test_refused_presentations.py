"""A presentation the verifier's agent refuses on receipt ends the verification as failed, with the
agent's reason, at once (not as timed out once the request expires).

The look-alike: a second issuer (an agent of its own, its own DID on the ledger) publishes a schema of
the hospital's name and version, and issues the patient an allergy credential under it. The patient's
wallet would never choose it (it matches no restriction), so the test answers the clinic's request
through the patient's sub-wallet on the holder agent itself, naming that credential. ACA-Py's verifier
then finds the presented credential's issuer outside the request's restrictions when it receives it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest_asyncio

from agents.admin import AdminClient
from agents.process import AgentProcess
from agents.public_did import StoredPendingDid, ensure_public_did
from holder import choice
from holder.proofs import request_of
from issuer import IssuerSettings
from issuer import agent_config as issuer_agent
from medcred.credentials import SCHEMAS, CredentialType
from medcred.errors import AgentRejectedError
from medcred.store import SqliteDocumentStore
from stack.clients import VerifierClient
from stack.network import MedcredNetwork
from tests.integration.flows.conftest import Onboard, tenant
from tests.ports import free_port

ALLERGY = SCHEMAS[CredentialType.ALLERGY]
DEADLINE = 30.0


@dataclass
class LookAlike:
    admin: AdminClient
    did: str
    cred_def_id: str


@pytest_asyncio.fixture
async def look_alike(network: MedcredNetwork, tmp_path: Path) -> AsyncIterator[LookAlike]:
    """Another issuer with the hospital's label and an allergy schema of the hospital's name and version."""
    settings = IssuerSettings(
        data_dir=tmp_path / "look-alike", port=free_port(), agent_inbound_port=free_port(),
        agent_admin_port=free_port(), ledger_url=network.ledger.settings.web_url, tails_url=network.ledger.tails_url,
        ledger_api_key=network.ledger.register_key(),
    )  # fmt: skip
    process = AgentProcess(issuer_agent(settings))
    try:
        await process.start()
        await process.wait_until_ready(60)
        async with AdminClient(settings.agent_admin_url, settings.secret("agent_admin_api_key")) as admin:
            store = SqliteDocumentStore(settings.folder() / "look-alike.db")
            try:
                did = await ensure_public_did(admin, settings, StoredPendingDid(store))
            finally:
                store.close()
            schema = await admin.anoncreds_create_schema(did, ALLERGY.name, ALLERGY.version, list(ALLERGY.attributes))
            schema_id = schema["schema_state"]["schema_id"]
            cred_def = await _until("the look-alike's credential definition", lambda: _cred_def(admin, did, schema_id))
            yield LookAlike(admin, did, str(cred_def))
    finally:
        await process.stop()


async def _until(what: str, check: object) -> object:
    deadline = time.monotonic() + DEADLINE
    while True:
        result = await check()  # type: ignore[operator]
        if result:
            return result
        assert time.monotonic() < deadline, f"not within {DEADLINE:g} s: {what}"
        await asyncio.sleep(0.2)


async def test_a_credential_of_a_look_alike_issuer_fails_at_once_with_the_agents_reason(
    clinic: VerifierClient, onboard: Onboard, network: MedcredNetwork, look_alike: LookAlike
) -> None:
    patient = await onboard()
    wallet = tenant(network, patient)

    # The look-alike connects to the patient's sub-wallet and issues it its allergy credential.
    invitation = await look_alike.admin.create_oob_invitation(my_label="City Hospital")
    await wallet.receive_invitation(invitation["invitation"])
    connection_id = invitation.get("connection_id") or await _until(
        "the look-alike's connection", lambda: _connection(look_alike.admin, invitation["invi_msg_id"])
    )
    attributes = {name: f"look-alike {name}" for name in ALLERGY.attributes}
    offer = await look_alike.admin.issue_credential_send_offer(str(connection_id), look_alike.cred_def_id, attributes)

    async def stored() -> bool:
        record = await look_alike.admin.issue_credential_record(offer["cred_ex_id"])
        return record["cred_ex_record"]["state"] == "done"

    await _until("the look-alike credential stored", stored)
    held = await wallet.credentials(wql=f'{{"cred_def_id": "{look_alike.cred_def_id}"}}')
    (fake,) = [c["referent"] for c in held]

    # The clinic asks; the answer names the look-alike's credential for every referent.
    started = await clinic.start("allergy-check")
    request_id = (await patient.wallet.accept_invitation(started["invitation_url"]))["proof_request_id"]
    fmt, request = request_of(await wallet.present_proof_record(request_id))
    wanted = choice.referents(request)
    await wallet.present_proof_send_presentation(
        request_id, {fmt: choice.presentation(wanted, {r.key: fake for r in wanted})}
    )

    result = await clinic.result(started["verification_id"], wait=DEADLINE)
    assert result["state"] == "failed" and result["verified"] is False, result
    assert "restrictions" in result["reason"], result
    assert result["revealed"] == {}


async def _cred_def(admin: AdminClient, did: str, schema_id: str) -> str | None:
    """The new credential definition's id; None while the agent cannot read the schema back (ledger lag)."""
    try:
        made = await admin.anoncreds_create_cred_def(did, schema_id, "look-alike", support_revocation=False)
    except AgentRejectedError as exc:
        if "Schema not found" in exc.message:
            return None
        raise
    return str(made["credential_definition_state"]["credential_definition_id"])


async def _connection(admin: AdminClient, invi_msg_id: str) -> str | None:
    answer = await admin.request("GET", "/connections", params={"invitation_msg_id": invi_msg_id})
    found = [c for c in answer["results"] if c.get("state") == "active"]
    return str(found[0]["connection_id"]) if found else None

