"""The hospital's encrypted store of patients' records: health data kept off-chain, erasable on request.

    store = RecordStore.from_settings(settings, audit).open()      # ConfigurationError: KEK absent, wrong...
    record = store.put("p-1", "vaccinations.json", "application/fhir+json", data)
    record, data = store.get(record.record_id)                      # IntegrityError if a stored byte changed
    store.erase(record.record_id, requested_by="p-1")               # then get -> RecordErasedError (410)

In `folder`: `<record_id>.bin` per record (AES-256-GCM under the record's own data key, the record id as
associated data, so a ciphertext moved to another record's file fails) and `index.sqlite3` (or its tables
in PostgreSQL with MEDCRED_DATABASE_URL: `issuer.health_records.index`; metadata, each
data key wrapped under the KEK, tombstones, the KEK's check value and the id of the data folder the
records belong to: a KEK, a key file or a records folder of another data folder is refused at start).
No record reaches the ledger: the audit trail logs `record.stored` and `record.erased` with the record
id and the plaintext's sha256, and anchors those entries in batches. Their subject is the record id, not
the patient: a recipient checking a shared record's anchor sees that entry, and nothing of the
hospital's reference for the patient.
Erasing destroys the wrapped key (crypto-shredding), deletes the ciphertext and keeps a tombstone; 410
rather than 404 tells a caller the record existed and is gone for good.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from agents.audit import AuditRecorder
from issuer.health_records import crypto
from issuer.health_records.content import FHIR_JSON, check_fhir, media_type, sanitize_name
from issuer.health_records.files import remove_strays, write_atomically
from issuer.health_records.index import RecordIndex, SqliteRecordIndex, StoredRecord, Tombstone
from issuer.health_records.index_postgres import PostgresRecordIndex
from issuer.health_records.keys import data_folder_id, kek_source
from issuer.models import PATIENT_REF
from issuer.settings import IssuerSettings
from medcred.database import Database
from medcred.errors import (
    ConfigurationError,
    IntegrityError,
    InvalidInputError,
    MedcredError,
    NotFoundError,
    PayloadTooLargeError,
    RecordErasedError,
)

__all__ = ["RecordStore", "StoredRecord", "Tombstone"]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_KEK_CHECK = "kek_check"
_FOLDER_ID = "folder_id"


def _record_id(value: str) -> str:
    try:
        canonical = str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise InvalidInputError("a record id is a UUID") from None
    if canonical != value:
        raise InvalidInputError("a record id is a UUID in its canonical (lower-case, hyphenated) form")
    return canonical


class RecordStore:
    def __init__(
        self, folder: Path, kek: bytes, audit: AuditRecorder, *, max_bytes: int = DEFAULT_MAX_BYTES,
        folder_id: str | None = None, database: Database | None = None,
    ) -> None:
        """`folder_id`: the data folder the records belong to (kept in the index, checked at every open);
        `database`: the index in PostgreSQL (`medcred.schema`) rather than `folder/index.sqlite3`."""
        if len(kek) != crypto.KEY_BYTES:
            raise ConfigurationError(f"the records key-encryption key must be {crypto.KEY_BYTES} bytes")
        self.folder = folder
        self.max_bytes = max_bytes
        self.folder_id = folder_id
        self._kek = kek
        self._audit = audit
        self._database = database
        self._index: RecordIndex | None = None

    @classmethod
    def from_settings(cls, settings: IssuerSettings, audit: AuditRecorder) -> RecordStore:
        """The store of the data folder's records, under the KEK of its settings, if it is this folder's."""
        source, folder_id = kek_source(settings), data_folder_id(settings.folder())
        if source.folder_id is not None and source.folder_id != folder_id:
            raise ConfigurationError(
                f"{source.described} belongs to another data folder (id {source.folder_id}), not to "
                f"{settings.folder()} (id {folder_id}): give this folder's own key"
            )
        log.info("records key-encryption key: %s (data folder %s)", source.described, folder_id)
        database = Database.parse(settings.database_url) if settings.database_url is not None else None
        return cls(settings.folder() / "records", source.kek, audit, max_bytes=settings.records_max_bytes,
                   folder_id=folder_id, database=database)  # fmt: skip

    def open(self) -> RecordStore:
        """Open the index, refuse a KEK other than the records' own, and finish interrupted writes/erasures."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        index = (SqliteRecordIndex(self.folder / "index.sqlite3") if self._database is None
                 else PostgresRecordIndex.open(self._database))  # fmt: skip
        stored = index.meta(_KEK_CHECK)
        if stored is None and index.record_ids():
            index.close()
            raise ConfigurationError(f"the records index in {self.folder} has lost its key-encryption key check value")
        if stored is None:
            index.set_meta(_KEK_CHECK, crypto.kek_check_value(self._kek))
        elif not crypto.kek_matches(self._kek, stored):
            index.close()
            raise ConfigurationError("the records key-encryption key does not match the one these records were "
                                     f"stored with ({crypto.KEK_SETTING}; records in {self.folder})")  # fmt: skip
        owner = index.meta(_FOLDER_ID)
        if owner is None and self.folder_id is not None:
            index.set_meta(_FOLDER_ID, self.folder_id)
        elif self.folder_id is not None and owner != self.folder_id:
            index.close()
            raise ConfigurationError(f"the records in {self.folder} belong to another data folder (id {owner}), "
                                     f"not to this one (id {self.folder_id})")  # fmt: skip
        remove_strays(self.folder, index.record_ids())
        self._index = index
        return self

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    def __enter__(self) -> RecordStore:
        return self if self._index is not None else self.open()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def put(self, patient_ref: str, name: str, content_type: str, data: bytes) -> StoredRecord:
        index = self._opened()
        if not isinstance(patient_ref, str) or not PATIENT_REF.fullmatch(patient_ref):
            raise InvalidInputError("patient_ref must be 1-64 letters, digits, '.', '_' or '-'")
        if len(data) > self.max_bytes:
            raise PayloadTooLargeError(f"the record is {len(data)} bytes; the limit is {self.max_bytes} "
                                       "(MEDCRED_ISSUER_RECORDS_MAX_BYTES)")  # fmt: skip
        if not data:
            raise InvalidInputError("a record cannot be empty")
        content_type = media_type(content_type)
        if content_type == FHIR_JSON:
            check_fhir(data)
        record = StoredRecord(record_id=str(uuid.uuid4()), patient_ref=patient_ref, name=sanitize_name(name),
                              content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                              created_at=datetime.now(UTC))  # fmt: skip
        data_key = crypto.new_data_key()
        write_atomically(self._path(record.record_id), crypto.seal(data_key, data, record.record_id.encode()))
        try:
            index.add(record, crypto.wrap_key(self._kek, data_key))
            self._audit.record("record.stored", subject=record.record_id, record_id=record.record_id,
                               sha256=record.sha256, content_type=content_type)  # fmt: skip
        except BaseException:  # not stored unless indexed and audited
            index.remove(record.record_id)
            self._path(record.record_id).unlink(missing_ok=True)
            raise
        return record

    def get(self, record_id: str) -> tuple[StoredRecord, bytes]:
        record, wrapped = self._live(record_id)
        failed = f"record {record.record_id} failed its integrity check"
        try:
            blob = self._path(record.record_id).read_bytes()
        except FileNotFoundError:
            raise IntegrityError(f"{failed}: its ciphertext file is missing") from None
        try:
            data = crypto.unseal(crypto.unwrap_key(self._kek, wrapped), blob, record.record_id.encode())
        except IntegrityError as exc:
            raise IntegrityError(f"{failed}: {exc.message}") from None
        if len(data) != record.size or not hmac.compare_digest(hashlib.sha256(data).hexdigest(), record.sha256):
            raise IntegrityError(f"{failed}: its content does not match its sha256")
        return record, data

    def describe(self, record_id: str) -> StoredRecord:
        """A live record's metadata (RecordErasedError / NotFoundError otherwise), without decrypting it."""
        return self._live(record_id)[0]

    def list(self, patient_ref: str) -> builtins.list[StoredRecord]:
        return self._opened().for_patient(patient_ref)

    def tombstone(self, record_id: str) -> Tombstone | None:
        return self._opened().tombstone(_record_id(record_id))

    def erase(self, record_id: str, requested_by: str) -> Tombstone:
        """Crypto-shred a record: its wrapped key and ciphertext are destroyed, a tombstone is kept."""
        if not isinstance(requested_by, str) or not 0 < len(requested_by) <= 200:
            raise InvalidInputError("requested_by must name who asked for the erasure (1-200 characters)")
        record, _ = self._live(record_id)
        tombstone = Tombstone(record_id=record.record_id, patient_ref=record.patient_ref, sha256=record.sha256,
                              erased_at=datetime.now(UTC), requested_by=requested_by)  # fmt: skip
        if not self._opened().erase(tombstone):
            raise RecordErasedError(f"record {record.record_id} was erased")  # by a concurrent call
        self._path(record.record_id).unlink(missing_ok=True)
        self._audit.record("record.erased", subject=record.record_id, record_id=record.record_id,
                           sha256=record.sha256, requested_by=requested_by)  # fmt: skip
        return tombstone

    def wrap_secret(self, key: bytes) -> bytes:
        """Another 32-byte key (a share's link key) wrapped under the KEK, to be kept only that way."""
        if len(key) != crypto.KEY_BYTES:
            raise InvalidInputError(f"only {crypto.KEY_BYTES}-byte keys are wrapped")
        return crypto.wrap_key(self._kek, key)

    def unwrap_secret(self, wrapped: bytes) -> bytes:
        """A key `wrap_secret` wrapped; IntegrityError if it was altered or wrapped under another KEK."""
        return crypto.unwrap_key(self._kek, wrapped)

    def _opened(self) -> RecordIndex:
        if self._index is None:
            raise MedcredError("the record store is not open")
        return self._index

    def _live(self, record_id: str) -> tuple[StoredRecord, bytes]:
        index, record_id = self._opened(), _record_id(record_id)
        if found := index.find(record_id):
            return found
        if index.tombstone(record_id):
            raise RecordErasedError(f"record {record_id} was erased")
        raise NotFoundError(f"no record {record_id}")

    def _path(self, record_id: str) -> Path:
        return self.folder / f"{record_id}.bin"
