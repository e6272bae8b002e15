"""The hospital's encrypted record store: round trips, integrity, the KEK, crypto-shredding, the audit trail."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap
from pydantic import SecretStr

from issuer.health_records.crypto import load_kek
from issuer.health_records.store import RecordStore
from issuer.settings import IssuerSettings
from medcred.errors import (
    AuditLogError,
    ConfigurationError,
    IntegrityError,
    InvalidInputError,
    MedcredError,
    NotFoundError,
    PayloadTooLargeError,
    RecordErasedError,
    UnprocessableError,
)
from tests.unit.issuer import examples

KEK = bytes(range(32))
OTHER_KEK = bytes(range(1, 33))
FHIR = json.dumps(examples.immunization()).encode()
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@dataclass
class FakeAudit:
    """Collects events as ServiceAudit would append them; `fail` makes the next append raise."""

    events: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    fail: bool = False

    def record(self, event: str, *, subject: str | None = None, **details: Any) -> None:
        if self.fail:
            raise AuditLogError("the audit log cannot be written")
        self.events.append((event, subject, details))


@pytest.fixture
def audit() -> FakeAudit:
    return FakeAudit()


@pytest.fixture
def store(tmp_path: Path, audit: FakeAudit) -> Iterator[RecordStore]:
    with RecordStore(tmp_path / "records", KEK, audit, max_bytes=64 * 1024) as opened:
        yield opened


def rows(store: RecordStore, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store.folder / "index.sqlite3") as db:
        return db.execute(sql, args).fetchall()


def wrapped_key(store: RecordStore, record_id: str) -> bytes:
    return bytes(rows(store, "SELECT wrapped_key FROM records WHERE record_id = ?", record_id)[0][0])


# Round trips


@pytest.mark.parametrize(
    ("name", "content_type", "data"),
    [("vaccination.json", "application/fhir+json", FHIR), ("discharge letter.pdf", "application/pdf", PDF)],
)
def test_a_record_round_trips(store: RecordStore, name: str, content_type: str, data: bytes) -> None:
    record = store.put("p-1", name, content_type, data)
    assert (record.patient_ref, record.name, record.content_type, record.size) == ("p-1", name, content_type, len(data))
    assert store.get(record.record_id) == (record, data)
    assert store.list("p-1") == [record] and store.list("p-2") == []
    blob = (store.folder / f"{record.record_id}.bin").read_bytes()
    assert data not in blob and b"EW0182" not in blob  # only ciphertext on disk
    assert (store.folder / f"{record.record_id}.bin").stat().st_mode & 0o777 == 0o600


def test_every_record_has_its_own_data_key_and_nonce(store: RecordStore) -> None:
    first, second = store.put("p-1", "a.pdf", "application/pdf", PDF), store.put("p-1", "b.pdf", "application/pdf", PDF)
    wrapped = [wrapped_key(store, record.record_id) for record in (first, second)]
    data_keys = [aes_key_unwrap(KEK, key) for key in wrapped]
    assert wrapped[0] != wrapped[1] and data_keys[0] != data_keys[1] and all(len(key) == 32 for key in data_keys)
    blobs = [(store.folder / f"{record.record_id}.bin").read_bytes() for record in (first, second)]
    assert blobs[0][4:16] != blobs[1][4:16] and blobs[0] != blobs[1]  # nonces, ciphertexts


# Integrity


@pytest.mark.parametrize("where", [0, 5, 20, "middle", -1])  # magic, nonce, ciphertext start, middle, tag
def test_a_byte_changed_in_the_ciphertext_file_fails_the_integrity_check(store: RecordStore, where: Any) -> None:
    record = store.put("p-1", "letter.pdf", "application/pdf", PDF)
    path = store.folder / f"{record.record_id}.bin"
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2 if where == "middle" else where] ^= 0x01
    path.write_bytes(bytes(blob))
    with pytest.raises(IntegrityError, match=f"record {record.record_id} failed its integrity check"):
        store.get(record.record_id)


def test_ciphertexts_swapped_between_records_fail_even_with_their_keys(store: RecordStore) -> None:
    first, second = store.put("p-1", "a.pdf", "application/pdf", PDF), store.put("p-1", "b.pdf", "application/pdf", PDF)
    paths = [store.folder / f"{record.record_id}.bin" for record in (first, second)]
    blobs = [path.read_bytes() for path in paths]
    paths[0].write_bytes(blobs[1])
    paths[1].write_bytes(blobs[0])
    with pytest.raises(IntegrityError, match="failed its integrity check"):
        store.get(first.record_id)
    # Even moving the wrapped keys along with the files fails: the record id is the associated data.
    keys = [wrapped_key(store, first.record_id), wrapped_key(store, second.record_id)]
    with sqlite3.connect(store.folder / "index.sqlite3") as db:
        db.execute("UPDATE records SET wrapped_key = ? WHERE record_id = ?", (keys[1], first.record_id))
        db.execute("UPDATE records SET wrapped_key = ? WHERE record_id = ?", (keys[0], second.record_id))
    for record in (first, second):
        with pytest.raises(IntegrityError, match="belongs to another record"):
            store.get(record.record_id)


def test_a_changed_index_or_a_missing_file_fails_the_integrity_check(store: RecordStore) -> None:
    record = store.put("p-1", "a.pdf", "application/pdf", PDF)
    key = bytearray(wrapped_key(store, record.record_id))
    key[3] ^= 0x01
    with sqlite3.connect(store.folder / "index.sqlite3") as db:
        db.execute("UPDATE records SET wrapped_key = ? WHERE record_id = ?", (bytes(key), record.record_id))
    with pytest.raises(IntegrityError, match="wrapped data key does not unwrap"):
        store.get(record.record_id)
    other = store.put("p-1", "b.pdf", "application/pdf", PDF)
    body = json.loads(rows(store, "SELECT body FROM records WHERE record_id = ?", other.record_id)[0][0])
    with sqlite3.connect(store.folder / "index.sqlite3") as db:
        db.execute("UPDATE records SET body = ? WHERE record_id = ?",
                   (json.dumps(body | {"sha256": "0" * 64}), other.record_id))  # fmt: skip
    with pytest.raises(IntegrityError, match="does not match its sha256"):
        store.get(other.record_id)
    (store.folder / f"{other.record_id}.bin").unlink()
    with pytest.raises(IntegrityError, match="ciphertext file is missing"):
        store.get(other.record_id)


# The key-encryption key


def test_the_kek_is_read_from_base64url_or_hex() -> None:
    b64 = base64.urlsafe_b64encode(KEK).decode()
    for written in (b64, b64.rstrip("="), KEK.hex(), KEK.hex().upper(), f"  {KEK.hex()}\n"):
        assert load_kek(SecretStr(written)) == KEK


@pytest.mark.parametrize("value", [None, "", "   "])
def test_an_absent_kek_says_how_to_make_one(value: str | None) -> None:
    with pytest.raises(ConfigurationError, match="MEDCRED_ISSUER_RECORDS_KEK is not set") as caught:
        load_kek(None if value is None else SecretStr(value))
    assert "secrets.token_urlsafe(32)" in caught.value.message


MALFORMED_KEKS = [
    KEK.hex()[:-2],
    KEK.hex() + "00",
    "g" * 64,
    base64.urlsafe_b64encode(KEK[:31]).decode(),
    "not a key at all",
    base64.b64encode(bytes([251] * 32)).decode(),  # standard base64 ('+', '/'), not base64url
]


@pytest.mark.parametrize("value", MALFORMED_KEKS)
def test_a_malformed_kek_is_refused_without_repeating_it(value: str) -> None:
    with pytest.raises(ConfigurationError, match="must be 32 bytes written as base64url") as caught:
        load_kek(SecretStr(value))
    assert value not in caught.value.message


def test_a_wrong_kek_is_caught_when_the_store_opens(tmp_path: Path, audit: FakeAudit) -> None:
    with RecordStore(tmp_path, KEK, audit) as first:
        first.put("p-1", "a.pdf", "application/pdf", PDF)
    with pytest.raises(ConfigurationError, match="does not match the one these records were stored with"):
        RecordStore(tmp_path, OTHER_KEK, audit).open()
    with sqlite3.connect(tmp_path / "index.sqlite3") as db:
        db.execute("DELETE FROM meta")
    with pytest.raises(ConfigurationError, match="lost its key-encryption key check value"):
        RecordStore(tmp_path, KEK, audit).open()


def test_the_store_takes_its_kek_and_limit_from_the_issuer_settings(
    tmp_path: Path, audit: FakeAudit, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError, match="MEDCRED_ISSUER_RECORDS_KEK is not set"):
        RecordStore.from_settings(IssuerSettings(data_dir=tmp_path), audit)
    monkeypatch.setenv("MEDCRED_ISSUER_RECORDS_KEK", KEK.hex())
    monkeypatch.setenv("MEDCRED_ISSUER_RECORDS_MAX_BYTES", "2048")
    settings = IssuerSettings(data_dir=tmp_path)
    assert settings.records_max_bytes == 2048 and IssuerSettings.model_fields["records_max_bytes"].default == 10 << 20
    with RecordStore.from_settings(settings, audit) as store:
        assert store.folder == tmp_path.resolve() / "records" and store.max_bytes == 2048


# Erasure (crypto-shredding)


def test_erasing_destroys_the_key_and_ciphertext_and_keeps_a_tombstone(store: RecordStore, audit: FakeAudit) -> None:
    record = store.put("p-1", "a.json", "application/fhir+json", FHIR)
    kept = store.put("p-1", "b.pdf", "application/pdf", PDF)
    key = wrapped_key(store, record.record_id)
    tombstone = store.erase(record.record_id, requested_by="p-1")
    assert not (store.folder / f"{record.record_id}.bin").exists()
    assert rows(store, "SELECT * FROM records WHERE record_id = ?", record.record_id) == []
    assert key not in (store.folder / "index.sqlite3").read_bytes()  # overwritten (secure_delete), not just unlinked
    assert (tombstone.record_id, tombstone.sha256, tombstone.requested_by) == (record.record_id, record.sha256, "p-1")
    assert store.tombstone(record.record_id) == tombstone
    for call in (store.get, store.describe, lambda record_id: store.erase(record_id, "p-1")):
        with pytest.raises(RecordErasedError, match=f"record {record.record_id} was erased") as caught:
            call(record.record_id)
        assert caught.value.status_code == 410 and isinstance(caught.value, NotFoundError)
    assert store.list("p-1") == [kept] and store.get(kept.record_id)[1] == PDF
    erased = {"record_id": record.record_id, "sha256": record.sha256, "requested_by": "p-1"}
    assert audit.events[-1] == ("record.erased", record.record_id, erased)


# The audit trail


def test_audit_events_carry_ids_and_hashes_never_content(store: RecordStore, audit: FakeAudit) -> None:
    record = store.put("p-1", "Jane Doe - COVID vaccination.json", "application/fhir+json", FHIR)
    assert audit.events == [("record.stored", record.record_id, {"record_id": record.record_id, "sha256": record.sha256,
                                                                 "content_type": "application/fhir+json"})]  # fmt: skip
    logged = json.dumps(audit.events)
    assert "EW0182" not in logged and "Jane" not in logged and "COVID" not in logged
    assert "p-1" not in logged  # the subject is the record: a recipient checking its anchor sees no patient_ref


def test_a_record_whose_audit_event_fails_is_not_stored(store: RecordStore, audit: FakeAudit) -> None:
    audit.fail = True
    with pytest.raises(AuditLogError):
        store.put("p-1", "a.pdf", "application/pdf", PDF)
    assert store.list("p-1") == [] and list(store.folder.glob("*.bin")) == []


# Limits and input


def test_an_oversized_record_is_refused_before_anything_is_written(store: RecordStore, audit: FakeAudit) -> None:
    with pytest.raises(PayloadTooLargeError, match="the limit is 65536") as caught:
        store.put("p-1", "big.pdf", "application/pdf", bytes(64 * 1024 + 1))
    assert caught.value.status_code == 413
    assert list(store.folder.glob("*.bin")) == [] and audit.events == []
    assert store.put("p-1", "fits.pdf", "application/pdf", bytes(64 * 1024)).size == 64 * 1024


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (json.dumps(examples.immunization() | {"occurrenceDateTime": "maybe"}).encode(), "occurrenceDateTime"),
        (json.dumps({"resourceType": "Immunization", "lotNumber": "EW0182"}).encode(), "invalid FHIR Immunization"),
        (b'{"resourceType": "Immunization", "lotNumber": "EW0182"', "not valid JSON"),
        (json.dumps({"resourceType": "NotAResource"}).encode(), "not a FHIR R4 resource type"),
        (json.dumps({"resourceType": "Element"}).encode(), "not a FHIR R4 resource type"),
        (json.dumps([examples.immunization()]).encode(), "an object with a resourceType"),
        (b"\xff\xfe", "UTF-8"),
        (b'{"resourceType": "Immunization", "x": ' + b"9" * 5000 + b"}", "a number too long"),
        (b"[" * 30_000 + b"]" * 30_000, "nested too deeply"),
        (b'{"resourceType": "Bundle", "type": ' + b"[" * 65 + b"]" * 65 + b"}", "more than 64 levels"),
        # Codes of required value sets, which fhir.resources lists but does not check:
        (json.dumps({"resourceType": "Bundle", "type": "EW0182"}).encode(), "type: not a code of its value set"),
        (json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": examples.immunization() | {"status": "EW0182"}}]}).encode(),
         "entry[0].resource.status: not a code of its value set (completed, entered-in-error, not-done)"),
        (json.dumps({"resourceType": "Patient", "gender": "maybe"}).encode(), "gender: not a code of its value set"),
        (json.dumps({"resourceType": "DomainResource"}).encode(), "not a FHIR R4 resource type"),
    ],
)  # fmt: skip
def test_invalid_fhir_is_unprocessable_and_never_echoed(store: RecordStore, data: bytes, reason: str) -> None:
    with pytest.raises(UnprocessableError) as caught:
        store.put("p-1", "x.json", "application/fhir+json; charset=utf-8", data)
    assert reason in caught.value.message and caught.value.status_code == 422
    assert "EW0182" not in caught.value.message and "maybe" not in caught.value.message
    assert store.list("p-1") == []


def test_a_bundle_of_a_type_in_its_value_set_is_stored(store: RecordStore) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": examples.immunization()}]}
    assert store.put("p-1", "bundle.json", "application/fhir+json", json.dumps(bundle).encode()).size > 0


@pytest.mark.parametrize(
    ("name", "shown"),
    [("../../etc/passwd", "passwd"), ("C:\\Users\\x\\scan.pdf", "scan.pdf"), ("a\x00b\nc\u202e.pdf", "a b c .pdf"),
     ("..", "record"), ("", "record"), ("x" * 500, "x" * 200)],
)  # fmt: skip
def test_names_are_for_display_only_and_cannot_reach_the_file_system(store: RecordStore, name: str, shown: str) -> None:
    record = store.put("p-1", name, "application/pdf", PDF)
    assert record.name == shown
    assert sorted(path.name for path in store.folder.iterdir()) == sorted([f"{record.record_id}.bin", "index.sqlite3"])


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s: s.put("../p", "a", "application/pdf", PDF), "patient_ref must be"),
        (lambda s: s.put("p-1", "a", "not a type", PDF), "content type must be a media type"),
        (lambda s: s.put("p-1", "a", "application/pdf", b""), "cannot be empty"),
        (lambda s: s.get("../../index"), "a record id is a UUID"),
        (lambda s: s.get("6F9619FF-8B86-D011-B42D-00C04FC964FF"), "canonical"),
        (lambda s: s.erase("6f9619ff-8b86-d011-b42d-00c04fc964ff", ""), "requested_by must name"),
    ],
)
def test_malformed_requests_are_refused(store: RecordStore, call: Any, error: str) -> None:
    with pytest.raises(InvalidInputError, match=error):
        call(store)


def test_an_unknown_record_is_not_found(store: RecordStore) -> None:
    with pytest.raises(NotFoundError, match="no record") as caught:
        store.get("6f9619ff-8b86-d011-b42d-00c04fc964ff")
    assert caught.value.status_code == 404 and not isinstance(caught.value, RecordErasedError)


# Restart


def test_reopening_keeps_records_and_tombstones_and_clears_interrupted_writes(tmp_path: Path, audit: FakeAudit) -> None:
    with RecordStore(tmp_path, KEK, audit) as store:
        kept = store.put("p-1", "a.json", "application/fhir+json", FHIR)
        erased = store.put("p-1", "b.pdf", "application/pdf", PDF)
        store.erase(erased.record_id, requested_by="staff:dr-who")
    (tmp_path / "0e0e0e0e-0000-4000-8000-000000000000.bin").write_bytes(b"orphan")  # written, never indexed
    (tmp_path / ".1e0e0e0e-0000-4000-8000-000000000000.bin.tmp").write_bytes(b"half")  # interrupted write
    with RecordStore(tmp_path, KEK, audit) as store:
        assert store.get(kept.record_id) == (kept, FHIR) and store.list("p-1") == [kept]
        with pytest.raises(RecordErasedError):
            store.get(erased.record_id)
        assert sorted(path.name for path in tmp_path.iterdir()) == sorted([f"{kept.record_id}.bin", "index.sqlite3"])


def test_a_closed_store_refuses_calls(tmp_path: Path, audit: FakeAudit) -> None:
    store = RecordStore(tmp_path, KEK, audit)
    with pytest.raises(MedcredError, match="not open"):
        store.list("p-1")
    with pytest.raises(ConfigurationError, match="must be 32 bytes"):
        RecordStore(tmp_path, KEK[:16], audit)


def test_other_keys_are_wrapped_under_the_kek(store: RecordStore, tmp_path: Path, audit: FakeAudit) -> None:
    key = bytes(range(100, 132))
    wrapped = store.wrap_secret(key)
    assert key not in wrapped and store.unwrap_secret(wrapped) == key
    with pytest.raises(IntegrityError, match="does not unwrap"):
        RecordStore(tmp_path / "other", OTHER_KEK, audit).unwrap_secret(wrapped)
    with pytest.raises(InvalidInputError, match="32-byte"):
        store.wrap_secret(key[:16])
