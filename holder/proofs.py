"""Proof requests, answered only as the patient decides (the agent never auto-responds).

    pending   the patient's records in `request-received`, with who asks and what is asked
    present   choose the credentials explicitly (`holder.choice`: never a revoked one, predicates
              checked), then `send-presentation`; if a referent cannot be answered, tell the verifier
              why in a problem report and answer 409 with that reason
    decline   a problem report `declined: the patient declined`

Every call acts on the patient's own sub-wallet, so another patient's record id is a 404.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Any

from agents.admin import AdminClient
from holder import choice
from holder.context import HolderContext
from holder.models import Patient, ProofAnswer, ProofRequest
from holder.revocation import revocation_statuses
from medcred.errors import AgentRejectedError, ConflictError, NotFoundError, TimeoutError_

__all__ = ["DECLINED", "await_request", "decline", "pending", "present", "remember_origin"]

log = logging.getLogger(__name__)

TOPIC = "present_proof_v2_0"
REQUEST_RECEIVED = "request-received"
DECLINED = "declined: the patient declined"
ORIGINS = "proof_request_origins"  # "<patient id>:<thread id>" -> the inviter's label
FORMATS = ("anoncreds", "indy")

type Json = dict[str, Any]


def remember_origin(context: HolderContext, patient: Patient, thread_id: str, label: str | None) -> None:
    """Keep who sent a connectionless request: its record has no connection to name them."""
    if label is not None:
        context.store.put(ORIGINS, f"{patient.patient_id}:{thread_id}", {"verifier": label})


async def _by_thread(tenant: AdminClient, thread_id: str) -> str | None:
    records = await tenant.present_proof_records(thread_id=thread_id, role="prover", state=REQUEST_RECEIVED)
    ids = [r["pres_ex_id"] for r in records if isinstance(r.get("pres_ex_id"), str)]
    return ids[-1] if ids else None


async def await_request(context: HolderContext, patient: Patient, thread_id: str) -> str:
    """The id of the request the sub-wallet makes of an invitation's attachment, once it is there.

    The webhook (`x-wallet-id` = the patient's sub-wallet) only wakes us: the id always comes from the
    sub-wallet itself, and a webhook that never comes costs the wait, not the answer.
    """
    tenant = context.tenant(patient)
    wait = context.settings.proof_request_wait
    found = await _by_thread(tenant, thread_id)
    if found is None:
        with contextlib.suppress(TimeoutError_):
            await context.events.wait_for(TOPIC, "thread_id", thread_id, states={REQUEST_RECEIVED},
                                          wallet_id=patient.wallet_id, timeout=wait)  # fmt: skip
        found = await _by_thread(tenant, thread_id)
    if found is None:
        raise TimeoutError_(f"the invitation was accepted but its proof request did not arrive within {wait:g} s")
    log.info("patient %s has proof request %s", patient.patient_id, found)
    return found


def _request_of(record: Json) -> tuple[str, Json]:
    by_format = (record.get("by_format") or {}).get("pres_request") or {}
    for fmt in FORMATS:
        if isinstance(by_format.get(fmt), dict):
            return fmt, by_format[fmt]
    raise ConflictError(f"proof request {record.get('pres_ex_id')} is not an AnonCreds request")


async def _verifier(
    context: HolderContext, patient: Patient, tenant: AdminClient, record: Json, labels: dict[str, str | None]
) -> str:
    """Who asks: the connection's label, else the label of the invitation that carried the request."""
    connection_id = record.get("connection_id")
    if isinstance(connection_id, str):
        if connection_id not in labels:
            try:
                label = (await tenant.get_connection(connection_id)).get("their_label")
            except NotFoundError:
                label = None
            labels[connection_id] = label if isinstance(label, str) and label else None
        if labels[connection_id]:
            return str(labels[connection_id])
    origin = context.store.get(ORIGINS, f"{patient.patient_id}:{record.get('thread_id')}")
    return str(origin["verifier"]) if origin else "unknown"


async def pending(context: HolderContext, patient: Patient) -> list[ProofRequest]:
    tenant = context.tenant(patient)
    records = await tenant.present_proof_records(state=REQUEST_RECEIVED, role="prover", limit=1000)
    answer: list[ProofRequest] = []
    labels: dict[str, str | None] = {}
    for record in sorted(records, key=lambda r: str(r.get("created_at", ""))):
        try:
            _, request = _request_of(record)
        except ConflictError:
            continue
        wanted = choice.referents(request)
        answer.append(ProofRequest(
            id=str(record["pres_ex_id"]), verifier=await _verifier(context, patient, tenant, record, labels),
            name=str(request.get("name") or "proof request"), requested_at=record.get("created_at"),
            revealed=[name for r in wanted if not r.is_predicate for name in r.names],
            predicates=[r.predicate_text() for r in wanted if r.is_predicate],
        ))  # fmt: skip
    return answer


async def _answerable(tenant: AdminClient, pres_ex_id: str) -> Json:
    try:
        uuid.UUID(pres_ex_id)
    except ValueError:
        raise NotFoundError(f"no proof request {pres_ex_id!r}") from None
    try:
        record = await tenant.present_proof_record(pres_ex_id)
    except NotFoundError:
        raise NotFoundError(f"no proof request {pres_ex_id}") from None
    if record.get("state") != REQUEST_RECEIVED:
        raise ConflictError(f"proof request {pres_ex_id} is {record.get('state')}: it was already answered")
    return record


async def _refused_by_agent(tenant: AdminClient, pres_ex_id: str, exc: AgentRejectedError) -> Exception:
    """A rejected answer: a 409 if the record was answered meanwhile, else the agent's error itself."""
    state = (await tenant.present_proof_record(pres_ex_id)).get("state")
    if state == REQUEST_RECEIVED:
        return exc
    return ConflictError(f"proof request {pres_ex_id} is {state}: it can no longer be answered")


async def _report(tenant: AdminClient, pres_ex_id: str, description: str) -> None:
    """Tell the verifier why there will be no presentation (the record ends `abandoned`)."""
    try:
        await tenant.present_proof_problem_report(pres_ex_id, description)
    except AgentRejectedError as exc:
        raise await _refused_by_agent(tenant, pres_ex_id, exc) from exc


async def present(context: HolderContext, patient: Patient, pres_ex_id: str) -> ProofAnswer:
    tenant = context.tenant(patient)
    fmt, request = _request_of(await _answerable(tenant, pres_ex_id))
    wanted = choice.referents(request)
    listed = await tenant.present_proof_credentials_for_request(pres_ex_id, count=context.settings.max_candidates)
    listed = [entry for entry in listed if isinstance(entry, dict)]
    infos = [entry["cred_info"] for entry in listed if isinstance(entry.get("cred_info"), dict)]
    offered = choice.candidates(listed, await revocation_statuses(tenant, infos))
    try:
        chosen = choice.choose(wanted, offered)
    except ConflictError as refusal:
        await _report(tenant, pres_ex_id, refusal.message)
        log.info("patient %s could not answer %s: %s", patient.patient_id, pres_ex_id, refusal.message.split(":")[0])
        raise
    try:
        record = await tenant.present_proof_send_presentation(pres_ex_id, {fmt: choice.presentation(wanted, chosen)})
    except AgentRejectedError as exc:
        raise await _refused_by_agent(tenant, pres_ex_id, exc) from exc
    log.info("patient %s presented %s (state %s)", patient.patient_id, pres_ex_id, record.get("state"))
    return ProofAnswer(id=pres_ex_id, state=str(record.get("state") or "presentation-sent"))


async def decline(context: HolderContext, patient: Patient, pres_ex_id: str) -> ProofAnswer:
    tenant = context.tenant(patient)
    await _answerable(tenant, pres_ex_id)
    await _report(tenant, pres_ex_id, DECLINED)
    log.info("patient %s declined %s", patient.patient_id, pres_ex_id)
    return ProofAnswer(id=pres_ex_id, state="declined")
