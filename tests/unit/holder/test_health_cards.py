"""The patient's SMART Health Cards through the hospital's portal (the fake of test_records, with the
portal's `GET health-cards`): listed with what they say, downloaded as a `.smart-health-card` file, shown
as a numeric `shc:/` QR code, shared as a SMART Health Link of the card's record; patients kept apart."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from holder import HolderSettings, create_app
from medcred.health_cards import (
    MAX_SINGLE_QR_JWS,
    SigningKey,
    card_payload,
    cards_in_file,
    load_or_create,
    minimal_bundle,
    sign,
    to_numeric,
)
from tests.unit.holder.test_records import PORTAL_KEY, PREFIX, FakePortal, HospitalAgent, Json, Wallet, record_view
from tests.unit.medcred.qr_reader import read_qr_svg

ISS = "https://hospital.example"
PATIENT = {"resourceType": "Patient", "name": [{"family": "Ng", "given": ["Ada"]}], "birthDate": "1990-02-03"}
IMMUNIZATION = {
    "resourceType": "Immunization", "status": "completed",
    "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "207"}]},
    "patient": {"reference": "resource:0"}, "occurrenceDateTime": "2026-03-04", "lotNumber": "LOT-9",
    "performer": [{"actor": {"display": "City Hospital"}}],
}  # fmt: skip


@dataclass
class CardPortal(FakePortal):
    """The fake portal, which also lists each patient's cards (`GET /portal/patient/health-cards`)."""

    cards: dict[str, list[Json]] = field(default_factory=dict)

    def _route(self, key: str, method: str, route: list[str], request: httpx.Request) -> httpx.Response:
        if (method, route) == ("GET", ["health-cards"]):
            return httpx.Response(200, json=self.cards.get(key, []))
        return super()._route(key, method, route, request)

    def give(self, key: str, jws: str, *, revoked: bool = False) -> Json:
        """A card of the patient `key`, kept as one of their records (as the hospital does)."""
        record = record_view(key, "vaccination.smart-health-card") | {"content_type": "application/smart-health-card"}
        self.records[key].append(record)
        card = {"card_id": str(uuid.uuid4()), "record_id": record["record_id"], "credential_ids": ["cred-1"],
                "issued_at": "2026-05-09T12:00:00Z", "revoked": revoked, "jws": jws}  # fmt: skip
        self.cards.setdefault(key, []).append(card)
        return card


@dataclass
class CardWallet(Wallet):
    portal: CardPortal
    key: SigningKey


@pytest_asyncio.fixture
async def wallet(tmp_path: Path) -> AsyncIterator[CardWallet]:
    settings = HolderSettings(data_dir=tmp_path, api_key="staff-key", hospital_portal_key=PORTAL_KEY,  # type: ignore[arg-type]
                              hospital_url="http://hospital.test", audit_anchoring=False)  # fmt: skip
    agent, portal = HospitalAgent(), CardPortal()
    app = create_app(settings, admin_transport=httpx.MockTransport(agent), portal_transport=httpx.MockTransport(portal))
    key = load_or_create(tmp_path / "card-key.jwk")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://holder.test") as http:
            yield CardWallet(http, agent, portal, app, key)


def card(key: SigningKey, doses: int = 1) -> str:
    lots = [uuid.uuid4().hex if doses > 2 else "LOT-9" for _ in range(doses)]  # many doses: a long card
    bundle = minimal_bundle(PATIENT, [IMMUNIZATION | {"lotNumber": lot} for lot in lots])
    return sign(card_payload(ISS, 1_700_000_000, bundle, "rid-1"), key)


async def test_the_patients_cards_are_listed_with_what_they_say(wallet: CardWallet) -> None:
    patient, key = await wallet.patient()
    given = wallet.portal.give(key, card(wallet.key, doses=2))
    response = await wallet.http.get("/me/health-cards", headers=patient.headers)
    assert response.status_code == 200, response.text
    (listed,) = response.json()
    assert {k: listed[k] for k in ("card_id", "record_id", "credential_ids", "revoked")} == {
        k: given[k] for k in ("card_id", "record_id", "credential_ids", "revoked")}  # fmt: skip
    assert (listed["iss"], listed["patient_name"], listed["birth_date"]) == (ISS, "Ada Ng", "1990-02-03")
    assert listed["immunizations"] == [{"system": "http://hl7.org/fhir/sid/cvx", "code": "207", "date": "2026-03-04",
                                        "lot": "LOT-9", "performer": "City Hospital"}] * 2  # fmt: skip
    assert listed["characters"] == len(given["jws"]) and "jws" not in listed
    (request,) = [r for r in wallet.portal.patient_calls() if r.url.path == f"{PREFIX}health-cards"]
    assert request.headers["x-patient-did"] == key and request.headers["x-api-key"] == PORTAL_KEY
    assert "authorization" not in request.headers


async def test_a_card_the_wallet_cannot_read_is_listed_without_its_contents(
    wallet: CardWallet, caplog: pytest.LogCaptureFixture
) -> None:
    patient, key = await wallet.patient()
    wallet.portal.give(key, "not.a.card")
    with caplog.at_level(logging.WARNING, logger="holder.health_cards"):
        response = await wallet.http.get("/me/health-cards", headers=patient.headers)
    assert response.status_code == 200, response.text
    (listed,) = response.json()
    assert listed["iss"] is None and listed["immunizations"] == [] and listed["patient_name"] is None
    assert "cannot be read (malformed)" in caplog.text


async def test_the_card_downloads_as_a_smart_health_card_file(wallet: CardWallet) -> None:
    patient, key = await wallet.patient()
    given = wallet.portal.give(key, card(wallet.key))
    response = await wallet.http.get(f"/me/health-cards/{given['card_id']}/file", headers=patient.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/smart-health-card"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="vaccination-{given["card_id"][:8]}.smart-health-card"')  # fmt: skip
    assert cards_in_file(response.content) == [given["jws"]]
    assert json.loads(response.content) == {"verifiableCredential": [given["jws"]]}


async def test_the_card_shows_as_its_numeric_shc_qr_code(wallet: CardWallet) -> None:
    patient, key = await wallet.patient()
    given = wallet.portal.give(key, card(wallet.key))
    response = await wallet.http.get(f"/me/health-cards/{given['card_id']}/qr", headers=patient.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/svg+xml"
    assert read_qr_svg(response.text) == to_numeric(given["jws"])


async def test_a_card_too_long_for_one_qr_code_is_a_409_and_still_downloads(wallet: CardWallet) -> None:
    patient, key = await wallet.patient()
    given = wallet.portal.give(key, card(wallet.key, doses=16))
    assert len(given["jws"]) > MAX_SINGLE_QR_JWS
    response = await wallet.http.get(f"/me/health-cards/{given['card_id']}/qr", headers=patient.headers)
    assert response.status_code == 409, response.text
    assert "more than one QR code holds" in response.json()["detail"]
    assert (await wallet.http.get(f"/me/health-cards/{given['card_id']}/file", headers=patient.headers)).is_success


async def test_a_card_is_shared_as_a_smart_health_link_of_its_record(wallet: CardWallet) -> None:
    patient, key = await wallet.patient()
    given = wallet.portal.give(key, card(wallet.key))
    body = {"label": "vaccination", "expires_in_days": 7, "passcode": "1234", "single_use": True}
    response = await wallet.http.post(f"/me/health-cards/{given['card_id']}/share", json=body, headers=patient.headers)
    assert response.status_code == 201, response.text
    share = response.json()
    assert share["record_ids"] == [given["record_id"]] and read_qr_svg(share["qr_svg"]) == share["shlink"]
    sent = json.loads(wallet.portal.requests[-1].content)
    assert sent == body | {"record_ids": [given["record_id"]]}
    assert wallet.portal.requests[-1].headers["x-patient-did"] == key
    events = [(e.event, e.details) for e in wallet.audit.log.entries(subject=patient.patient_id)]
    assert ("share.created", {"share_id": share["share_id"], "record_ids": [given["record_id"]]}) in events

    plain = await wallet.http.post(f"/me/health-cards/{given['card_id']}/share", headers=patient.headers)
    assert plain.status_code == 201, plain.text
    assert json.loads(wallet.portal.requests[-1].content) == {"record_ids": [given["record_id"]], "single_use": False}


async def test_a_revoked_card_is_not_shared_again(wallet: CardWallet) -> None:
    patient, key = await wallet.patient()
    given = wallet.portal.give(key, card(wallet.key), revoked=True)
    response = await wallet.http.post(f"/me/health-cards/{given['card_id']}/share", headers=patient.headers)
    assert response.status_code == 409 and "is revoked" in response.json()["detail"]
    assert not [r for r in wallet.portal.requests if r.method == "POST"]
    assert (await wallet.http.get(f"/me/health-cards/{given['card_id']}/file", headers=patient.headers)).is_success


async def test_share_options_are_checked_before_the_hospital_is_asked(wallet: CardWallet) -> None:
    patient, key = await wallet.patient()
    given = wallet.portal.give(key, card(wallet.key))
    for body in ({"record_ids": ["other"]}, {"expires_in_days": 0},
                 {"expires_in_days": 3, "expires_at": "2026-06-01T00:00:00Z"}):  # fmt: skip
        response = await wallet.http.post(f"/me/health-cards/{given['card_id']}/share", json=body,
                                          headers=patient.headers)  # fmt: skip
        assert response.status_code == 422, body
    assert not [r for r in wallet.portal.requests if r.method == "POST"]


async def test_patients_reach_only_their_own_cards(wallet: CardWallet) -> None:
    _, alice_key = await wallet.patient()
    bob, _ = await wallet.patient()
    alices = wallet.portal.give(alice_key, card(wallet.key))
    assert (await wallet.http.get("/me/health-cards", headers=bob.headers)).json() == []
    for method, path in (("GET", "file"), ("GET", "qr"), ("POST", "share")):
        url = f"/me/health-cards/{alices['card_id']}/{path}"
        response = await wallet.http.request(method, url, headers=bob.headers)
        assert response.status_code == 404, (path, response.text)
        assert response.json() == {"detail": f"no health card {alices['card_id']}"}
    assert (await wallet.http.get("/me/health-cards")).status_code == 401


async def test_without_a_hospital_connection_or_with_a_broken_answer(wallet: CardWallet) -> None:
    unconnected, _ = await wallet.patient(connected=False)
    for method, path in (("GET", ""), ("GET", "/c/file"), ("GET", "/c/qr"), ("POST", "/c/share")):
        response = await wallet.http.request(method, f"/me/health-cards{path}", headers=unconnected.headers)
        assert response.status_code == 409, (path, response.text)
        assert response.json() == {"detail": "no connection to the hospital yet"}

    patient, _ = await wallet.patient()
    for answer in ({"cards": []}, [{"card_id": "c"}]):
        wallet.portal.answer = (200, answer)
        response = await wallet.http.get("/me/health-cards", headers=patient.headers)
        assert response.status_code == 502, response.text
        assert "the hospital answered GET health-cards without" in response.json()["detail"]
    wallet.portal.down = True
    assert (await wallet.http.get("/me/health-cards", headers=patient.headers)).status_code == 502
