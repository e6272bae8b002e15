"""An issuance the patient's wallet never finishes ends abandoned with a reason once its time is up, also
when the hospital's controller restarts meanwhile, and its agent keeps nothing a late request could use.

The wallet that never answers: the patient's sub-wallet forgets its connection to the hospital (on the
holder agent itself) before the offer, so the holder agent drops the offer. The shared stack is left as
it was; only this patient's wallet is affected.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import timedelta

import httpx
import pytest

from issuer.issuance import STALE_CLAIM
from issuer.service import IssuerService
from medcred import samples
from stack.clients import ControllerError, HospitalClient
from stack.network import MedcredNetwork
from tests.integration.flows.conftest import Onboard, tenant


async def test_an_offer_the_wallet_never_answers_is_abandoned_after_its_timeout_across_a_restart(
    hospital: HospitalClient, onboard: Onboard, network: MedcredNetwork
) -> None:
    patient = await onboard()
    wallet = tenant(network, patient)
    deadline = time.monotonic() + 30
    while not any(c.get("state") == "active" for c in await wallet.connections()):  # the handshake is done
        assert time.monotonic() < deadline, "the patient's wallet did not connect to the hospital"
        await asyncio.sleep(0.2)
    for connection in await wallet.connections():
        await wallet.request("DELETE", f"/connections/{connection['connection_id']}")

    credential_id = await hospital.issue(patient.ref, "allergy", fhir=samples.allergy(patient.ref))
    assert (await hospital.credential(credential_id))["state"] == "offer-sent"
    await network.restart_controller(network.issuer)  # its deadline is re-armed from the store

    timeout = network.issuer.settings.issuance_timeout  # type: ignore[attr-defined]
    view = await hospital.credential(credential_id, wait=timeout + 10)
    assert view["state"] == "abandoned", view
    assert view["reason"] == (
        f"the patient's wallet did not complete the issuance within {timeout:g} s (it stopped at offer-sent)"
    )
    assert network.issuer.server is not None
    issuer: IssuerService = network.issuer.server.app.state.issuer
    record = issuer.registry.credential(credential_id)
    assert record is not None
    agent = network.issuer.agent.config
    async with httpx.AsyncClient(base_url=agent.admin_url,
                                 headers={"X-API-Key": agent.admin_api_key.get_secret_value()}) as admin:  # fmt: skip
        answer = await admin.get(f"/issue-credential-2.0/records/{record.cred_ex_id}")
    assert answer.status_code == 404  # a late credential request finds no exchange to answer


async def test_a_key_left_claimed_by_a_request_that_died_is_taken_over_and_the_patient_gets_one_credential(
    hospital: HospitalClient, onboard: Onboard, network: MedcredNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient = await onboard()
    assert network.issuer.server is not None
    service: IssuerService = network.issuer.server.app.state.issuer
    registry, issuance = service.registry, service.issuance
    save = registry.insert_credential

    def dies(record: object) -> bool:  # the hospital's instance dies between claiming the key and the record
        monkeypatch.setattr(registry, "insert_credential", save)
        raise RuntimeError("the instance died here")

    monkeypatch.setattr(registry, "insert_credential", dies)
    key = f"died-{secrets.token_hex(4)}"
    fhir = samples.immunization(patient.ref, dose=1)
    with pytest.raises(ControllerError) as died:
        await hospital.issue(patient.ref, "vaccination", fhir=fhir, idempotency_key=key)
    assert died.value.status_code == 500
    with pytest.raises(ControllerError) as soon:  # the claim is fresh: another instance may be saving it
        await hospital.issue(patient.ref, "vaccination", fhir=fhir, idempotency_key=key)
    assert soon.value.status_code == 409 and "being offered right now" in soon.value.detail

    later = issuance._clock() + timedelta(seconds=STALE_CLAIM + 1)
    monkeypatch.setattr(issuance, "_clock", lambda: later)
    taken, again = await asyncio.gather(*(
        hospital.issue(patient.ref, "vaccination", fhir=fhir, idempotency_key=key) for _ in range(2)
    ))  # fmt: skip
    assert taken == again
    assert (await hospital.credential(taken, wait=30))["state"] == "done"
    assert [c["type"] for c in await patient.wallet.credentials()] == ["vaccination"]
