"""An issuance the patient's wallet never finishes ends abandoned with a reason once its time is up, also
when the hospital's controller restarts meanwhile, and its agent keeps nothing a late request could use.

The wallet that never answers: the patient's sub-wallet forgets its connection to the hospital (on the
holder agent itself) before the offer, so the holder agent drops the offer. The shared stack is left as
it was; only this patient's wallet is affected.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from issuer.service import IssuerService
from medcred import samples
from stack.clients import HospitalClient
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
