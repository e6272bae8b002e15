"""Two instances of every controller, as `medcred up --postgres --instances 2` runs them: separate processes
on one agent, data folder and database per role, behind nginx on the role's address, which the agents'
webhooks reach too (so any instance handles them, and the others hear of them through `agents.bus`).

The demo's scenario runs through the proxies. Then twenty patients' flows (those of the fault test) are in
flight while the first instance of each role in turn is killed with SIGKILL: every flow ends verified or
with a clear reason, the killed instance is back by itself, and nothing is lost or doubled (credentials,
verification results, each ending once in the shared audit logs, which `medcred audit verify` passes).
Last, a verification made at one clinic instance that then stops for good is timed out by the other
(its deadline sweep).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from audit.commands import exported_logs
from issuer import IssuerSettings
from ledger.network import LedgerNetwork
from medcred.endings import STALE_ENDING
from medcred.processes import port_is_open
from stack.clients import VerifierClient
from stack.demo import scenario
from stack.instances import Instance
from stack.network import MedcredNetwork, Role
from stack.postgres import PrivateCluster
from stack.proxy import NGINX
from tests.integration.flows.test_faults import (
    FLOWS,
    Flow,
    Progress,
    Recovery,
    Services,
    Stage,
    bounded,
    check_audit_endings,
    check_patient,
    in_flight,
    summary,
)  # fmt: skip
from tests.integration.postgres.test_wallets import audit_verify, network_on
from tests.integration.second_network import role_settings
from verifier import VerifierSettings

pytestmark = pytest.mark.skipif(not NGINX.exists(), reason=f"no nginx at {NGINX} (scripts/bootstrap.sh installs it)")

EXPIRY = 20.0  # the clinic's request timeout here: a verification ends within it, verified or timed out


async def kill_instance(role: Role, flows: list[Flow]) -> Recovery:
    """SIGKILL the role's first controller instance; return once its supervisor has it back (a new pid,
    accepting connections) while the other instance went on answering."""
    instance: Instance = role.instances[0]
    pid, restarts = instance.process.pid, instance.supervisor.restarts
    assert pid is not None and instance.supervisor.watching
    recovery = Recovery(instance.process.name, in_flight(flows))
    killed_at = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    await asyncio.wait_for(instance.supervisor.restarted(restarts), 60)  # started again: it accepts connections
    recovery.seconds = time.monotonic() - killed_at
    assert instance.process.pid not in (None, pid) and port_is_open(role.settings.host, instance.process.port)
    return recovery


async def kill_each_in_turn(network: MedcredNetwork, flows: list[Flow], progress: Progress) -> list[Recovery]:
    """Each role's first instance while flows are at the stage it serves; each back before the next."""

    def at(stage: Stage, count: int) -> object:
        return lambda: sum(f.stage is stage for f in flows) >= count or not any(f.stage < stage for f in flows)

    recoveries = []
    for role, stage in ((network.issuer, Stage.CONNECTING), (network.holder, Stage.ISSUING),
                        (network.verifier, Stage.VERIFYING)):  # fmt: skip
        await progress.until(at(stage, 3), 120)  # type: ignore[arg-type]
        recoveries.append(await kill_instance(role, flows))
    return recoveries


async def endings_audited_once(home: Path, flows: list[Flow], within: float) -> None:
    """Each flow's endings once in the shared audit logs, within `within` s: an ending whose instance was
    killed after claiming it is audited by a sweep STALE_ENDING s after the claim (`medcred.endings`)."""
    deadline = time.monotonic() + within
    while True:
        with exported_logs(home, None) as (folders, note, problem):
            assert not problem, note
            exported = dict(folders)
            try:
                check_audit_endings(exported["issuer"], exported["verifier"], flows)
                return
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
        await asyncio.sleep(2)


async def test_two_instances_of_every_controller_behind_nginx_survive_sigkill_of_one_mid_flows(
    ledger_network: LedgerNetwork, cluster: PrivateCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, kek = tmp_path / "medcred", SecretStr(secrets.token_bytes(32).hex())
    # Sweeps every 0.5 s: deadlines another instance armed, and endings an instance killed claimed but never
    # recorded (repaired STALE_ENDING s after their claim), are taken over at once.
    issuer = role_settings(IssuerSettings, "issuer", deadline_sweep=0.5)
    verifier = role_settings(VerifierSettings, "verifier", request_timeout=EXPIRY, deadline_sweep=0.5)
    async with network_on(home, ledger_network, cluster, kek, issuer=issuer, verifier=verifier,
                          instances=2) as network, \
            httpx.AsyncClient(timeout=60) as http:  # fmt: skip
        assert all(len(role.instances) == 2 and role.server is None for role in network.roles)
        staff = network.staff_clients(http)
        first, eligibility, after = await asyncio.wait_for(scenario(
            staff.hospital, staff.wallets, staff.clinic, http, network.holder.url,
            ref=f"two-{secrets.token_hex(4)}"), 300)  # fmt: skip
        assert (first["state"], eligibility["state"], after["state"]) == ("verified", "verified", "failed")

        # Twenty flows, and the first instance of each role killed in turn while they run.
        s = Services(http, network, staff.hospital, staff.wallets, staff.clinic)
        progress = Progress()
        flows = [Flow(number, progress, drops_retryable=True) for number in range(FLOWS)]
        began = time.monotonic()
        running = [asyncio.create_task(bounded(flow, s)) for flow in flows]
        try:
            recoveries = await kill_each_in_turn(network, flows, progress)
            await asyncio.gather(*running)
        finally:
            for task in running:
                task.cancel()
        report = summary(flows, recoveries, time.monotonic() - began)
        print("\n" + report)
        assert not [(f.number, f.defect) for f in flows if f.defect], report
        assert sum(flow.ending == "verified" for flow in flows) >= FLOWS // 2, report
        for flow in flows:
            await check_patient(flow, s)

        # A verification made at the second clinic instance, which then stops for good with its timer: the
        # first instance's sweep arms its expiry, and it ends timed out without anyone asking for it.
        second = network.verifier.instances[1]
        made = await VerifierClient(http, second.process.url, network.verifier.api_key()).start("vaccination-status")
        await second.supervisor.release()
        await second.process.stop()
        async with asyncio.timeout(EXPIRY + 30):
            while (result := await staff.clinic.result(made["verification_id"], wait=30))["state"] == "pending":
                pass  # each call waits up to 30 s for the verification to end
        assert result["state"] == "timed_out", result

        # The two instances of each role appended to one log, and anchored it: each ending is there once,
        # and `medcred audit verify` passes on the database.
        monkeypatch.setenv("MEDCRED_DATABASE_URL", cluster.url)
        await endings_audited_once(home, flows, within=STALE_ENDING + 10)
        output = await audit_verify(home, cluster.url)
        for role in ("holder", "issuer", "verifier"):
            assert re.search(rf"^{role} \(database\): OK - \d+ entries", output, re.M), output
