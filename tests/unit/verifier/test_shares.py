"""Opening a shared link as the clinic: real links and JWE files (medcred.shl), real audit entries and
Merkle proofs (audit/), a fake hospital (httpx.MockTransport) and a fake ledger. Only records
whose bytes, audit entry, Merkle path and ledger anchor all check out are shown."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import qrcode  # type: ignore[import-untyped]
from PIL import Image

from audit import Batch
from audit.merkle import leaf_hash, merkle_root, prove
from audit.records import GENESIS_PREV, anchor_raw, entry_hash
from ledger.client import LedgerName
from medcred import samples
from medcred.shl import encode_link, encrypt_file, new_key
from tests.unit.verifier.conftest import STAFF, FakeAgent, make_settings
from verifier import create_app

type Json = dict[str, Any]

HOSPITAL = "http://127.0.0.1:8001"
SHARE_ID = "s" * 43
MANIFEST_URL = f"{HOSPITAL}/shl/{SHARE_ID}"
TICKET = "ticket-1"
AUDIT_DID = "V4SGRU86Z58d6TV7PBUe6f"
SEQ_NO = 42
CLINIC = "Riverside Clinic"
PDF = b"%PDF-1.4\n% a discharge letter, synthetic\n" + bytes(range(256)) * 4
FHIR_RECORD = json.dumps(samples.immunization("p-1", dose=2), separators=(",", ":")).encode()


def document_reference(pdf: bytes) -> bytes:
    resource = {
        "resourceType": "DocumentReference", "status": "current",
        "content": [{"attachment": {"contentType": "application/pdf", "data": base64.b64encode(pdf).decode()}}],
    }  # fmt: skip
    return json.dumps(resource).encode()


@dataclass
class SharedRecord:
    record_id: str
    file_id: str
    stored: bytes  # the record as the hospital stored it (its sha256 is anchored)
    delivered: bytes  # the file's plaintext (the FHIR bytes themselves, or a DocumentReference of a PDF)
    entry: Json = field(default_factory=dict)
    proof: Json | None = None


def audit_trail(records: list[SharedRecord]) -> str:
    """Log each record as the hospital's audit trail does, batch and anchor them; the anchor's raw."""
    prev = GENESIS_PREV
    for seq, record in enumerate(records, start=1):
        fields = {
            "seq": seq, "at": f"2026-05-09T12:00:0{seq}+00:00", "service": "issuer", "event": "record.stored",
            "subject": "p-1", "prev": prev,
            "details": {"record_id": record.record_id, "sha256": hashlib.sha256(record.stored).hexdigest(),
                        "content_type": "application/fhir+json"},
        }  # fmt: skip
        record.entry = fields | {"hash": entry_hash(fields)}
        prev = record.entry["hash"]
    hashes = [record.entry["hash"] for record in records]
    root = merkle_root([leaf_hash(bytes.fromhex(h)) for h in hashes]).hex()
    raw = anchor_raw("issuer", 1, 1, len(records), root, hashes[-1])
    batch = Batch(batch=1, first_seq=1, last_seq=len(records), root=root, head=hashes[-1], raw=raw, did=AUDIT_DID,
                  seq_no=SEQ_NO, txn_time=1778328000, offset=0)  # fmt: skip
    for index, record in enumerate(records):
        record.proof = asdict(prove(batch, hashes, index))
    return raw


@dataclass
class FakeLedger:
    txns: dict[int, Json] = field(default_factory=dict)
    reads: list[tuple[LedgerName, int, int]] = field(default_factory=list)

    def attrib(self, seq_no: int, did: str, raw: str) -> None:
        self.txns[seq_no] = {
            "txn": {"type": "100", "data": {"dest": did, "raw": raw}, "metadata": {"from": did}},
            "txnMetadata": {"seqNo": seq_no, "txnTime": 1778328000},
        }

    async def get_txn(self, which: LedgerName, seq_no: int, *, attempts: int = 1, pause: float = 0.05) -> Json | None:
        self.reads.append((which, seq_no, attempts))
        return self.txns.get(seq_no)


@dataclass
class FakeHospital:
    """The hospital's public SMART Health Link endpoints for one share."""

    key: str
    records: list[SharedRecord]
    passcode: str | None = None
    attempts_left: int = 5
    refuse: tuple[int, str] | None = None  # the manifest's answer instead of the files
    location_host: str = HOSPITAL
    jwe_override: dict[str, str] = field(default_factory=dict)  # file id -> the JWE served instead
    requests: list[httpx.Request] = field(default_factory=list)

    def location(self, record: SharedRecord) -> str:
        return f"{self.location_host}/shl/{SHARE_ID}/files/{record.file_id}?ticket={TICKET}"

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.method == "POST" and path == f"/shl/{SHARE_ID}":
            return self._manifest(json.loads(request.content))
        if request.method == "GET" and path == f"/shl/{SHARE_ID}/proofs":
            if request.url.params.get("ticket") != TICKET:
                return httpx.Response(404, json={"detail": "no such ticket"})
            return httpx.Response(200, json=[
                {"file_id": r.file_id, "record_id": r.record_id, "sha256": r.entry["details"]["sha256"],
                 "entry": r.entry, "proof": r.proof} for r in self.records])  # fmt: skip
        for record in self.records:
            if request.method == "GET" and path == f"/shl/{SHARE_ID}/files/{record.file_id}":
                jwe = self.jwe_override.get(record.file_id) or encrypt_file(
                    record.delivered, self.key, "application/fhir+json"
                )
                return httpx.Response(200, content=jwe.encode(), headers={"content-type": "application/jose"})
        return httpx.Response(404, json={"detail": "no such share"})

    def _manifest(self, body: Json) -> httpx.Response:
        assert body["recipient"] == CLINIC
        if self.refuse is not None:
            return httpx.Response(self.refuse[0], json={"detail": self.refuse[1]})
        if self.passcode is not None and body.get("passcode") != self.passcode:
            self.attempts_left -= 1
            return httpx.Response(401, json={"detail": "wrong passcode", "remainingAttempts": self.attempts_left})
        files = [{"contentType": "application/fhir+json", "location": self.location(r)} for r in self.records]
        return httpx.Response(200, json={"files": files})

    def called(self, suffix: str) -> int:
        return sum(1 for r in self.requests if r.url.path.endswith(suffix))


@dataclass
class Clinic:
    http: httpx.AsyncClient
    hospital: FakeHospital
    ledger: FakeLedger
    link: str
    fhir: SharedRecord
    pdf: SharedRecord
    raw: str

    async def open(self, **body: Any) -> httpx.Response:
        return await self.http.post("/shares/open", json=body or {"shlink": self.link}, headers=STAFF)


def make_share(flag: str | None = None) -> tuple[str, str, SharedRecord, SharedRecord, str]:
    key = new_key()
    fhir = SharedRecord("7d1f0a34-0000-4000-8000-000000000001", "f-1", FHIR_RECORD, FHIR_RECORD)
    pdf = SharedRecord("7d1f0a34-0000-4000-8000-000000000002", "f-2", PDF, document_reference(PDF))
    raw = audit_trail([fhir, pdf])
    payload: Json = {"url": MANIFEST_URL, "key": key, "label": "for Riverside Clinic"}
    if flag:
        payload["flag"] = flag
    return encode_link(payload), key, fhir, pdf, raw


type OpenClinic = Callable[..., Awaitable[Clinic]]


@pytest_asyncio.fixture
async def clinic_at(tmp_path: Path) -> AsyncIterator[OpenClinic]:
    async with contextlib.AsyncExitStack() as stack:

        async def start(*, flag: str | None = None, with_ledger: bool = True, **hospital: Any) -> Clinic:
            link, key, fhir, pdf, raw = make_share(flag)
            fake_hospital = FakeHospital(key, [fhir, pdf], **hospital)
            ledger = FakeLedger()
            ledger.attrib(SEQ_NO, AUDIT_DID, raw)
            settings = make_settings(tmp_path, label=CLINIC, share_allowed_origins=[HOSPITAL])  # it is on loopback
            app = create_app(settings, admin_transport=httpx.MockTransport(FakeAgent()),
                             share_transport=httpx.MockTransport(fake_hospital),
                             ledger=ledger if with_ledger else None)  # fmt: skip
            await stack.enter_async_context(app.router.lifespan_context(app))
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://verifier")
            )
            return Clinic(http, fake_hospital, ledger, link, fhir, pdf, raw)

        yield start


@pytest_asyncio.fixture
async def clinic(clinic_at: OpenClinic) -> Clinic:
    return await clinic_at()


def refusals(body: Json) -> dict[str | None, str]:
    return {refused["record_id"]: refused["reason"] for refused in body["refused"]}


# -- what is shown --------------------------------------------------------------------------------------


async def test_good_records_are_shown_with_their_anchor(clinic: Clinic) -> None:
    response = await clinic.open()
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["label"] == "for Riverside Clinic" and body["refused"] == []
    fhir, pdf = body["files"]
    assert fhir == {
        "record_id": clinic.fhir.record_id, "content_type": "application/fhir+json", "resource_type": "Immunization",
        "resource": json.loads(FHIR_RECORD), "sha256": hashlib.sha256(FHIR_RECORD).hexdigest(),
        "anchor": {"did": AUDIT_DID, "seq_no": SEQ_NO},
    }  # fmt: skip
    assert pdf["record_id"] == clinic.pdf.record_id and pdf["resource_type"] == "DocumentReference"
    assert base64.b64decode(pdf["resource"]["content"][0]["attachment"]["data"]) == PDF
    assert pdf["sha256"] == hashlib.sha256(PDF).hexdigest()
    # One ledger read for the batch both records are in, retried through the pool's lag.
    assert clinic.ledger.reads == [(LedgerName.DOMAIN, SEQ_NO, 20)]


async def test_the_files_are_paired_with_their_proofs_whatever_the_order(clinic: Clinic) -> None:
    clinic.hospital.records.reverse()  # the manifest lists the PDF first, the proofs too
    original = FakeHospital.__call__

    async def proofs_in_another_order(self: FakeHospital, request: httpx.Request) -> httpx.Response:
        response = await original(self, request)
        if request.url.path.endswith("/proofs"):
            items = json.loads(response.content)
            return httpx.Response(200, json=[{**item, "file_id": None} for item in reversed(items)])
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FakeHospital, "__call__", proofs_in_another_order)
        body = (await clinic.open()).json()
    assert body["refused"] == []
    assert [f["record_id"] for f in body["files"]] == [clinic.pdf.record_id, clinic.fhir.record_id]


async def test_a_qr_code_image_of_the_link_opens_the_same_share(clinic: Clinic) -> None:
    image = qrcode.make(clinic.link)  # Pillow's image factory
    png = io.BytesIO()
    image.save(png, format="PNG")
    response = await clinic.open(qr_png_base64=base64.b64encode(png.getvalue()).decode())
    assert response.status_code == 200, response.text
    assert {f["record_id"] for f in response.json()["files"]} == {clinic.fhir.record_id, clinic.pdf.record_id}


async def test_a_passcode_link_sends_the_passcode(clinic_at: OpenClinic) -> None:
    clinic = await clinic_at(flag="P", passcode="correct horse")
    response = await clinic.open(shlink=clinic.link, passcode="correct horse")
    assert response.status_code == 200, response.text
    assert len(response.json()["files"]) == 2


# -- what is refused, and why ---------------------------------------------------------------------------


async def test_a_record_altered_at_the_hospital_is_refused(clinic: Clinic) -> None:
    clinic.fhir.delivered = FHIR_RECORD.replace(b'"dose', b'"dosX', 1)  # encrypted properly, but not what was anchored
    body = (await clinic.open()).json()
    assert [f["record_id"] for f in body["files"]] == [clinic.pdf.record_id]
    assert "altered after it was anchored" in refusals(body)[clinic.fhir.record_id]


async def test_a_byte_changed_in_a_returned_file_is_refused(clinic: Clinic) -> None:
    jwe = encrypt_file(clinic.pdf.delivered, clinic.hospital.key, "application/fhir+json")
    head, _, tail = jwe.rpartition(".")
    ciphertext = head.rsplit(".", 1)
    flipped = ciphertext[1][:10] + ("A" if ciphertext[1][10] != "A" else "B") + ciphertext[1][11:]
    clinic.hospital.jwe_override[clinic.pdf.file_id] = f"{ciphertext[0]}.{flipped}.{tail}"
    body = (await clinic.open()).json()
    assert [f["record_id"] for f in body["files"]] == [clinic.fhir.record_id]
    assert "does not decrypt" in refusals(body)[clinic.pdf.record_id]


async def test_an_altered_audit_entry_is_refused(clinic: Clinic) -> None:
    clinic.fhir.entry["details"]["content_type"] = "application/pdf"  # its hash no longer matches
    body = (await clinic.open()).json()
    assert "audit entry was altered" in refusals(body)[clinic.fhir.record_id]
    assert [f["record_id"] for f in body["files"]] == [clinic.pdf.record_id]


async def test_an_entry_rewritten_with_a_new_hash_fails_its_inclusion_proof(clinic: Clinic) -> None:
    entry = clinic.fhir.entry
    entry["details"]["sha256"] = hashlib.sha256(b"another record").hexdigest()
    clinic.fhir.delivered = clinic.fhir.stored = b"another record"
    entry["hash"] = entry_hash(entry)
    assert clinic.fhir.proof is not None
    clinic.fhir.proof["entry_hash"] = entry["hash"]
    body = (await clinic.open()).json()
    assert "inclusion proof does not lead to the Merkle root" in refusals(body)[clinic.fhir.record_id]


async def test_a_bad_inclusion_proof_is_refused(clinic: Clinic) -> None:
    assert clinic.pdf.proof is not None
    side, sibling = clinic.pdf.proof["path"][0]
    clinic.pdf.proof["path"][0] = (side, ("0" if sibling[0] != "0" else "1") + sibling[1:])
    body = (await clinic.open()).json()
    assert "inclusion proof does not lead" in refusals(body)[clinic.pdf.record_id]
    assert [f["record_id"] for f in body["files"]] == [clinic.fhir.record_id]


async def test_a_ledger_that_holds_another_root_refuses_every_record(clinic: Clinic) -> None:
    clinic.ledger.attrib(SEQ_NO, AUDIT_DID, clinic.raw.replace('"batch":1', '"batch":2'))
    body = (await clinic.open()).json()
    assert body["files"] == []
    assert all("does not hold this Merkle root" in reason for reason in refusals(body).values())


@pytest.mark.parametrize(
    ("txn", "reason"),
    [
        (None, "the ledger has no transaction 42"),
        ({"txn": {"type": "1", "data": {"dest": AUDIT_DID}, "metadata": {"from": AUDIT_DID}}}, "is not an ATTRIB"),
        ({"txn": {"type": "100", "data": {"dest": "Th7MpTaRZVRYnPiabds81Y"}, "metadata": {}}}, "is not an ATTRIB"),
    ],
)
async def test_an_anchor_the_ledger_does_not_hold_is_refused(clinic: Clinic, txn: Json | None, reason: str) -> None:
    if txn is None:
        clinic.ledger.txns.clear()
    else:
        clinic.ledger.txns[SEQ_NO] = txn
    body = (await clinic.open()).json()
    assert body["files"] == [] and len(body["refused"]) == 2
    assert all(reason in refused for refused in refusals(body).values())


async def test_a_record_not_yet_anchored_is_refused_until_it_is(clinic: Clinic) -> None:
    clinic.fhir.proof = None
    body = (await clinic.open()).json()
    assert refusals(body) == {clinic.fhir.record_id: "not yet anchored on the ledger: try again in a few seconds"}


async def test_without_a_ledger_nothing_is_shown(clinic_at: OpenClinic) -> None:
    clinic = await clinic_at(with_ledger=False)  # unit tests run without anchoring: no ledger client
    body = (await clinic.open()).json()
    assert body["files"] == []
    assert all(reason.startswith("cannot check the ledger") for reason in refusals(body).values())


async def test_a_file_elsewhere_than_the_shares_host_is_not_fetched(clinic_at: OpenClinic) -> None:
    clinic = await clinic_at(location_host="http://127.0.0.2:9999")
    body = (await clinic.open()).json()
    assert body["files"] == []
    assert all("not on the share's own host" in reason for reason in refusals(body).values())
    assert not any(r.url.host == "127.0.0.2" for r in clinic.hospital.requests)


async def test_a_file_over_the_size_limit_is_refused(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("verifier.shl_client.MAX_FILE_BYTES", 2000)  # the PDF's JWE is larger, the FHIR one not
    body = (await clinic.open()).json()
    assert [f["record_id"] for f in body["files"]] == [clinic.fhir.record_id]
    assert "more than 2000 bytes" in refusals(body)[clinic.pdf.record_id]


# -- the hospital's refusals, and bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason"),
    [(404, "share revoked"), (404, "share expired"), (404, "share already used"),
     (404, "share locked after too many wrong passcodes"), (410, "erased")],
)  # fmt: skip
async def test_the_hospitals_refusals_are_ours_with_its_reason(clinic_at: OpenClinic, status: int, reason: str) -> None:
    clinic = await clinic_at(refuse=(status, reason))
    response = await clinic.open()
    assert response.status_code == status
    assert response.json() == {"detail": reason}


async def test_a_wrong_passcode_says_how_many_attempts_are_left(clinic_at: OpenClinic) -> None:
    clinic = await clinic_at(flag="P", passcode="correct horse")
    response = await clinic.open(shlink=clinic.link, passcode="wrong")
    assert response.status_code == 401
    assert response.json()["detail"] == "wrong passcode (remainingAttempts: 4)"


async def test_a_passcode_link_without_a_passcode_is_refused_before_asking(clinic_at: OpenClinic) -> None:
    clinic = await clinic_at(flag="P", passcode="correct horse")
    response = await clinic.open()
    assert response.status_code == 400 and "passcode" in response.json()["detail"]
    assert clinic.hospital.requests == [] and clinic.hospital.attempts_left == 5


async def test_an_unreachable_hospital_is_a_502(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    async def down(self: FakeHospital, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    monkeypatch.setattr(FakeHospital, "__call__", down)
    response = await clinic.open()
    assert response.status_code == 502 and "unreachable" in response.json()["detail"]


def png_of(image: Image.Image) -> str:
    data = io.BytesIO()
    image.save(data, format="PNG")
    return base64.b64encode(data.getvalue()).decode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "exactly one of shlink or qr_png_base64"),
        ({"shlink": "shlink:/", "qr_png_base64": "AAAA"}, "exactly one of shlink or qr_png_base64"),
        ({"shlink": "shlink:/"}, "nothing after shlink:/"),
        ({"shlink": "shlink:/not-base64!!"}, "not base64url"),
        ({"shlink": "https://x.example/"}, "not a SMART Health Link"),
        ({"qr_png_base64": base64.b64encode(b"not a png").decode()}, "not a PNG, JPEG or WebP image"),
        ({"qr_png_base64": "%%%"}, "not base64"),
        ({"qr_png_base64": png_of(Image.new("L", (200, 200), 255))}, "no QR code found"),
        ({"qr_png_base64": png_of(qrcode.make("https://example.org/not-a-link"))}, "does not hold a SMART Health Link"),
    ],
)
async def test_bad_input_is_a_400_with_the_reason(clinic: Clinic, body: Json, reason: str) -> None:
    response = await clinic.open(**body) if body else await clinic.http.post("/shares/open", json={}, headers=STAFF)
    assert response.status_code == 400, response.text
    assert reason in response.json()["detail"]
    assert clinic.hospital.requests == []


async def test_a_link_whose_url_carries_a_password_is_not_followed(clinic: Clinic) -> None:
    payload = {"url": "http://user:secret@127.0.0.1:8001/shl/x", "key": new_key()}
    link = "shlink:/" + base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    response = await clinic.open(shlink=link)
    assert response.status_code == 400 and "user name or password" in response.json()["detail"]
    assert clinic.hospital.requests == []


async def test_opening_needs_the_staff_key(clinic: Clinic) -> None:
    response = await clinic.http.post("/shares/open", json={"shlink": clinic.link})
    assert response.status_code == 401
    assert clinic.hospital.requests == []


async def test_a_file_the_hospital_cannot_serve_is_refused_with_its_reason(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = FakeHospital.__call__

    async def damaged(self: FakeHospital, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/files/f-1"):  # as the hospital says it (a reason of its vocabulary)
            return httpx.Response(409, json={"detail": f"record {clinic.fhir.record_id} failed its integrity check"})
        return await original(self, request)

    monkeypatch.setattr(FakeHospital, "__call__", damaged)
    body = (await clinic.open()).json()
    assert [f["record_id"] for f in body["files"]] == [clinic.pdf.record_id]
    assert "failed its integrity check" in refusals(body)[clinic.fhir.record_id]


async def test_without_proofs_nothing_is_shown(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    original = FakeHospital.__call__

    async def no_proofs(self: FakeHospital, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/proofs"):
            return httpx.Response(404, json={"detail": "no such ticket"})
        return await original(self, request)

    monkeypatch.setattr(FakeHospital, "__call__", no_proofs)
    body = (await clinic.open()).json()
    assert body["files"] == [] and len(body["refused"]) == 2
    reason = "the hospital gave no integrity proofs: the share's host refused the link (HTTP 404)"
    assert all(r["reason"] == reason for r in body["refused"])


# -- where a link may take the clinic's server ----------------------------------------------------------------


def link_to(url: str) -> str:
    return encode_link({"url": url, "key": new_key()})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8041/status",  # the clinic's own agent's admin API
        "http://127.0.0.1:8003/shares/open",  # the clinic's own API
        "http://127.0.0.1:9000/register",  # the ledger's registration, on this machine
        "http://127.0.0.1:8021/wallet/did",  # another port of the allowed hospital's host
        "http://localhost:8001/shl/x",  # the allowed hospital, by another name
        "http://[::1]:8041/status",
        # Links must use https off this machine's loopback; these name no public host either.
        "https://10.1.2.3/shl/x", "https://192.168.1.1/shl/x", "https://100.64.0.1/shl/x",
        "https://169.254.169.254/latest/meta-data/", "https://[fe80::1]/x", "https://[::ffff:127.0.0.1]:8041/status",
        "https://0.0.0.0:8041/status", "https://224.0.0.1/x", "https://240.0.0.1/x",
    ],
)  # fmt: skip
async def test_a_link_to_a_private_or_own_address_is_not_fetched(clinic: Clinic, url: str) -> None:
    response = await clinic.open(shlink=link_to(url))
    assert response.status_code == 400, response.text
    assert "not fetched" in response.json()["detail"]
    assert clinic.hospital.requests == []


async def test_the_hosts_words_are_never_repeated(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    async def talkative(self: FakeHospital, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(404, json={"detail": "wallet key 7f3e... (an internal service's answer)"})

    monkeypatch.setattr(FakeHospital, "__call__", talkative)
    response = await clinic.open()
    assert response.status_code == 404
    assert response.json() == {"detail": "the share's host refused the link (HTTP 404)"}


async def test_a_redirect_is_not_followed(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    async def redirecting(self: FakeHospital, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(307, headers={"location": "http://127.0.0.1:8041/status"})

    monkeypatch.setattr(FakeHospital, "__call__", redirecting)
    response = await clinic.open()
    assert response.status_code == 502
    assert response.json()["detail"] == "the share's host answered with a redirect (HTTP 307): not followed"
    assert [r.url.port for r in clinic.hospital.requests] == [8001]
