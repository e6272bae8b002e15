"""Each agent killed with SIGKILL comes back by itself; meanwhile its controller's /health says so and a
call that needs the agent gets 503 with Retry-After at once (not a hang). After it, the agent works again."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
from typing import Any

import httpx
import pytest

from medcred import samples
from stack.clients import HospitalClient, WalletAdminClient
from stack.network import MedcredNetwork, Role
from tests.integration.flows.conftest import Onboard, health_until, issue


@pytest.mark.parametrize("role_name", ["issuer", "holder", "verifier"])
async def test_a_killed_agent_is_restarted_and_its_controller_answers_503_meanwhile(
    role_name: str, network: MedcredNetwork, http: httpx.AsyncClient, hospital: HospitalClient, onboard: Onboard,
) -> None:
    role: Role = getattr(network, role_name)
    patient = await onboard()
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=1))  # connected
    invited = f"p-{secrets.token_hex(6)}"  # a patient of its own for the invitations asked below
    await hospital.put_patient(invited, samples.patient(invited))
    # One call per role that needs its agent: an invitation, a new patient wallet, a proof request.
    calls: dict[str, tuple[str, str, dict[str, Any]]] = {
        "issuer": ("POST", f"/patients/{invited}/invitation", {"headers": {"X-API-Key": role.api_key()}}),
        "holder": ("POST", "/patients", {"headers": {"X-API-Key": role.api_key()}}),
        "verifier": ("POST", "/verifications",
                     {"headers": {"X-API-Key": role.api_key()}, "json": {"template": "vaccination-status"}}),
    }  # fmt: skip
    method, path, options = calls[role_name]
    assert (await http.request(method, role.url + path, **options)).is_success

    supervisor = role.supervisor
    assert supervisor is not None and supervisor.watching
    restarts, pid = supervisor.restarts, role.agent.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    try:
        health = await health_until(http, role, "degraded", 30)
        assert health.status_code == 503 and health.json()["agent"] == "down"
        refused = await http.request(method, role.url + path, **options)
        assert refused.status_code == 503, refused.text
        assert int(refused.headers["Retry-After"]) > 0
        assert "down or restarting" in refused.json()["detail"]
    finally:
        health = await health_until(http, role, "ok", 180)  # the stack is whole again for the next test
    assert health.status_code == 200 and health.json() == {"status": "ok", "agent": "up", "agent_ready": True}
    assert supervisor.restarts == restarts + 1 and role.agent.pid not in (None, pid)

    assert (await http.request(method, role.url + path, **options)).is_success
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=2))
    assert len(await patient.wallet.credentials()) == 2


async def test_the_first_calls_after_the_holder_agent_restarts_may_all_come_at_once(
    network: MedcredNetwork, http: httpx.AsyncClient, wallets: WalletAdminClient, onboard: Onboard,
    hospital: HospitalClient,
) -> None:
    # The holder agent opens its store of sub-wallets at the first call that needs one after its start;
    # calls at once must not each try to open (and on PostgreSQL create) it: agents/acapy_plugin/multitenant_open.py.
    patient = await onboard()
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=1))
    role = network.holder
    assert role.supervisor is not None and role.agent.pid is not None
    restarts = role.supervisor.restarts
    os.kill(role.agent.pid, signal.SIGKILL)
    await health_until(http, role, "degraded", 30)
    await health_until(http, role, "ok", 180)
    assert role.supervisor.restarts == restarts + 1
    made, held = await asyncio.gather(
        asyncio.gather(*(wallets.create_patient() for _ in range(12))),
        asyncio.gather(*(patient.wallet.credentials() for _ in range(4))),
    )  # fmt: skip
    assert len({patient_id for patient_id, _ in made}) == 12
    assert all(len(credentials) == 1 for credentials in held)
