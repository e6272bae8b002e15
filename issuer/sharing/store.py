"""What the hospital keeps of each share, in its `DocumentStore` so a restart loses nothing.

    shares         share_id -> ShareRecord (records, expiry, the link key wrapped under the KEK, the
                               passcode's scrypt hash, attempts left, openings, revocation)
    share_tickets  sha256(ticket) -> Ticket (one share's one file, for one recipient, for an hour)

A share's status is computed when it is read (`ShareRecord.status`), never stored. Neither the link key
nor a passcode nor a ticket is kept in the clear: a copy of the database opens no share.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
import weakref
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from issuer.sharing.models import ShareStatus
from medcred.store import DocumentStore

__all__ = [
    "FILE_ID",
    "SHARE_ID",
    "ShareFile",
    "ShareLocks",
    "ShareRecord",
    "ShareStore",
    "Ticket",
    "hash_passcode",
    "new_file_id",
    "new_share_id",
    "new_ticket",
    "passcode_matches",
]

SHARE_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 random bytes, base64url: unguessable
FILE_ID = re.compile(r"[A-Za-z0-9_-]{16}")
TICKET = re.compile(r"[A-Za-z0-9_-]{43}")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}  # ~16 MiB, tens of ms: a stolen hash resists guessing


def new_share_id() -> str:
    return secrets.token_urlsafe(32)


def new_file_id() -> str:
    return secrets.token_urlsafe(12)


def new_ticket() -> str:
    return secrets.token_urlsafe(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_passcode(passcode: str) -> str:
    """`scrypt$<salt>$<hash>` of a passcode (CPU-bound: run it off the event loop)."""
    salt = secrets.token_bytes(16)
    return f"scrypt${_b64(salt)}${_b64(hashlib.scrypt(passcode.encode(), salt=salt, **_SCRYPT))}"


def passcode_matches(stored: str, passcode: str) -> bool:
    """Whether `passcode` is the one `stored` was made from, compared in constant time."""
    scheme, salt, expected = stored.split("$")
    if scheme != "scrypt":
        return False
    given = hashlib.scrypt(passcode.encode(), salt=_unb64(salt), **_SCRYPT)
    return hmac.compare_digest(given, _unb64(expected))


class ShareFile(BaseModel):
    """One file of a share's manifest: an opaque id per share, so links do not reveal record ids."""

    model_config = ConfigDict(frozen=True)

    file_id: str
    record_id: str


class ShareRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    share_id: str
    patient_ref: str
    label: str | None
    files: list[ShareFile]
    wrapped_key: str  # the link's key, wrapped under the records KEK (base64url)
    passcode_hash: str | None
    passcode_attempts_left: int | None  # None without a passcode
    single_use: bool
    recipient_hint: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    manifest_fetches: int = 0

    @property
    def record_ids(self) -> list[str]:
        return [file.record_id for file in self.files]

    @property
    def flags(self) -> str:
        return "LP" if self.passcode_hash is not None else "L"

    def file(self, file_id: str) -> ShareFile | None:
        return next((file for file in self.files if file.file_id == file_id), None)

    def status(self, now: datetime, *, erased: bool) -> ShareStatus:
        """Its state at `now`; `erased` says whether any of its records was erased."""
        if erased:
            return ShareStatus.ERASED
        if self.revoked_at is not None:
            return ShareStatus.REVOKED
        if self.expires_at <= now:
            return ShareStatus.EXPIRED
        if self.passcode_attempts_left == 0:
            return ShareStatus.LOCKED
        if self.single_use and self.manifest_fetches > 0:
            return ShareStatus.USED
        return ShareStatus.ACTIVE


class Ticket(BaseModel):
    """What a file location's `ticket` grants: one file of one share, to the recipient who opened it."""

    share_id: str
    file_id: str
    recipient: str
    expires_at: datetime

    def admits(self, share_id: str, file_id: str | None, now: datetime) -> bool:
        """Valid for that share (and that file, unless None: any file of it) at `now`."""
        return self.share_id == share_id and file_id in (None, self.file_id) and now < self.expires_at


def _ticket_key(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


class ShareStore:
    """Typed access to the shares and tickets of the issuer's document store."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store

    def share(self, share_id: str) -> ShareRecord | None:
        if not SHARE_ID.fullmatch(share_id):
            return None
        document = self.store.get("shares", share_id)
        return ShareRecord.model_validate(document) if document else None

    def save(self, share: ShareRecord) -> None:
        self.store.put("shares", share.share_id, share.model_dump(mode="json"))

    def of_patient(self, patient_ref: str) -> list[ShareRecord]:
        shares = (ShareRecord.model_validate(document) for _, document in self.store.all("shares"))
        return [share for share in shares if share.patient_ref == patient_ref]

    def add_ticket(self, ticket: str, grant: Ticket) -> None:
        self.store.put("share_tickets", _ticket_key(ticket), grant.model_dump(mode="json"))

    def ticket(self, ticket: str | None) -> Ticket | None:
        if ticket is None or not TICKET.fullmatch(ticket):
            return None
        document = self.store.get("share_tickets", _ticket_key(ticket))
        return Ticket.model_validate(document) if document else None

    def forget_expired_tickets(self, now: datetime) -> int:
        """Delete the tickets that expired before `now`; how many."""
        expired = [key for key, document in self.store.all("share_tickets")
                   if Ticket.model_validate(document).expires_at <= now]  # fmt: skip
        for key in expired:
            self.store.delete("share_tickets", key)
        return len(expired)


class ShareLocks:
    """One asyncio lock per share: a read-change-write of a share (an opening, a wrong passcode, a
    revocation) never overlaps another, even across the awaits of a passcode check."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, share_id: str) -> asyncio.Lock:
        lock = self._locks.get(share_id)
        if lock is None:
            lock = self._locks[share_id] = asyncio.Lock()
        return lock
