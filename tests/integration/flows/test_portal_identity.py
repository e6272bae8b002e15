"""A patient's records at the hospital are theirs alone: the portal admits a wallet by its live DIDComm
connection to the hospital, never by an invitation id (which is in the patient's QR code).

Each attack is tried by Mallory against Alice, who is connected and has a record and a share: a crafted
invitation carrying Alice's invitation id, Alice's invitation URL replayed, and a rogue peer's invitation
labelled as the hospital. Afterwards Alice's records and shares are as they were, and Mallory's wallet
reaches none of them.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from medcred import samples
from stack.clients import ControllerError, HospitalClient, PatientClient, WalletAdminClient
from stack.network import MedcredNetwork
from tests.integration.flows.conftest import Patient, tenant

NO_CONNECTION = "no connection to the hospital yet"


def _invitation(url: str) -> dict[str, Any]:
    encoded = parse_qs(urlsplit(url).query)["oob"][0]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return decoded


def _url(invitation: dict[str, Any]) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(invitation).encode()).decode().rstrip("=")
    return f"http://127.0.0.1:8020?oob={encoded}"


async def _patient(hospital: HospitalClient, wallets: WalletAdminClient, http: httpx.AsyncClient,
                   network: MedcredNetwork, given: str) -> tuple[Patient, str]:
    """A patient known to the hospital with a wallet, not yet connected; and their invitation URL."""
    ref = f"p-{secrets.token_hex(6)}"
    await hospital.put_patient(ref, samples.patient(ref, given=given))
    patient_id, token = await wallets.create_patient()
    return Patient(ref, patient_id, PatientClient(http, network.holder.url, token)), await hospital.invite(ref)


async def _alice_with_a_share(hospital: HospitalClient, wallets: WalletAdminClient, http: httpx.AsyncClient,
                              network: MedcredNetwork) -> tuple[Patient, str, list[Any], list[Any]]:
    alice, url = await _patient(hospital, wallets, http, network, "Alice")
    accepted = await alice.wallet.accept_invitation(url)
    assert accepted["state"] == "connected"
    await hospital.call("POST", f"/patients/{alice.ref}/records", json={
        "name": "immunizations.json", "content_type": "application/fhir+json",
        "fhir": samples.immunization(alice.ref, dose=2)})  # fmt: skip
    records = await alice.wallet.call("GET", "/me/records")
    await alice.wallet.call("POST", "/me/shares", json={"record_ids": [records[0]["record_id"]], "label": "clinic"})
    return alice, url, records, await alice.wallet.call("GET", "/me/shares")


async def _reaches_nothing(mallory: Patient, records: list[Any]) -> None:
    for method, path, body in (
        ("GET", "/me/records", None), ("GET", "/me/shares", None),
        ("POST", "/me/shares", {"record_ids": [records[0]["record_id"]], "label": "stolen"}),
        ("POST", f"/me/records/{records[0]['record_id']}/erase", None),
    ):  # fmt: skip
        with pytest.raises(ControllerError) as refused:
            await mallory.wallet.call(method, path, json=body)
        assert refused.value.status_code == 409 and NO_CONNECTION in refused.value.detail, (method, path)


async def _untouched(alice: Patient, records: list[Any], shares: list[Any]) -> None:
    assert await alice.wallet.call("GET", "/me/records") == records
    assert await alice.wallet.call("GET", "/me/shares") == shares


async def test_a_crafted_invitation_with_anothers_id_reaches_nothing(
    network: MedcredNetwork, http: httpx.AsyncClient, hospital: HospitalClient, wallets: WalletAdminClient
) -> None:
    alice, alice_url, records, shares = await _alice_with_a_share(hospital, wallets, http, network)
    mallory, mallory_url = await _patient(hospital, wallets, http, network, "Mallory")
    crafted = _invitation(mallory_url) | {"@id": _invitation(alice_url)["@id"]}

    # The hospital's agent refuses the DID Exchange (that invitation was used): no connection completes.
    assert (await mallory.wallet.accept_invitation(_url(crafted)))["state"] != "connected"

    await _reaches_nothing(mallory, records)
    await _untouched(alice, records, shares)


async def test_a_replayed_invitation_url_reaches_nothing(
    network: MedcredNetwork, http: httpx.AsyncClient, hospital: HospitalClient, wallets: WalletAdminClient
) -> None:
    alice, alice_url, records, shares = await _alice_with_a_share(hospital, wallets, http, network)
    mallory, _ = await _patient(hospital, wallets, http, network, "Mallory")

    assert (await mallory.wallet.accept_invitation(alice_url))["state"] != "connected"

    await _reaches_nothing(mallory, records)
    await _untouched(alice, records, shares)
    # Her own wallet again: it keeps her connection, at once (the hospital answers the reuse of an invitation
    # already used: agents/acapy_plugin/reuse_answered.py).
    assert (await alice.wallet.accept_invitation(alice_url))["state"] == "already-connected"
    await _untouched(alice, records, shares)


async def test_a_rogue_peer_calling_itself_the_hospital_is_not_the_hospital(
    network: MedcredNetwork, http: httpx.AsyncClient, hospital: HospitalClient, wallets: WalletAdminClient
) -> None:
    alice, alice_url, records, shares = await _alice_with_a_share(hospital, wallets, http, network)
    mallory, _ = await _patient(hospital, wallets, http, network, "Mallory")
    # The rogue peer is another agent of the network (the clinic's), inviting under the hospital's label
    # with Alice's invitation id, to a connection of its own.
    rogue = network.verifier.agent.config
    headers = {"X-API-Key": rogue.admin_api_key.get_secret_value()}
    made = await http.post(
        f"{rogue.admin_url}/out-of-band/create-invitation", params={"auto_accept": "true", "multi_use": "true"},
        headers=headers, json={"my_label": "City Hospital", "handshake_protocols": ["https://didcomm.org/didexchange/1.1"]},
    )  # fmt: skip
    made.raise_for_status()
    rogue_invitation = made.json()["invitation"]

    for patient in (mallory, alice):
        accepted = await patient.wallet.accept_invitation(_url(dict(rogue_invitation)))
        assert accepted["state"] == "connected"  # a real connection, to a peer that is not the hospital
    await _reaches_nothing(mallory, records)
    await _untouched(alice, records, shares)  # Alice's key to the hospital is not overwritten

    crafted = dict(rogue_invitation) | {"@id": _invitation(alice_url)["@id"]}
    assert (await mallory.wallet.accept_invitation(_url(crafted)))["state"] != "connected"
    await _reaches_nothing(mallory, records)


async def test_the_portal_admits_only_a_live_connections_dids(
    network: MedcredNetwork, http: httpx.AsyncClient, hospital: HospitalClient, wallets: WalletAdminClient
) -> None:
    alice, alice_url, records, _ = await _alice_with_a_share(hospital, wallets, http, network)
    portal = {"X-API-Key": network.issuer.settings.secret("portal_api_key").get_secret_value()}
    url = f"{network.issuer.url}/portal/patient/records"
    issuer_admin = network.issuer.agent.config
    admin = {"X-API-Key": issuer_admin.admin_api_key.get_secret_value()}
    found = (await http.get(f"{issuer_admin.admin_url}/connections", params={"alias": alice.ref}, headers=admin)).json()
    [connection] = [c for c in found["results"] if c["state"] == "active"]
    # As Alice's wallet sees her connection: her DID is the hospital's `their_did`, and the other way round.
    wallet_view = {"X-Patient-DID": connection["their_did"], "X-Hospital-DID": connection["my_did"]}

    assert (await http.get(url, headers={**portal, **wallet_view})).json() == records
    assert (await http.get(url, headers=wallet_view)).status_code == 401  # the portal key is needed too
    invitation_id = _invitation(alice_url)["@id"]
    for forged in (
        {"X-Patient-DID": invitation_id, "X-Hospital-DID": invitation_id},
        {"X-Patient-DID": connection["their_did"], "X-Hospital-DID": connection["their_did"]},
        {"X-Patient-DID": connection["my_did"], "X-Hospital-DID": connection["their_did"]},
    ):
        answer = await http.get(url, headers={**portal, **forged})
        assert answer.status_code == 404, answer.text

    # Once the hospital's side of the connection is gone, the same DIDs admit nobody.
    gone = await http.delete(f"{issuer_admin.admin_url}/connections/{connection['connection_id']}", headers=admin)
    assert gone.status_code == 200
    assert (await http.get(url, headers={**portal, **wallet_view})).status_code == 404


async def test_a_connected_wallet_scanning_another_patients_invitation_is_told_so_and_connects_nobody(
    hospital: HospitalClient, wallets: WalletAdminClient, http: httpx.AsyncClient, network: MedcredNetwork
) -> None:
    alice, _, records, shares = await _alice_with_a_share(hospital, wallets, http, network)
    bob_ref = f"p-{secrets.token_hex(6)}"
    await hospital.put_patient(bob_ref, samples.patient(bob_ref, given="Bob"))
    bob_url = await hospital.invite(bob_ref)

    accepted = await alice.wallet.accept_invitation(bob_url)  # Bob's QR code, scanned with Alice's wallet
    assert accepted["state"] == "already-connected", accepted
    assert "someone else" in accepted["reason"]
    assert (await hospital.call("GET", f"/patients/{bob_ref}"))["connected"] is False  # Bob: nobody's wallet yet
    await _untouched(alice, records, shares)
    (connection,) = [c for c in await tenant(network, alice).connections() if c.get("state") == "active"]
    assert connection["connection_id"] == accepted["connection_id"]  # her one connection, nothing new

    # The reuse wrote Bob's invitation id into Alice's connection at the hospital's agent. When that
    # connection goes, the hospital still tells Alice's record (not Bob's) that it is gone.
    issuer_admin = network.issuer.agent.config
    admin = {"X-API-Key": issuer_admin.admin_api_key.get_secret_value()}
    found = (await http.get(f"{issuer_admin.admin_url}/connections", params={"alias": alice.ref}, headers=admin)).json()
    [kept] = [c for c in found["results"] if c["state"] == "active"]
    assert kept["invitation_msg_id"] == _invitation(bob_url)["@id"]
    gone = await http.delete(f"{issuer_admin.admin_url}/connections/{kept['connection_id']}", headers=admin)
    assert gone.status_code == 200
    async with asyncio.timeout(20):  # the agent's `deleted` webhook reaches the hospital's controller
        while True:
            if not (await hospital.call("GET", f"/patients/{alice.ref}"))["connected"]:
                break
            await asyncio.sleep(0.2)
    assert (await hospital.call("GET", f"/patients/{bob_ref}"))["connected"] is False
