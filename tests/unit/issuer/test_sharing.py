"""Shares as SMART Health Links (fake agent): the portal creates, lists and revokes them; anyone holding a
link fetches the manifest, the files and their proofs; every refusal says why; a restart loses nothing."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fhir.resources.R4B.documentreference import DocumentReference
from jwcrypto.jwe import JWE  # type: ignore[import-untyped]
from jwcrypto.jwk import JWK  # type: ignore[import-untyped]

from audit import AuditEntry, AuditLog, InclusionProof, verify_inclusion
from audit.merkle import leaf_hash, merkle_root
from audit.records import Batch, anchor_raw
from medcred.shl import ShlPayload, decode_link, decrypt_file
from tests.unit.issuer import examples
from tests.unit.issuer.conftest import PUBLIC_URL, Issuer, running
from tests.unit.issuer.fakes import FakeAgent, FakeLedger
from tests.unit.issuer.test_health_record_routes import PDF, UNKNOWN_ID, fhir_upload, pdf_upload, store

FHIR_BYTES = json.dumps(examples.immunization(), ensure_ascii=False, separators=(",", ":")).encode()


class Patient:
    """A connected patient with a FHIR record and a PDF at the hospital, reached through the portal."""

    def __init__(self, issuer: Issuer, key: str, fhir: dict[str, Any], pdf: dict[str, Any]) -> None:
        self.issuer, self.key, self.fhir, self.pdf = issuer, key, fhir, pdf

    async def share(self, record_ids: list[str] | None = None, **options: Any) -> dict[str, Any]:
        body = {"record_ids": record_ids or [self.fhir["record_id"], self.pdf["record_id"]], "label": "For Dr. B"}
        response = await self.issuer.portal("POST", f"{self.key}/shares", json=body | options)
        assert response.status_code == 201, response.text
        share: dict[str, Any] = response.json()
        return share

    async def shares(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = (await self.issuer.portal("GET", f"{self.key}/shares")).json()
        return listed


async def new_patient(issuer: Issuer, patient_ref: str = "p1") -> Patient:
    key = await issuer.portal_patient(patient_ref)
    fhir = await store(issuer, fhir_upload(), patient_ref)
    pdf = await store(issuer, pdf_upload(), patient_ref)
    return Patient(issuer, key, fhir, pdf)


@pytest.fixture
async def patient(issuer: Issuer) -> Patient:
    return await new_patient(issuer)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def fetch_manifest(issuer: Issuer, shlink: str, **body: Any) -> tuple[int, dict[str, Any]]:
    payload = decode_link(shlink)
    response = await issuer.http.post(path_of(payload.url), json={"recipient": "Riverside Clinic"} | body,
                                      headers={"X-API-Key": ""})  # fmt: skip
    return response.status_code, response.json()


async def open_share(issuer: Issuer, shlink: str, **body: Any) -> list[tuple[str, str, bytes]]:
    """Fetch the manifest and every file; (location, content type, plaintext) per file."""
    status, manifest = await fetch_manifest(issuer, shlink, **body)
    assert status == 200, manifest
    key = decode_link(shlink).key_bytes
    opened = []
    for file in manifest["files"]:
        assert file["contentType"] == "application/fhir+json" and file["location"].startswith(PUBLIC_URL)
        response = await issuer.http.get(path_of(file["location"]))
        assert response.status_code == 200 and response.headers["content-type"] == "application/jose"
        content_type, plaintext = decrypt_file(response.text, key)
        opened.append((file["location"], content_type, plaintext))
    return opened


def by_content(opened: list[tuple[str, str, bytes]]) -> tuple[bytes, dict[str, Any]]:
    """The FHIR record's bytes and the PDF's DocumentReference, from an opened two-file share."""
    resources = [(plaintext, json.loads(plaintext)) for _, _, plaintext in opened]
    fhir = next(plain for plain, resource in resources if resource["resourceType"] == "Immunization")
    document = next(resource for _, resource in resources if resource["resourceType"] == "DocumentReference")
    return fhir, document


def files_bytes(folder: Path, pattern: str) -> bytes:
    return b"".join(path.read_bytes() for path in folder.glob(pattern))


def ticket_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["ticket"][0]


def anchor_pending(log: AuditLog, seq_no: int = 77) -> None:
    """Anchor every pending entry as one batch, as the Anchorer would after its ledger write."""
    items = log.cut()
    root = merkle_root([leaf_hash(bytes.fromhex(item.entry.hash)) for item in items]).hex()
    first, last = items[0].entry, items[-1].entry
    number = log.batch_count + 1
    raw = anchor_raw(log.service, number, first.seq, last.seq, root, last.hash)
    log.record(Batch(number, first.seq, last.seq, root, last.hash, raw, "AuditDid", seq_no, 1_700_000_000,
                     items[0].offset))  # fmt: skip


# Creating shares


async def test_a_share_is_a_smart_health_link_to_the_patients_records(patient: Patient) -> None:
    share = await patient.share()
    assert set(share) == {"share_id", "shlink", "label", "expires_at", "flags", "record_ids", "status",
                          "passcode_attempts_left", "manifest_fetches"}  # fmt: skip
    assert len(share["share_id"]) == 43 and share["status"] == "active" and share["flags"] == "L"
    assert share["record_ids"] == [patient.fhir["record_id"], patient.pdf["record_id"]]
    assert share["passcode_attempts_left"] is None and share["manifest_fetches"] == 0
    payload = decode_link(share["shlink"])
    assert payload.url == f"{PUBLIC_URL}/shl/{share['share_id']}" and payload.flag == "L"
    assert payload.label == "For Dr. B" and len(payload.key) == 43
    expires = datetime.fromisoformat(share["expires_at"])
    assert timedelta(days=29, hours=23) < expires - datetime.now(UTC) <= timedelta(days=30)
    assert payload.exp == int(expires.timestamp())
    other = await patient.share()
    assert other["share_id"] != share["share_id"] and decode_link(other["shlink"]).key != payload.key


async def test_a_passcode_adds_flag_p_and_is_never_kept_in_the_clear(patient: Patient, tmp_path: Path) -> None:
    share = await patient.share(passcode="correct horse", single_use=True, expires_in_days=3,
                                recipient_hint="Dr. B")  # fmt: skip
    assert share["flags"] == "LP" and decode_link(share["shlink"]).flag == "LP"
    assert share["passcode_attempts_left"] == 5
    assert timedelta(days=2, hours=23) < datetime.fromisoformat(share["expires_at"]) - datetime.now(UTC)
    database = files_bytes(tmp_path, "issuer.db*")
    assert b"correct horse" not in database
    assert decode_link(share["shlink"]).key.encode() not in database  # the link key is kept wrapped under the KEK


async def test_an_expiry_can_be_given_as_a_time_a_few_seconds_ahead(patient: Patient) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=2)
    share = await patient.share(expires_at=soon.isoformat())
    assert datetime.fromisoformat(share["expires_at"]) == soon


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"record_ids": []}, "record_ids"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 366}, "expires_in_days"),
        ({"expires_in_days": 3, "expires_at": "2999-01-01T00:00:00Z"}, "not both"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "in the future"),
        ({"expires_at": "2999-01-01T00:00:00Z"}, "within 365 days"),
        ({"expires_at": "2030-01-01T00:00:00"}, "timezone"),
        ({"label": "x" * 81}, "label"),
        ({"label": "evil\u202etxt"}, "text-direction"),
        ({"passcode": ""}, "passcode"),
        ({"unknown": 1}, "unknown"),
    ],
)
async def test_share_requests_are_validated(patient: Patient, body: dict[str, Any], reason: str) -> None:
    request = {"record_ids": [patient.fhir["record_id"]]} | body
    response = await patient.issuer.portal("POST", f"{patient.key}/shares", json=request)
    assert response.status_code == 422 and reason in response.text, response.text


async def test_only_the_patients_own_live_records_can_be_shared(issuer: Issuer, patient: Patient) -> None:
    other = await new_patient(issuer, "p2")
    for record_id in (other.fhir["record_id"], UNKNOWN_ID):
        response = await issuer.portal("POST", f"{patient.key}/shares", json={"record_ids": [record_id]})
        assert response.status_code == 404 and "no record" in response.text
    malformed = await issuer.portal("POST", f"{patient.key}/shares", json={"record_ids": ["../x"]})
    assert malformed.status_code == 400
    await issuer.portal("POST", f"{patient.key}/records/{patient.pdf['record_id']}/erase")
    response = await issuer.portal("POST", f"{patient.key}/shares", json={"record_ids": [patient.pdf["record_id"]]})
    assert response.status_code == 409 and "erased" in response.text
    assert await patient.shares() == [] and await other.shares() == []


async def test_shares_are_listed_per_patient_and_revoked_by_their_owner(issuer: Issuer, patient: Patient) -> None:
    other = await new_patient(issuer, "p2")
    first, second = await patient.share(), await patient.share(single_use=True)
    assert [s["share_id"] for s in await patient.shares()] == [first["share_id"], second["share_id"]]
    assert await other.shares() == []
    assert (await issuer.portal("POST", f"{other.key}/shares/{first['share_id']}/revoke")).status_code == 404
    revoked = await issuer.portal("POST", f"{patient.key}/shares/{first['share_id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    again = await issuer.portal("POST", f"{patient.key}/shares/{first['share_id']}/revoke")
    assert again.json() == revoked.json()
    assert [s["status"] for s in await patient.shares()] == ["revoked", "active"]
    assert (await issuer.portal("POST", f"{patient.key}/shares/{'B' * 43}/revoke")).status_code == 404


# Opening a share


async def test_files_decrypt_to_the_stored_fhir_and_to_a_document_reference_for_a_pdf(
    issuer: Issuer, patient: Patient
) -> None:
    share = await patient.share()
    opened = await open_share(issuer, share["shlink"])
    assert len(opened) == 2 and all(content_type == "application/fhir+json" for _, content_type, _ in opened)
    fhir, document = by_content(opened)
    assert fhir == FHIR_BYTES  # the stored bytes, unchanged: their sha256 is the anchored one
    attachment = document["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == PDF
    assert (attachment["contentType"], attachment["title"]) == ("application/pdf", "discharge letter.pdf")
    assert DocumentReference.model_validate(document).status == "current"  # valid FHIR R4
    # Each download is encrypted afresh; any standard JOSE library reads it.
    location = opened[0][0]
    first, second = [(await issuer.http.get(path_of(location))).text for _ in range(2)]
    assert first != second
    token = JWE()
    token.deserialize(first, key=JWK(kty="oct", k=decode_link(share["shlink"]).key))
    assert token.payload in (FHIR_BYTES, opened[0][2]) and token.jose_header["cty"] == "application/fhir+json"
    listed = next(s for s in await patient.shares() if s["share_id"] == share["share_id"])
    assert listed["manifest_fetches"] == 1 and listed["status"] == "active"


async def test_the_manifest_needs_a_recipient(issuer: Issuer, patient: Patient) -> None:
    share = await patient.share()
    path = path_of(decode_link(share["shlink"]).url)
    for body in ({}, {"recipient": ""}, {"recipient": " \t\n"}, {"recipient": "x" * 201}, {"passcode": "x"}):
        response = await issuer.http.post(path, json=body)
        assert response.status_code == 400 and "recipient" in response.text, (body, response.text)
    for content in (b"", b"not json", b"[1, 2]"):
        assert (await issuer.http.post(path, content=content)).status_code == 400
    assert (await issuer.http.post(path, content=b'{"recipient": "' + b"x" * 20000 + b'"}')).status_code == 413
    assert (await patient.shares())[0]["manifest_fetches"] == 0


@pytest.mark.parametrize("share_id", ["A" * 43, "short", "A" * 44, "..%2F..%2Fetc"])
async def test_an_unknown_share_is_404(issuer: Issuer, share_id: str) -> None:
    response = await issuer.http.post(f"/shl/{share_id}", json={"recipient": "x"})
    assert response.status_code == 404


async def test_an_unknown_share_says_so(issuer: Issuer) -> None:
    response = await issuer.http.post(f"/shl/{'A' * 43}", json={"recipient": "x"})
    assert response.json() == {"detail": "no such share"}


async def test_wrong_passcodes_count_down_and_lock_the_share(issuer: Issuer, patient: Patient) -> None:
    share = await patient.share(passcode="correct horse")
    for remaining in (4, 3):
        status, body = await fetch_manifest(issuer, share["shlink"], passcode="wrong")
        assert (status, body) == (401, {"detail": "wrong passcode", "remainingAttempts": remaining})
    status, body = await fetch_manifest(issuer, share["shlink"])  # none given counts too
    assert (status, body["remainingAttempts"]) == (401, 2)
    assert len(await open_share(issuer, share["shlink"], passcode="correct horse")) == 2
    for remaining in (1, 0):
        status, body = await fetch_manifest(issuer, share["shlink"], passcode="wrong")
        assert (status, body["remainingAttempts"]) == (401, remaining)
    status, body = await fetch_manifest(issuer, share["shlink"], passcode="correct horse")
    assert (status, body) == (404, {"detail": "share locked after too many wrong passcodes"})
    listed = (await patient.shares())[0]
    assert (listed["status"], listed["passcode_attempts_left"], listed["manifest_fetches"]) == ("locked", 0, 1)


async def test_a_revoked_share_stops_at_once_even_for_tickets_already_given(issuer: Issuer, patient: Patient) -> None:
    share = await patient.share()
    _, manifest = await fetch_manifest(issuer, share["shlink"])
    await issuer.portal("POST", f"{patient.key}/shares/{share['share_id']}/revoke")
    status, body = await fetch_manifest(issuer, share["shlink"])
    assert (status, body) == (404, {"detail": "share revoked"})
    response = await issuer.http.get(path_of(manifest["files"][0]["location"]))
    assert (response.status_code, response.json()) == (404, {"detail": "share revoked"})


async def test_an_expired_share_is_refused(issuer: Issuer, patient: Patient) -> None:
    share = await patient.share()
    _, manifest = await fetch_manifest(issuer, share["shlink"])
    shares = issuer.service.sharing.shares
    stored = shares.share(share["share_id"])
    assert stored is not None
    shares.save(stored.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(seconds=1)}))
    status, body = await fetch_manifest(issuer, share["shlink"])
    assert (status, body) == (404, {"detail": "share expired"})
    response = await issuer.http.get(path_of(manifest["files"][0]["location"]))
    assert (response.status_code, response.json()) == (404, {"detail": "share expired"})
    assert (await patient.shares())[0]["status"] == "expired"


async def test_a_single_use_share_opens_once(issuer: Issuer, patient: Patient) -> None:
    share = await patient.share(single_use=True)
    assert len(await open_share(issuer, share["shlink"])) == 2  # its files stay readable to that opening
    status, body = await fetch_manifest(issuer, share["shlink"])
    assert (status, body) == (404, {"detail": "share already used"})
    assert (await patient.shares())[0]["status"] == "used"


async def test_a_share_of_an_erased_record_is_gone(issuer: Issuer, patient: Patient) -> None:
    share = await patient.share()
    _, manifest = await fetch_manifest(issuer, share["shlink"])
    await issuer.portal("POST", f"{patient.key}/records/{patient.pdf['record_id']}/erase")
    status, body = await fetch_manifest(issuer, share["shlink"])
    assert (status, body) == (410, {"detail": "erased"})
    for file in manifest["files"]:
        response = await issuer.http.get(path_of(file["location"]))
        assert (response.status_code, response.json()) == (410, {"detail": "erased"})
    proofs = await issuer.http.get(f"/shl/{share['share_id']}/proofs", params={"ticket": ticket_of(
        manifest["files"][0]["location"])})  # fmt: skip
    assert proofs.status_code == 410
    assert (await patient.shares())[0]["status"] == "erased"


async def test_files_need_a_live_ticket_of_that_share_and_file(issuer: Issuer, patient: Patient) -> None:
    share, other = await patient.share(), await patient.share()
    _, manifest = await fetch_manifest(issuer, share["shlink"])
    _, other_manifest = await fetch_manifest(issuer, other["shlink"])
    first, second = (urlsplit(file["location"]) for file in manifest["files"])
    other_ticket = ticket_of(other_manifest["files"][0]["location"])
    for path, ticket in [
        (first.path, None), (first.path, ""), (first.path, "x" * 43), (first.path, ticket_of(second.geturl())),
        (first.path, other_ticket), (first.path, "A" * 5000),
    ]:  # fmt: skip
        response = await issuer.http.get(path, params={} if ticket is None else {"ticket": ticket})
        assert response.status_code == 403 and "ticket" in response.json()["detail"], (ticket, response.text)
    grant = issuer.service.sharing.shares
    key = hashlib.sha256(ticket_of(first.geturl()).encode()).hexdigest()
    document = grant.store.get("share_tickets", key)
    assert document is not None
    grant.store.put("share_tickets", key, document | {"expires_at": "2001-01-01T00:00:00+00:00"})
    assert (await issuer.http.get(path_of(first.geturl()))).status_code == 403
    assert (await issuer.http.get(path_of(second.geturl()))).status_code == 200
    assert (await issuer.http.get(f"/shl/{share['share_id']}/files/nope", params={"ticket": "x"})).status_code == 403


async def test_proofs_give_each_records_anchored_entry(issuer: Issuer, patient: Patient) -> None:
    share = await patient.share()
    opened = await open_share(issuer, share["shlink"])
    ticket = ticket_of(opened[0][0])
    response = await issuer.http.get(f"/shl/{share['share_id']}/proofs", params={"ticket": ticket})
    assert response.status_code == 200
    proofs = {proof["record_id"]: proof for proof in response.json()}
    assert set(proofs) == {patient.fhir["record_id"], patient.pdf["record_id"]}
    fhir, document = by_content(opened)
    plaintexts = {patient.fhir["record_id"]: fhir,
                  patient.pdf["record_id"]: base64.b64decode(document["content"][0]["attachment"]["data"])}  # fmt: skip
    files = {urlsplit(location).path.rsplit("/", 1)[-1] for location, _, _ in opened}
    for record_id, proof in proofs.items():
        entry = AuditEntry(**proof["entry"])
        assert entry.computed_hash() == entry.hash  # the verifier recomputes it from the entry itself
        assert (entry.event, entry.subject, entry.details["record_id"]) == ("record.stored", record_id, record_id)
        assert entry.details["sha256"] == proof["sha256"] == hashlib.sha256(plaintexts[record_id]).hexdigest()
        assert "p1" not in json.dumps(proof["entry"])  # no patient_ref for the recipient to see
        assert proof["proof"] is None and proof["file_id"] in files  # not anchored yet
    anchor_pending(issuer.service.audit.log)
    anchored = (await issuer.http.get(f"/shl/{share['share_id']}/proofs", params={"ticket": ticket})).json()
    for proof in anchored:
        assert proof["proof"]["entry_hash"] == proof["entry"]["hash"] and proof["proof"]["anchor"]["seq_no"] == 77
        assert verify_inclusion(_inclusion(proof["proof"]))
    assert (await issuer.http.get(f"/shl/{share['share_id']}/proofs")).status_code == 403


def _inclusion(proof: dict[str, Any]) -> InclusionProof:
    return InclusionProof(**proof | {"path": [tuple(step) for step in proof["path"]]})


async def test_a_flipped_byte_in_a_stored_ciphertext_is_409_never_garbage(
    issuer: Issuer, patient: Patient, tmp_path: Path
) -> None:
    share = await patient.share(record_ids=[patient.fhir["record_id"]])
    _, manifest = await fetch_manifest(issuer, share["shlink"])
    stored = tmp_path / "records" / f"{patient.fhir['record_id']}.bin"
    blob = bytearray(stored.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    stored.write_bytes(bytes(blob))
    response = await issuer.http.get(path_of(manifest["files"][0]["location"]))
    assert response.status_code == 409
    assert response.json() == {"detail": f"record {patient.fhir['record_id']} failed its integrity check"}
    downloads = [e for e in issuer.service.audit.log.entries() if e.event == "share.file_downloaded"]
    assert downloads == []


async def test_a_restart_keeps_shares_tickets_and_counts(tmp_path: Path) -> None:
    agent = FakeAgent()  # the agent keeps its connections across the controller's restart
    async for issuer in running(tmp_path, agent, FakeLedger()):
        patient = await new_patient(issuer)
        share = await patient.share(passcode="1234")
        assert (await fetch_manifest(issuer, share["shlink"], passcode="0000"))[0] == 401
        _, manifest = await fetch_manifest(issuer, share["shlink"], passcode="1234")
        revoked = await patient.share()
        await issuer.portal("POST", f"{patient.key}/shares/{revoked['share_id']}/revoke")
    async for issuer in running(tmp_path, agent, FakeLedger()):
        issuer.hospital_dids = patient.issuer.hospital_dids
        patient.issuer = issuer
        listed = await patient.shares()
        assert [(s["share_id"], s["status"]) for s in listed] == [(share["share_id"], "active"),
                                                                  (revoked["share_id"], "revoked")]  # fmt: skip
        assert (listed[0]["passcode_attempts_left"], listed[0]["manifest_fetches"]) == (4, 1)
        assert listed[0]["shlink"] == share["shlink"]
        response = await issuer.http.get(path_of(manifest["files"][0]["location"]))  # a ticket from before
        assert response.status_code == 200
        assert len(await open_share(issuer, share["shlink"], passcode="1234")) == 2
        assert (await fetch_manifest(issuer, revoked["shlink"]))[1] == {"detail": "share revoked"}


# The audit trail and the accounting of disclosures


async def test_each_opening_and_download_is_audited_and_disclosed_without_content(
    issuer: Issuer, patient: Patient, tmp_path: Path
) -> None:
    share = await patient.share(passcode="correct horse")
    recipient = "Riverside Clinic, Dr. B " + "x" * 120
    await fetch_manifest(issuer, share["shlink"], passcode="wrong", recipient="Riverside Clinic")
    opened = await open_share(issuer, share["shlink"], passcode="correct horse", recipient=recipient)
    log = issuer.service.audit.log
    events = [(e.event, e.subject) for e in log.entries() if e.event.startswith("share.")]
    assert events == [("share.created", "p1"), ("share.passcode_failed", "p1"), ("share.manifest_fetched", "p1"),
                      ("share.file_downloaded", "p1"), ("share.file_downloaded", "p1")]  # fmt: skip
    fetched = next(e for e in log.entries() if e.event == "share.manifest_fetched")
    assert fetched.details == {"share_id": share["share_id"], "recipient": recipient[:100],
                               "record_ids": [patient.fhir["record_id"], patient.pdf["record_id"]]}  # fmt: skip
    text = (tmp_path / "audit" / "entries.jsonl").read_text()
    key = decode_link(share["shlink"]).key
    pdf_text = base64.b64encode(PDF[:60]).decode()
    for secret in ("EW0182", "Jane", "correct horse", key, ticket_of(opened[0][0]), pdf_text):
        assert secret not in text

    disclosed = await issuer.portal("GET", f"{patient.key}/disclosures")
    assert disclosed.status_code == 200
    rows = disclosed.json()
    assert [(d["event"], d["share_id"], d["recipient"]) for d in rows] == [
        ("share.manifest_fetched", share["share_id"], recipient[:100]),
        ("share.file_downloaded", share["share_id"], recipient[:100]),
        ("share.file_downloaded", share["share_id"], recipient[:100]),
    ]
    assert sorted(r for d in rows[1:] for r in d["record_ids"]) == sorted(rows[0]["record_ids"])
    assert all(set(d) == {"seq", "at", "event", "share_id", "recipient", "record_ids", "entry_hash", "anchored",
                          "proof"} and d["anchored"] is False and d["proof"] is None for d in rows)  # fmt: skip
    anchor_pending(log)
    anchored = (await issuer.portal("GET", f"{patient.key}/disclosures")).json()
    assert all(d["anchored"] and d["proof"]["entry_hash"] == d["entry_hash"] for d in anchored)
    other = await new_patient(issuer, "p2")
    assert (await issuer.portal("GET", f"{other.key}/disclosures")).json() == []


async def test_the_link_payload_is_a_standard_one(patient: Patient) -> None:
    share = await patient.share(passcode="x")
    encoded = share["shlink"].removeprefix("shlink:/")
    fields = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert set(fields) == {"url", "flag", "key", "label", "exp"}
    assert ShlPayload.model_validate(fields).flags == {"L", "P"}
