"""Invitations: parsing URLs and objects (400 with a reason when malformed), connections, scanned requests."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import pytest

from agents.events import WebhookEvent
from holder.invitations import parse_invitation_url, proof_request_thread
from medcred.errors import InvalidInputError
from tests.unit.holder.conftest import VACCINATION_REQUEST, Holder, connection_invitation, proof_invitation, url_of

THREAD = "5d3c2b1a-0000-4000-8000-0000000000aa"


def b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_a_good_url_gives_the_invitation_and_its_proof_request_thread() -> None:
    invitation = proof_invitation(VACCINATION_REQUEST, THREAD)
    parsed = parse_invitation_url(url_of(invitation))
    assert parsed == invitation
    assert proof_request_thread(parsed) == THREAD
    assert proof_request_thread(connection_invitation()) is None


def test_standard_base64_and_padding_are_accepted_too() -> None:
    invitation = connection_invitation()
    standard = base64.b64encode(json.dumps(invitation).encode()).decode()
    assert parse_invitation_url(f"https://clinic.example/?oob={standard}") == invitation


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("not a url", "not an http(s) or didcomm URL"),
        ("https://example.org/?oob=%%%not-base64", "not valid base64"),
        (f"https://example.org/?oob={b64url('not json')}", "the JSON in the oob= parameter is not valid JSON"),
        (f"https://example.org/?oob={b64url('[1, 2]')}", "not a JSON object"),
        (f"https://example.org/?oob={b64url(json.dumps({'@type': 'https://didcomm.org/connections/1.0/invitation'}))}",
         "wrong or missing @type"),
        ("https://example.org/?c_i=eyJ9", "only out-of-band invitations"),
        ("https://example.org/invite", "no oob= parameter"),
        # Python's parser recursed on this (a 500); the bound refuses it, and one just past 64 levels.
        (f"https://example.org/?oob={b64url('[' * 3000 + ']' * 3000)}", "nested too deeply"),
        (f"https://example.org/?oob={b64url('{\"a\":' * 65 + '1' + '}' * 65)}", "more than 64 levels"),
    ],
)  # fmt: skip
async def test_malformed_invitations_are_400_with_the_reason(holder: Holder, url: str, reason: str) -> None:
    patient = await holder.patient()
    response = await holder.http.post("/me/invitations", json={"invitation_url": url}, headers=patient.headers)
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert not any(r.url.path.startswith("/out-of-band") for r in holder.agent.requests)


async def test_give_exactly_one_of_url_or_object(holder: Holder) -> None:
    patient = await holder.patient()
    both = {"invitation_url": url_of(connection_invitation()), "invitation": connection_invitation()}
    for body in (both, {}):
        response = await holder.http.post("/me/invitations", json=body, headers=patient.headers)
        assert response.status_code == 400
    with pytest.raises(InvalidInputError, match="exactly one service"):
        parse_invitation_url(url_of({**connection_invitation(), "services": []}))


async def test_a_hospital_invitation_connects_the_patients_sub_wallet(holder: Holder) -> None:
    patient = await holder.patient()
    response = await holder.http.post("/me/invitations", json={"invitation": connection_invitation()},
                                      headers=patient.headers)  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.json() == {"connection_id": "conn-1", "state": "connected"}
    received = next(r for r in holder.agent.requests if r.url.path == "/out-of-band/receive-invitation")
    assert received.url.params["auto_accept"] == "true"
    assert received.url.params["use_existing_connection"] == "true"
    assert holder.agent.wallets[received.headers["authorization"].removeprefix("Bearer ")] == patient.wallet_id


async def test_a_scanned_proof_request_is_returned_with_its_id(holder: Holder) -> None:
    patient = await holder.patient()
    url = url_of(proof_invitation(VACCINATION_REQUEST, THREAD))
    response = await holder.http.post("/me/invitations", json={"invitation_url": url}, headers=patient.headers)
    assert response.status_code == 201, response.text
    (record,) = holder.agent.proofs[patient.wallet_id].values()
    assert record["thread_id"] == THREAD
    assert response.json() == {"state": "request-received", "proof_request_id": record["pres_ex_id"]}


async def test_a_proof_request_scanned_again_is_not_received_twice(holder: Holder) -> None:
    """A retry (the first try's answer was lost with the instance that had it) gives the same request: the
    sub-wallet is not handed the invitation a second time (two records of it and the agent answers neither)."""
    patient = await holder.patient()
    url = url_of(proof_invitation(VACCINATION_REQUEST, THREAD))
    first = await holder.http.post("/me/invitations", json={"invitation_url": url}, headers=patient.headers)
    again = await holder.http.post("/me/invitations", json={"invitation_url": url}, headers=patient.headers)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json()["proof_request_id"] == first.json()["proof_request_id"]
    received = [r for r in holder.agent.requests if r.url.path == "/out-of-band/receive-invitation"]
    assert len(received) == 1 and len(holder.agent.proofs[patient.wallet_id]) == 1


async def test_a_request_that_arrives_later_is_awaited_through_its_webhook(holder: Holder) -> None:
    holder.agent.request_arrives = "by-webhook"
    patient = await holder.patient()
    url = url_of(proof_invitation(VACCINATION_REQUEST, THREAD))
    started = time.monotonic()
    response = await holder.http.post("/me/invitations", json={"invitation_url": url}, headers=patient.headers)
    assert response.status_code == 201, response.text
    assert time.monotonic() - started < holder.settings.proof_request_wait / 2  # woken by the event, not the timeout
    (record,) = holder.agent.proofs[patient.wallet_id].values()
    assert response.json()["proof_request_id"] == record["pres_ex_id"]


async def test_a_proof_request_that_never_arrives_is_a_504(holder: Holder) -> None:
    holder.agent.request_arrives = "never"
    holder.settings.proof_request_wait = 0.2
    patient = await holder.patient()
    url = url_of(proof_invitation(VACCINATION_REQUEST, THREAD))
    response = await holder.http.post("/me/invitations", json={"invitation_url": url}, headers=patient.headers)
    assert response.status_code == 504


async def test_a_connection_is_awaited_until_its_exchange_completes(holder: Holder) -> None:
    holder.agent.connection_state = "request"
    patient = await holder.patient()

    def complete() -> None:
        holder.agent.connections["conn-1"]["state"] = "active"
        assert holder.agent.deliver is not None
        holder.agent.deliver(WebhookEvent("connections", dict(holder.agent.connections["conn-1"]),
                                          wallet_id=patient.wallet_id))  # fmt: skip

    asyncio.get_running_loop().call_later(0.05, complete)
    response = await holder.http.post("/me/invitations", json={"invitation": connection_invitation()},
                                      headers=patient.headers)  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.json() == {"connection_id": "conn-1", "state": "connected"}


async def test_a_connection_still_being_made_is_connecting_never_the_agents_own_state(holder: Holder) -> None:
    holder.agent.connection_state = "request"  # the inviter has not answered within the wait
    holder.settings.proof_request_wait = 0.2
    patient = await holder.patient()
    response = await holder.http.post("/me/invitations", json={"invitation": connection_invitation()},
                                      headers=patient.headers)  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.json() == {"connection_id": "conn-1", "state": "connecting",
                               "reason": "the inviter has not completed the connection (yet)"}  # fmt: skip


async def test_a_connection_the_inviter_refused_is_409_with_its_reason(holder: Holder) -> None:
    holder.agent.connection_state = "abandoned"
    patient = await holder.patient()
    response = await holder.http.post("/me/invitations", json={"invitation": connection_invitation()},
                                      headers=patient.headers)  # fmt: skip
    assert response.status_code == 409 and "the inviter refused the connection" in response.text


async def test_a_request_naming_its_own_reply_address_is_refused(holder: Holder) -> None:
    """Asked in a trusted verifier's DID but answered to `~service`: the answer would go to whoever wrote it."""
    invitation = proof_invitation(VACCINATION_REQUEST, THREAD, public_did="EWWExmvTPTTaet8ipxYg3T")
    invitation["requests~attach"][0]["data"]["json"]["~service"] = {
        "recipientKeys": ["8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K"], "serviceEndpoint": "http://attacker.test"}
    patient = await holder.patient()
    response = await holder.http.post("/me/invitations", json={"invitation": invitation}, headers=patient.headers)
    assert response.status_code == 400 and "~service" in response.json()["detail"]
    assert not any(r.url.path == "/out-of-band/receive-invitation" for r in holder.agent.requests)


async def test_an_inviter_the_wallet_was_connected_to_already_is_said_so_not_connected_anew(holder: Holder) -> None:
    patient = await holder.patient()
    first = await holder.http.post("/me/invitations", json={"invitation": connection_invitation()},
                                   headers=patient.headers)  # fmt: skip
    assert first.json()["state"] == "connected"
    holder.agent.reuse = True  # the same hospital's invitation again (another patient's, say)
    again = await holder.http.post("/me/invitations", json={"invitation": connection_invitation()},
                                   headers=patient.headers)  # fmt: skip
    assert again.status_code == 201, again.text
    body = again.json()
    assert (body["state"], body["connection_id"]) == ("already-connected", "conn-1")
    assert "already connected to the inviter" in body["reason"] and "their own wallet" in body["reason"]
