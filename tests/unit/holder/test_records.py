"""The patient's records and shares through the hospital's portal (a fake, httpx.MockTransport): the
portal key and the DIDs of the patient's own connection to the hospital's public DID on every call (never
a look-alike's, never an invitation's id), the hospital's refusals passed on, patients kept apart, and
the hospital's accesses merged into the accounting of disclosures."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from agents.audit import ServiceAudit
from holder import HolderSettings, create_app
from tests.unit.holder.conftest import STAFF, FakeAgent, PatientHandle, connection_invitation
from tests.unit.medcred.qr_reader import read_qr_svg

type Json = dict[str, Any]

PORTAL_KEY = "portal-key"
HOSPITAL_LABEL = "City Hospital"
HOSPITAL_DID = "EWWExmvTPTTaet8ipxYg3T"
PREFIX = "/portal/patient/"


def hospital_invitation(invitation_id: str) -> Json:
    return connection_invitation(HOSPITAL_LABEL) | {"@id": invitation_id, "services": [f"did:sov:{HOSPITAL_DID}"]}


class HospitalAgent(FakeAgent):
    """The fake agent, whose connections completed at once with fresh DIDs, one list per sub-wallet; a
    connection to a public DID carries it (as ACA-Py's do: `their_public_did`, unqualified)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_wallet: dict[str, list[Json]] = {}

    def _tenant(self, wallet_id: str, method: str, parts: list[str], request: httpx.Request) -> httpx.Response:
        if (method, parts) == ("GET", ["connections"]):
            wanted = request.url.params.get("their_public_did")
            found = [c for c in self.by_wallet.get(wallet_id, []) if wanted is None or c["their_public_did"] == wanted]
            return httpx.Response(200, json={"results": found})
        if (method, parts) == ("POST", ["out-of-band", "receive-invitation"]):
            invitation = json.loads(request.content)
            service = invitation["services"][0]
            connection = {
                "connection_id": f"conn-{uuid.uuid4()}", "their_label": invitation.get("label"),
                "invitation_msg_id": invitation["@id"], "state": "active", "rfc23_state": "completed",
                "their_public_did": service.removeprefix("did:sov:") if service.startswith("did:sov:") else None,
                "my_did": f"did:peer:4zQmPatient{uuid.uuid4().hex}",
                "their_did": f"did:peer:4zQmHospital{uuid.uuid4().hex}",
                "updated_at": "2026-05-01T00:00:00Z",
            }  # fmt: skip
            self.connections[connection["connection_id"]] = connection
            self.by_wallet.setdefault(wallet_id, []).append(connection)
            return httpx.Response(200, json={"state": "done", "connection_id": connection["connection_id"]})
        return super()._tenant(wallet_id, method, parts, request)




def record_view(key: str, name: str) -> Json:
    return {"record_id": str(uuid.uuid4()), "patient_ref": f"p-{key[:6]}", "name": name,
            "content_type": "application/fhir+json", "size": 321, "sha256": "ab" * 32,
            "created_at": "2026-05-09T12:00:00Z", "erased_at": None}  # fmt: skip


@dataclass
class FakePortal:
    """The hospital's patient portal: each patient's records and shares, under their connection's DIDs."""

    records: dict[str, list[Json]] = field(default_factory=dict)  # the patient's DID on it -> records
    hospital_dids: dict[str, str] = field(default_factory=dict)  # the patient's DID -> the hospital's
    shares: dict[str, list[Json]] = field(default_factory=dict)
    disclosures: dict[str, list[Json]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    answer: tuple[int, Any] | None = None  # the next answer, whatever is asked
    down: bool = False

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.headers.get("x-api-key") != PORTAL_KEY:
            return httpx.Response(401, json={"detail": "missing or wrong X-API-Key header"})
        if self.answer is not None:
            status, body = self.answer
            self.answer = None
            return httpx.Response(status, json=body)
        if request.url.path == "/portal/hospital":
            return httpx.Response(200, json={"did": HOSPITAL_DID, "label": HOSPITAL_LABEL})
        key, route = request.headers.get("x-patient-did", ""), request.url.path.removeprefix(PREFIX).split("/")
        if key not in self.records or self.hospital_dids.get(key) != request.headers.get("x-hospital-did"):
            return httpx.Response(404, json={"detail": "no active patient connection with these DIDs"})
        return self._route(key, request.method, route, request)

    def _route(self, key: str, method: str, route: list[str], request: httpx.Request) -> httpx.Response:
        records, shares = self.records[key], self.shares.setdefault(key, [])
        match method, route:
            case "GET", ["records"]:
                return httpx.Response(200, json=records)
            case "GET", ["shares"]:
                return httpx.Response(200, json=shares)
            case "GET", ["disclosures"]:
                return httpx.Response(200, json=self.disclosures.get(key, []))
            case "POST", ["shares"]:
                return self._share(key, json.loads(request.content))
            case "POST", ["shares", share_id, "revoke"]:
                for share in shares:
                    if share["share_id"] == share_id:
                        share["status"] = "revoked"
                        return httpx.Response(200, json=share)
                return httpx.Response(404, json={"detail": f"no share {share_id}"})
            case "POST", ["records", record_id, "erase"]:
                for record in records:
                    if record["record_id"] == record_id:
                        if record["erased_at"]:
                            return httpx.Response(410, json={"detail": f"record {record_id} was erased"})
                        record["erased_at"] = "2026-05-09T12:30:00Z"
                        return httpx.Response(200, json={"record_id": record_id, "erased_at": record["erased_at"]})
                return httpx.Response(404, json={"detail": f"no record {record_id}"})
        return httpx.Response(404, json={"detail": "no such route"})

    def _share(self, key: str, body: Json) -> httpx.Response:
        known = {record["record_id"] for record in self.records[key]}
        if unknown := [rid for rid in body["record_ids"] if rid not in known]:
            return httpx.Response(404, json={"detail": f"no record {unknown[0]}"})
        share = {
            "share_id": str(uuid.uuid4()), "shlink": f"shlink:/{'A' * 60}", "label": body.get("label"),
            "expires_at": "2026-06-08T12:00:00Z", "flags": "P" if body.get("passcode") else "",
            "record_ids": body["record_ids"], "status": "active",
            "passcode_attempts_left": 5 if body.get("passcode") else None, "manifest_fetches": 0,
        }  # fmt: skip
        self.shares.setdefault(key, []).append(share)
        return httpx.Response(201, json=share)

    def keys_used(self) -> list[str]:
        return [r.headers["x-patient-did"] for r in self.requests if r.url.path.startswith(PREFIX)]

    def patient_calls(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith(PREFIX)]


@dataclass
class Wallet:
    http: httpx.AsyncClient
    agent: HospitalAgent
    portal: FakePortal
    app: FastAPI

    @property
    def audit(self) -> ServiceAudit:
        audit: ServiceAudit = self.app.state.audit
        return audit

    async def patient(self, *, connected: bool = True) -> tuple[PatientHandle, str]:
        """A new patient; `connected`: whose wallet accepted the hospital's invitation (their DID on the
        connection it made, with records at the hospital)."""
        response = await self.http.post("/patients", headers=STAFF)
        assert response.status_code == 201, response.text
        body = response.json()
        patient = PatientHandle(body["patient_id"], body["token"], list(self.agent.wallets.values())[-1])
        if not connected:
            return patient, ""
        invitation = hospital_invitation(str(uuid.uuid4()))
        accepted = await self.http.post("/me/invitations", json={"invitation": invitation}, headers=patient.headers)
        assert accepted.status_code == 201, accepted.text
        connection = self.agent.connections[accepted.json()["connection_id"]]
        key = connection["my_did"]
        self.portal.hospital_dids[key] = connection["their_did"]
        self.portal.records[key] = [record_view(key, "immunizations.json"), record_view(key, "letter.pdf")]
        return patient, key


@pytest_asyncio.fixture
async def wallet(tmp_path: Path) -> AsyncIterator[Wallet]:
    settings = HolderSettings(data_dir=tmp_path, api_key="staff-key", hospital_portal_key=PORTAL_KEY,  # type: ignore[arg-type]
                              hospital_url="http://hospital.test", audit_anchoring=False)  # fmt: skip
    agent, portal = HospitalAgent(), FakePortal()
    app = create_app(settings, admin_transport=httpx.MockTransport(agent), portal_transport=httpx.MockTransport(portal))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://holder.test") as http:
            yield Wallet(http, agent, portal, app)


async def test_records_come_from_the_portal_under_the_patients_own_connection(wallet: Wallet) -> None:
    patient, key = await wallet.patient()
    response = await wallet.http.get("/me/records", headers=patient.headers)
    assert response.status_code == 200, response.text
    assert [r["name"] for r in response.json()] == ["immunizations.json", "letter.pdf"]
    (request,) = wallet.portal.patient_calls()
    assert str(request.url) == f"http://hospital.test{PREFIX}records"
    assert request.headers["x-api-key"] == PORTAL_KEY
    assert request.headers["x-patient-did"] == key
    assert request.headers["x-hospital-did"] == wallet.portal.hospital_dids[key]
    assert "authorization" not in request.headers  # the patient's token never goes to the hospital


async def test_without_a_hospital_connection_it_is_a_409(wallet: Wallet) -> None:
    patient, _ = await wallet.patient(connected=False)
    for method, path in (("GET", "/me/records"), ("GET", "/me/shares"), ("POST", "/me/shares/x/revoke"),
                         ("POST", "/me/records/x/erase")):  # fmt: skip
        response = await wallet.http.request(method, path, headers=patient.headers)
        assert response.status_code == 409, (path, response.text)
        assert response.json() == {"detail": "no connection to the hospital yet"}
    response = await wallet.http.post("/me/shares", json={"record_ids": ["r"]}, headers=patient.headers)
    assert response.status_code == 409
    assert wallet.portal.patient_calls() == []


async def test_only_a_live_connection_to_the_hospitals_public_did_is_the_hospitals(wallet: Wallet) -> None:
    patient, _ = await wallet.patient(connected=False)
    live = {"state": "active", "rfc23_state": "completed"}
    wallet.agent.by_wallet[patient.wallet_id] = [
        # labelled as the hospital, but to another peer: a look-alike
        {"connection_id": "c-0", "their_label": HOSPITAL_LABEL, "their_public_did": None, **live,
         "my_did": "did:peer:4zQmA", "their_did": "did:peer:4zQmB", "updated_at": "2026-05-09T00:00:00Z"},
        {"connection_id": "c-1", "their_label": HOSPITAL_LABEL, "their_public_did": "Th7MpTaRZVRYnPiabds81Y",
         **live, "my_did": "did:peer:4zQmC", "their_did": "did:peer:4zQmD", "updated_at": "2026-05-09T00:00:00Z"},
        # the hospital's, but its exchange has not completed
        {"connection_id": "c-2", "their_public_did": HOSPITAL_DID, "state": "request", "rfc23_state": "request-sent",
         "my_did": "did:peer:4zQmE", "their_did": None, "updated_at": "2026-05-09T00:00:00Z"},
    ]  # fmt: skip
    response = await wallet.http.get("/me/records", headers=patient.headers)
    assert response.status_code == 409 and response.json() == {"detail": "no connection to the hospital yet"}
    assert wallet.portal.patient_calls() == []

    for connection_id, updated_at in (("c-3", "2026-05-01T00:00:00Z"), ("c-4", "2026-05-02T00:00:00Z")):
        wallet.agent.by_wallet[patient.wallet_id].append({
            "connection_id": connection_id, "their_public_did": HOSPITAL_DID, **live, "updated_at": updated_at,
            "my_did": f"did:peer:4zQm{connection_id}:zLongForm", "their_did": f"did:peer:4zQmH{connection_id}",
        })  # fmt: skip
    wallet.portal.records["did:peer:4zQmc-4"] = [record_view("c-4", "scan.json")]
    wallet.portal.hospital_dids["did:peer:4zQmc-4"] = "did:peer:4zQmHc-4"
    response = await wallet.http.get("/me/records", headers=patient.headers)
    assert response.status_code == 200, response.text
    assert [r["name"] for r in response.json()] == ["scan.json"]  # the latest, its DIDs in their short form
    assert [r.url.path for r in wallet.portal.requests].count("/portal/hospital") == 1
    await wallet.http.get("/me/records", headers=patient.headers)
    assert [r.url.path for r in wallet.portal.requests].count("/portal/hospital") == 1  # asked once


async def test_a_look_alikes_invitation_leaves_the_patients_connection_as_it_was(wallet: Wallet) -> None:
    patient, key = await wallet.patient()
    rogue = connection_invitation(HOSPITAL_LABEL) | {"@id": str(uuid.uuid4())}  # its own service: not the DID
    accepted = await wallet.http.post("/me/invitations", json={"invitation": rogue}, headers=patient.headers)
    assert accepted.status_code == 201, accepted.text
    response = await wallet.http.get("/me/records", headers=patient.headers)
    assert response.status_code == 200 and len(response.json()) == 2
    assert wallet.portal.keys_used() == [key]


async def test_a_share_is_made_with_its_qr_code_and_audited_by_ids(wallet: Wallet) -> None:
    patient, key = await wallet.patient()
    record_ids = [r["record_id"] for r in wallet.portal.records[key]]
    body = {"record_ids": record_ids, "label": "for Riverside Clinic", "expires_in_days": 7,
            "passcode": "correct horse", "single_use": True, "recipient_hint": "Dr. B"}  # fmt: skip
    response = await wallet.http.post("/me/shares", json=body, headers=patient.headers)
    assert response.status_code == 201, response.text
    share = response.json()
    assert share["shlink"].startswith("shlink:/") and share["status"] == "active"
    assert read_qr_svg(share["qr_svg"]) == share["shlink"]
    sent = json.loads(wallet.portal.requests[-1].content)
    assert sent == body
    (entry,) = [e for e in wallet.audit.log.entries(subject=patient.patient_id) if e.event == "share.created"]
    assert entry.details == {"share_id": share["share_id"], "record_ids": record_ids}  # no passcode, no link

    listed = await wallet.http.get("/me/shares", headers=patient.headers)
    assert [s["share_id"] for s in listed.json()] == [share["share_id"]]
    assert "qr_svg" not in listed.json()[0]


async def test_a_share_is_revoked_and_audited(wallet: Wallet) -> None:
    patient, key = await wallet.patient()
    body = {"record_ids": [wallet.portal.records[key][0]["record_id"]]}
    share = (await wallet.http.post("/me/shares", json=body, headers=patient.headers)).json()
    response = await wallet.http.post(f"/me/shares/{share['share_id']}/revoke", headers=patient.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked"
    assert wallet.portal.requests[-1].url.path == f"{PREFIX}shares/{share['share_id']}/revoke"
    assert wallet.portal.requests[-1].headers["x-patient-did"] == key
    events = [(e.event, e.details) for e in wallet.audit.log.entries(subject=patient.patient_id)]
    assert ("share.revoked", {"share_id": share["share_id"]}) in events


async def test_an_erasure_is_requested_and_audited_and_a_second_one_is_410(wallet: Wallet) -> None:
    patient, key = await wallet.patient()
    record_id = wallet.portal.records[key][1]["record_id"]
    response = await wallet.http.post(f"/me/records/{record_id}/erase", headers=patient.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"record_id": record_id, "erased_at": "2026-05-09T12:30:00Z"}
    events = [(e.event, e.details) for e in wallet.audit.log.entries(subject=patient.patient_id)]
    assert ("record.erase_requested", {"record_id": record_id}) in events
    again = await wallet.http.post(f"/me/records/{record_id}/erase", headers=patient.headers)
    assert again.status_code == 410 and again.json() == {"detail": f"record {record_id} was erased"}


@pytest.mark.parametrize(
    ("answer", "status", "detail"),
    [
        ((404, {"detail": "no record r-9"}), 404, "no record r-9"),
        ((410, {"detail": "record r-9 was erased"}), 410, "record r-9 was erased"),
        ((409, {"detail": "share already revoked"}), 409, "share already revoked"),
        (
            (422, {"detail": [{"loc": ["body", "expires_in_days"], "msg": "too long", "input": 999}]}),
            422,
            "body.expires_in_days: too long",
        ),
        ((429, {"detail": "slow down"}), 429, "slow down"),
        ((401, {"detail": "missing or wrong X-API-Key header"}), 502, "refused the wallet's portal key"),
        ((500, {"detail": "internal error"}), 502, "the hospital failed"),
    ],
)
async def test_the_hospitals_errors_are_passed_on(wallet: Wallet, answer: tuple[int, Any], status: int,
                                                  detail: str) -> None:  # fmt: skip
    patient, _ = await wallet.patient()
    wallet.portal.answer = answer
    response = await wallet.http.post("/me/shares", json={"record_ids": ["r-9"]}, headers=patient.headers)
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]
    assert "999" not in response.text
    assert not [e for e in wallet.audit.log.entries(subject=patient.patient_id) if e.event == "share.created"]


async def test_an_unreachable_hospital_is_a_502(wallet: Wallet) -> None:
    patient, _ = await wallet.patient()
    wallet.portal.down = True
    response = await wallet.http.get("/me/records", headers=patient.headers)
    assert response.status_code == 502 and "unreachable" in response.json()["detail"]


async def test_body_checks_before_the_hospital_is_asked(wallet: Wallet) -> None:
    patient, _ = await wallet.patient()
    for body in ({"record_ids": []}, {"record_ids": ["r"], "expires_in_days": 3, "expires_at": "2026-06-01T00:00:00Z"},
                 {"record_ids": ["r"], "unknown": 1}):  # fmt: skip
        response = await wallet.http.post("/me/shares", json=body, headers=patient.headers)
        assert response.status_code == 422, body
    assert wallet.portal.patient_calls() == []
    assert (await wallet.http.get("/me/records")).status_code == 401


async def test_patients_reach_only_their_own_records_and_shares(wallet: Wallet) -> None:
    alice, alice_key = await wallet.patient()
    bob, bob_key = await wallet.patient()
    assert alice_key != bob_key
    alice_record = wallet.portal.records[alice_key][0]["record_id"]
    share = (await wallet.http.post("/me/shares", json={"record_ids": [alice_record]}, headers=alice.headers)).json()

    bob_records = (await wallet.http.get("/me/records", headers=bob.headers)).json()
    assert alice_record not in {r["record_id"] for r in bob_records}
    assert (await wallet.http.get("/me/shares", headers=bob.headers)).json() == []
    # Bob can name Alice's ids, but his calls go under his own key: the hospital knows them not there.
    revoke = await wallet.http.post(f"/me/shares/{share['share_id']}/revoke", headers=bob.headers)
    erase = await wallet.http.post(f"/me/records/{alice_record}/erase", headers=bob.headers)
    shared = await wallet.http.post("/me/shares", json={"record_ids": [alice_record]}, headers=bob.headers)
    assert (revoke.status_code, erase.status_code, shared.status_code) == (404, 404, 404)
    assert wallet.portal.shares[alice_key][0]["status"] == "active"
    assert wallet.portal.records[alice_key][0]["erased_at"] is None
    calls = list(zip(wallet.portal.keys_used(), wallet.portal.patient_calls(), strict=True))
    assert {key for key, request in calls if request.url.path.endswith("/revoke")} == {bob_key}


def hospital_access(seq: int, at: str, share_id: str, event: str = "share.manifest_fetched") -> Json:
    return {"seq": seq, "at": at, "event": event, "share_id": share_id, "recipient": "Riverside Clinic",
            "record_ids": ["r-1"], "entry_hash": f"{seq:064x}", "anchored": False, "proof": None}  # fmt: skip


async def test_the_accounting_of_disclosures_merges_the_hospitals_accesses(wallet: Wallet) -> None:
    patient, key = await wallet.patient()
    wallet.audit.record("proof.presented", subject=patient.patient_id, verifier_did="EWWExmvTPTTaet8ipxYg3T",
                        verifier="Riverside Clinic", revealed=["vaccine_code"], predicates=[])  # fmt: skip
    (presented,) = [e for e in wallet.audit.log.entries(subject=patient.patient_id) if e.event == "proof.presented"]
    wallet.portal.disclosures[key] = [
        hospital_access(7, "2000-01-01T00:00:00+00:00", "s-1"),
        hospital_access(8, "2999-01-01T00:00:00+00:00", "s-1", "share.file_downloaded"),
        {"seq": "not a number"},  # malformed: left out
    ]
    response = await wallet.http.get("/me/disclosures", headers=patient.headers)
    assert response.status_code == 200, response.text
    found = response.json()
    assert [(d["source"], d["event"]) for d in found] == [
        ("hospital", "share.manifest_fetched"),
        ("wallet", "proof.presented"),
        ("hospital", "share.file_downloaded"),
    ]  # in time order
    wallet_entry = found[1]
    assert wallet_entry["seq"] == presented.seq and wallet_entry["verifier"] == "Riverside Clinic"
    assert wallet_entry["revealed"] == ["vaccine_code"] and wallet_entry["share_id"] is None
    assert found[0]["share_id"] == "s-1" and found[0]["recipient"] == "Riverside Clinic"
    assert found[0]["record_ids"] == ["r-1"] and found[0]["verifier"] is None
    assert wallet.portal.requests[-1].url.path == f"{PREFIX}disclosures"
    assert wallet.portal.requests[-1].headers["x-patient-did"] == key


async def test_without_the_hospital_the_wallets_own_disclosures_are_answered(
    wallet: Wallet, caplog: pytest.LogCaptureFixture
) -> None:
    patient, _ = await wallet.patient()
    wallet.audit.record("proof.presented", subject=patient.patient_id, verifier="Riverside Clinic", revealed=[])
    wallet.portal.down = True
    with caplog.at_level(logging.WARNING, logger="holder.disclosures"):
        response = await wallet.http.get("/me/disclosures", headers=patient.headers)
    assert response.status_code == 200
    assert [d["source"] for d in response.json()] == ["wallet"]
    assert "the hospital's accesses are left out" in caplog.text

    unconnected, _ = await wallet.patient(connected=False)
    assert (await wallet.http.get("/me/disclosures", headers=unconnected.headers)).json() == []
