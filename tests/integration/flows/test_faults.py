"""Twenty patients' flows in flight while each agent in turn, then a validator, is killed with SIGKILL.

A flow is one patient: the hospital registers them, their wallet is opened and accepts the hospital's
invitation, the hospital issues a vaccination, the clinic verifies `vaccination-status`. Every flow ends
within FLOW_BOUND: verified, or with a clear, final reason (its issuance abandoned with the reason, its
verification failed or timed out with the reason, or a 4xx / 503 with a message); never a 500, never a
hang. A flow does what a client of these services does: a call answered 503 with Retry-After is tried
once more after that many seconds, and a patient whose connection never completed (the hospital answers
409) is invited once more, as the desk would.

Afterwards every killed process is back by itself (its supervisor started it again: a new pid, ready),
and nothing is lost or doubled: for each patient, the hospital's credentials, the wallet's and the
clinic's results agree; each issuance and each verification ended once in the audit logs; the logs verify.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from audit.commands import service_folders
from audit.files import read_entries
from audit.verify import verify_log
from ledger.client import LedgerClient
from ledger.network import LedgerNetwork
from medcred import samples
from medcred.supervisor import Supervisor
from stack.clients import ControllerError, HospitalClient, PatientClient, VerifierClient, WalletAdminClient
from stack.network import MedcredNetwork, Role
from tests.integration.conftest import node, status_until
from tests.integration.flows.conftest import Patient, audit_log_folder, health_until

FLOWS = 20
FLOW_BOUND = 150.0  # seconds a flow may take, outages and the clinic's 60 s request timeout included
VALIDATOR = 4  # a validator that is not the primary: the pool keeps its write quorum (3 of 4)
VERIFIED = "verified"

type Json = dict[str, Any]


class Stage(IntEnum):
    ONBOARDING = 1
    CONNECTING = 2  # the wallet is accepting the hospital's invitation
    ISSUING = 3
    VERIFYING = 4
    ENDED = 5


class Progress:
    """Told whenever a flow moves on, so the kills can await where the flows are (no polling)."""

    def __init__(self) -> None:
        self._moved = asyncio.Event()

    def moved(self) -> None:
        self._moved.set()

    async def until(self, wanted: Callable[[], bool], timeout: float) -> None:
        """Return once `wanted()` holds; fails after `timeout` s."""
        async with asyncio.timeout(timeout):
            while not wanted():
                self._moved.clear()
                await self._moved.wait()


@dataclass
class Flow:
    number: int
    progress: Progress
    ref: str = field(default_factory=lambda: f"p-{secrets.token_hex(6)}")
    patient: Patient | None = None
    stage: Stage = Stage.ONBOARDING
    step: str = "start"
    credential_ids: list[str] = field(default_factory=list)
    verification_ids: list[str] = field(default_factory=list)
    invitations: int = 0
    retries: int = 0
    ending: str | None = None  # VERIFIED, or the clear reason it ended without
    defect: str | None = None  # a hang, a 5xx other than 503, a 503 without Retry-After, an unexpected error
    # A controller's own process killed (the instance test): an answer cut off mid-body by its death is a
    # dropped connection, which a client retries as it does a 503 (no process can say more as it dies).
    drops_retryable: bool = False

    def at(self, stage: Stage) -> None:
        self.stage = stage
        self.progress.moved()

    def end(self, ending: str) -> None:
        self.ending = ending
        self.at(Stage.ENDED)


@dataclass
class Services:
    http: httpx.AsyncClient
    network: MedcredNetwork
    hospital: HospitalClient
    wallets: WalletAdminClient
    clinic: VerifierClient


@dataclass
class Recovery:
    name: str
    in_flight: Counter[str]
    seconds: float = 0.0


async def once_more_after_503[T](flow: Flow, step: str, call: Callable[[], Awaitable[T]]) -> T:
    """The call; answered 503 with Retry-After, tried once more after the seconds it asks for (and, where the
    flow allows it, once more after a connection dropped mid-answer)."""
    flow.step = step
    try:
        return await call()
    except httpx.TransportError:
        if not flow.drops_retryable:
            raise
        flow.retries += 1
        await asyncio.sleep(1)
        flow.step = f"{step} (again after a dropped connection)"
        return await call()
    except ControllerError as exc:
        if exc.status_code != 503 or exc.retry_after is None:
            raise
        flow.retries += 1
        await asyncio.sleep(exc.retry_after)  # what the service asked of its client, not a synchronisation
        flow.step = f"{step} (again after a 503)"
        return await call()


async def connect(flow: Flow, s: Services, wallet: PatientClient) -> None:
    """The hospital invites the patient; their wallet accepts."""
    flow.invitations += 1
    url = await once_more_after_503(flow, "invite", lambda: s.hospital.invite(flow.ref))
    flow.at(Stage.CONNECTING)
    await once_more_after_503(flow, "accept the hospital's invitation", lambda: wallet.accept_invitation(url))


async def issuance_end(flow: Flow, s: Services, credential_id: str) -> Json:
    """The credential once its issuance ended (done or abandoned: its deadline makes it end)."""
    while True:
        view = await once_more_after_503(flow, "await the issuance", lambda: s.hospital.credential(credential_id, 30))
        if view["state"] in ("done", "abandoned"):
            return view


async def verification_end(flow: Flow, s: Services, verification_id: str) -> Json:
    """The verification once it left `pending` (it times out after the clinic's request timeout)."""
    while True:
        result = await once_more_after_503(flow, "await the result", lambda: s.clinic.result(verification_id, 30))
        if result["state"] != "pending":
            return result


async def run_flow(flow: Flow, s: Services) -> None:
    vaccination = samples.immunization(flow.ref, dose=2)
    await once_more_after_503(flow, "register", lambda: s.hospital.put_patient(flow.ref, samples.patient(flow.ref)))
    patient_id, token = await once_more_after_503(flow, "open a wallet", s.wallets.create_patient)
    wallet = PatientClient(s.http, s.network.holder.url, token)
    flow.patient = Patient(flow.ref, patient_id, wallet)
    await connect(flow, s, wallet)

    flow.at(Stage.ISSUING)
    # One key for this issuance: sent again after a 503, the request is the same issuance, never a second.
    issue = partial(s.hospital.issue, flow.ref, "vaccination", fhir=vaccination, idempotency_key=f"{flow.ref}-vac")
    try:
        credential_id = await once_more_after_503(flow, "issue", issue)
    except ControllerError as exc:
        if exc.status_code != 409 or flow.invitations > 1:
            raise
        await connect(flow, s, wallet)  # its connection never completed: the desk invites once more
        flow.at(Stage.ISSUING)
        credential_id = await once_more_after_503(flow, "issue after a new invitation", issue)
    flow.credential_ids.append(credential_id)
    view = await issuance_end(flow, s, credential_id)
    if view["state"] == "abandoned":
        flow.end(f"issuance abandoned: {view['reason']}")
        return

    flow.at(Stage.VERIFYING)
    started = await once_more_after_503(flow, "start a verification", lambda: s.clinic.start("vaccination-status"))
    verification_id = str(started["verification_id"])
    flow.verification_ids.append(verification_id)
    refused: str | None = None
    try:
        accepted = await once_more_after_503(
            flow, "scan the clinic's QR", lambda: wallet.accept_invitation(started["invitation_url"])
        )
        await once_more_after_503(flow, "present", lambda: wallet.present(accepted["proof_request_id"]))
    except ControllerError as exc:  # the verification still ends (it times out): await it all the same
        _check_clear(exc)
        refused = f"{flow.step}: {exc.status_code} {exc.detail}"
    result = await verification_end(flow, s, verification_id)
    if result["state"] == VERIFIED:
        flow.end(VERIFIED)
    else:
        flow.end(f"verification {result['state']}: {result['reason']}" + (f" (after {refused})" if refused else ""))


def _check_clear(exc: ControllerError) -> None:
    """A controller's error is a clear ending only as a 4xx or a 503 with Retry-After, with a message."""
    clear = 400 <= exc.status_code < 500 or (exc.status_code == 503 and exc.retry_after is not None)
    if not clear or not isinstance(exc.detail, str) or not exc.detail:
        raise AssertionError(f"not a clear ending: {exc.status_code} {exc.detail!r}") from exc


async def bounded(flow: Flow, s: Services) -> None:
    """Run the flow within FLOW_BOUND; whatever is not a clear ending is recorded as its defect."""
    try:
        async with asyncio.timeout(FLOW_BOUND):
            await run_flow(flow, s)
    except TimeoutError:
        flow.defect = f"no ending within {FLOW_BOUND:g} s (at {flow.step})"
    except ControllerError as exc:
        try:
            _check_clear(exc)
        except AssertionError as unclear:
            flow.defect = f"{flow.step}: {unclear}"
        else:
            flow.end(f"{flow.step}: {exc.status_code} {exc.detail}")
    except Exception as exc:  # any other error is a defect the test reports
        flow.defect = f"{flow.step}: {type(exc).__name__}: {exc}"
    if flow.ending is None and flow.defect is None:
        flow.defect = "the flow stopped without an ending"
    flow.at(Stage.ENDED)


# -- the kills ---------------------------------------------------------------------------------------


def in_flight(flows: list[Flow]) -> Counter[str]:
    return Counter(flow.stage.name.lower() for flow in flows if flow.stage is not Stage.ENDED)


def kill(supervisor: Supervisor, pid: int | None, name: str, flows: list[Flow]) -> tuple[Recovery, int, float]:
    assert pid is not None and supervisor.watching, f"{name} is not running under its supervisor"
    restarts = supervisor.restarts
    recovery = Recovery(name, in_flight(flows))
    os.kill(pid, signal.SIGKILL)
    return recovery, restarts, time.monotonic()


async def kill_agent(role: Role, s: Services, flows: list[Flow]) -> Recovery:
    """SIGKILL the role's agent; return once its supervisor has it back (a new pid) and it is ready."""
    assert role.supervisor is not None
    pid = role.agent.pid
    recovery, restarts, killed_at = kill(role.supervisor, pid, f"{role.name} agent", flows)
    await health_until(s.http, role, "degraded", 30)
    health = await health_until(s.http, role, "ok", 120)
    recovery.seconds = time.monotonic() - killed_at
    assert health.json() == {"status": "ok", "agent": "up", "agent_ready": True}
    assert role.supervisor.restarts == restarts + 1 and role.agent.pid not in (None, pid)
    return recovery


async def kill_validator(ledger: LedgerNetwork, web: httpx.AsyncClient, flows: list[Flow]) -> Recovery:
    """SIGKILL one validator; return once its supervisor has it back and it takes part in the pool again."""
    pool, name = ledger.pool, f"Node{VALIDATOR}"
    supervisor, pid = pool.supervisor(VALIDATOR), pool.pid(VALIDATOR)
    recovery, restarts, killed_at = kill(supervisor, pid, f"validator {name}", flows)
    body = await status_until(web, lambda body: not node(body, name)["ready"], 30)
    assert body["ready"] is True, body  # 3 of 4 keep the write quorum
    await status_until(web, lambda body: all(v["ready"] for v in body["validators"]), 120)
    recovery.seconds = time.monotonic() - killed_at
    assert supervisor.restarts == restarts + 1 and pool.pid(VALIDATOR) not in (None, pid)
    return recovery


async def kill_each_in_turn(
    s: Services, ledger: LedgerNetwork, web: httpx.AsyncClient, flows: list[Flow], progress: Progress
) -> list[Recovery]:
    """Each agent while flows are at the stage it serves, then a validator; each back before the next."""

    def at(stage: Stage, count: int) -> Callable[[], bool]:
        """`count` flows at `stage` (or none left before it: the kill then hits what is in flight)."""
        return lambda: sum(f.stage is stage for f in flows) >= count or not any(f.stage < stage for f in flows)

    network, recoveries = s.network, []
    for role, stage in ((network.issuer, Stage.CONNECTING), (network.holder, Stage.ISSUING),
                        (network.verifier, Stage.VERIFYING)):  # fmt: skip
        await progress.until(at(stage, 3), 90)
        recoveries.append(await kill_agent(role, s, flows))
    recoveries.append(await kill_validator(ledger, web, flows))
    return recoveries


# -- what is left afterwards ---------------------------------------------------------------------------


async def check_patient(flow: Flow, s: Services) -> None:
    """The hospital's credentials, the wallet's and the clinic's results of one patient agree."""
    records = await s.hospital.credentials(flow.ref)
    assert sorted(r["credential_id"] for r in records) == sorted(flow.credential_ids), flow  # none made unseen
    assert all(r["state"] in ("done", "abandoned") for r in records), records
    done = [r for r in records if r["state"] == "done"]
    issued = [r for r in records if r["issued_at"] is not None]  # done, or abandoned after it (then revoked)
    assert all(r["revoked"] for r in issued if r["state"] == "abandoned"), records
    if flow.patient is not None:
        held = await flow.patient.wallet.credentials()
        valid = [c for c in held if c["revoked"] is not True]
        assert len(valid) == len(done), (flow.ref, held, records)  # each issued once, none lost, none twice
        assert len(held) <= len(issued), (flow.ref, held, records)  # nothing the hospital did not issue
    for verification_id in flow.verification_ids:
        result = await s.clinic.result(verification_id)
        assert result["state"] != "pending" and (result["state"] == VERIFIED or result["reason"]), result
    if flow.ending == VERIFIED:
        assert len(done) == 1 and len(flow.verification_ids) == 1


def check_audit_endings(issuer_audit: Path, verifier_audit: Path, flows: list[Flow]) -> None:
    """Each issuance and each verification ended once, as its record says, in its service's audit log."""
    issuer_endings = Counter(
        (entry.details["credential_id"], entry.event) for entry in read_entries(issuer_audit)
        if entry.event in ("credential.issued", "credential.abandoned")
    )  # fmt: skip
    verifier_endings = Counter(
        (entry.subject, entry.event) for entry in read_entries(verifier_audit)
        if entry.event.startswith("proof.") and entry.event != "proof.requested"
    )  # fmt: skip
    for flow in flows:
        for credential_id in flow.credential_ids:
            ended = {event: n for (cid, event), n in issuer_endings.items() if cid == credential_id}
            assert sum(ended.values()) == 1, (credential_id, ended)
        for verification_id in flow.verification_ids:
            ended = {event: n for (vid, event), n in verifier_endings.items() if vid == verification_id}
            assert sum(ended.values()) == 1, (verification_id, ended)


def summary(flows: list[Flow], recoveries: list[Recovery], took: float) -> str:
    endings = Counter(flow.ending.split(" (")[0] if flow.ending else f"DEFECT {flow.defect}" for flow in flows)
    lines = [f"fault test: {len(flows)} flows in {took:.0f} s; "
             f"{sum(f.retries for f in flows)} calls retried after a 503, "
             f"{sum(f.invitations > 1 for f in flows)} patients invited twice"]  # fmt: skip
    lines += [f"  {count:2d} x {ending}" for ending, count in endings.most_common()]
    lines += [f"  killed {r.name}: back and ready after {r.seconds:.1f} s (flows in flight then: {dict(r.in_flight)})"
              for r in recoveries]  # fmt: skip
    return "\n".join(lines)


async def test_twenty_flows_end_clearly_while_each_agent_and_a_validator_are_killed(
    network: MedcredNetwork, ledger_network: LedgerNetwork, ledger_web: httpx.AsyncClient,
    ledger_client: LedgerClient, http: httpx.AsyncClient, hospital: HospitalClient, wallets: WalletAdminClient,
    clinic: VerifierClient, tmp_path: Path,
) -> None:
    s = Services(http, network, hospital, wallets, clinic)
    progress = Progress()
    flows = [Flow(number, progress) for number in range(FLOWS)]
    began = time.monotonic()
    running = [asyncio.create_task(bounded(flow, s)) for flow in flows]
    try:
        recoveries = await kill_each_in_turn(s, ledger_network, ledger_web, flows, progress)
        await asyncio.gather(*running)
    finally:
        for task in running:
            task.cancel()
        # Whatever happened, the stack is whole again for the tests after this one.
        for role in network.roles:
            await health_until(http, role, "ok", 180)
        await status_until(ledger_web, lambda body: all(v["ready"] for v in body["validators"]), 180)
    print("\n" + summary(flows, recoveries, time.monotonic() - began))

    assert not [(f.number, f.defect) for f in flows if f.defect], summary(flows, recoveries, 0)
    assert all(flow.ending for flow in flows)
    for flow in flows:
        await check_patient(flow, s)
    check_audit_endings(audit_log_folder(network, "issuer", tmp_path), audit_log_folder(network, "verifier", tmp_path),
                        flows)  # fmt: skip
    for role in network.roles:  # a batch being anchored right now is recorded once its write returns
        assert role.server is not None
        await role.server.app.state.audit.anchor_now()
    for service, folder in service_folders(network.home, None):
        report = await verify_log(folder, service, ledger_client)
        assert report.ok, (service, report)
