"""Opening a share (the public side of a SMART Health Link; the link is the only credential).

    POST /shl/{share_id}                          manifest(share_id, body) -> Manifest (one location per file)
    GET  /shl/{share_id}/files/{file_id}?ticket   file(...)   -> JWE compact (dir, A256GCM, fhir+json)
    GET  /shl/{share_id}/proofs?ticket            proofs(...) -> each file's record.stored entry and proof

A manifest request names its `recipient` (shown to the patient) and, for flag P, the passcode. Refusals
say why: 404 no such share / share revoked / share expired / share already used / share locked after too
many wrong passcodes; 410 erased; 401 wrong passcode (with `remainingAttempts`; at 0 the share locks).
Each fetch hands out fresh tickets, random and valid for an hour, each for one file of that share; a
file is encrypted under the share's key at each download. Files stay available to a fetch's tickets
after a single-use share was used or a passcode share locked; revoked, expired or erased, they stop.

Audit (subject: the patient): `share.manifest_fetched` {share_id, recipient, record_ids},
`share.file_downloaded` {share_id, record_id, recipient}, `share.passcode_failed` {share_id, recipient,
remaining_attempts}.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from agents.audit import AuditRecorder
from issuer.health_records.anchors import STORED_EVENT, RecordAnchors
from issuer.health_records.store import RecordStore
from issuer.settings import IssuerSettings
from issuer.sharing.disclosures import FILE_DOWNLOADED, MANIFEST_FETCHED
from issuer.sharing.files import shared_content_type, shared_plaintext
from issuer.sharing.models import FileProof, ShareStatus
from issuer.sharing.service import any_erased, link_key, manifest_url
from issuer.sharing.store import ShareLocks, ShareRecord, ShareStore, Ticket, new_ticket, passcode_matches
from medcred.errors import (
    AuthenticationError,
    ConflictError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RecordErasedError,
)
from medcred.shl import Manifest, ManifestFile, ManifestRequest, ShlContentType, encrypt_file

__all__ = ["MAX_RECIPIENT_CHARS", "TICKET_LIFETIME", "ShareAccess", "WrongPasscodeError"]

log = logging.getLogger(__name__)

TICKET_LIFETIME = timedelta(hours=1)
MAX_RECIPIENT_CHARS = 100
_TICKET_PURGE_EVERY = timedelta(minutes=1)
_REFUSALS: dict[ShareStatus, tuple[type[NotFoundError], str]] = {
    ShareStatus.ERASED: (RecordErasedError, "erased"),
    ShareStatus.REVOKED: (NotFoundError, "share revoked"),
    ShareStatus.EXPIRED: (NotFoundError, "share expired"),
    ShareStatus.LOCKED: (NotFoundError, "share locked after too many wrong passcodes"),
    ShareStatus.USED: (NotFoundError, "share already used"),
}
_FILES_STAY_FOR = frozenset({ShareStatus.ACTIVE, ShareStatus.USED, ShareStatus.LOCKED})


class WrongPasscodeError(AuthenticationError):
    """401 for a manifest request without the share's passcode; the body also says `remainingAttempts`."""

    def __init__(self, remaining_attempts: int) -> None:
        super().__init__("wrong passcode")
        self.remaining_attempts = remaining_attempts

    def body(self) -> dict[str, Any]:
        return {**super().body(), "remainingAttempts": self.remaining_attempts}


def _refusal(status: ShareStatus) -> NotFoundError:
    kind, reason = _REFUSALS[status]
    return kind(reason)


def _recipient(request: ManifestRequest) -> str:
    """The recipient as the patient will read it: one line, at most 100 characters."""
    text = "".join(" " if unicodedata.category(char)[0] == "C" else char for char in request.recipient)
    text = " ".join(text.split())[:MAX_RECIPIENT_CHARS].strip()
    if not text:
        raise InvalidInputError("recipient is required: say who is opening the link")
    return text


def parse_manifest_request(body: bytes) -> ManifestRequest:
    """The manifest request's JSON body; 400 naming each problem (never the values)."""
    try:
        return ManifestRequest.model_validate_json(body or b"{}")
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in error['loc']) or 'body'}: {error['msg']}"
                             for error in exc.errors(include_url=False, include_input=False)[:5])  # fmt: skip
        raise InvalidInputError(f"invalid manifest request (a JSON object with a recipient): {problems}") from None


class ShareAccess:
    def __init__(
        self,
        settings: IssuerSettings,
        shares: ShareStore,
        locks: ShareLocks,
        store: RecordStore,
        anchors: RecordAnchors,
        audit: AuditRecorder,
    ) -> None:
        self.settings = settings
        self.shares = shares
        self.locks = locks
        self.store = store
        self.anchors = anchors
        self.audit = audit
        self._purged_at = datetime.min.replace(tzinfo=UTC)

    def forget_expired_tickets(self) -> None:
        self._purged_at = datetime.now(UTC)
        if count := self.shares.forget_expired_tickets(self._purged_at):
            log.info("forgot %d expired share ticket(s)", count)

    async def manifest(self, share_id: str, request: ManifestRequest) -> Manifest:
        """The share's manifest for `request`'s recipient, if the share is open to it."""
        recipient = _recipient(request)
        async with self.locks(share_id):
            share = self._require(share_id)
            if (status := self._status(share)) is not ShareStatus.ACTIVE:
                raise _refusal(status)
            if share.passcode_hash is not None:
                await self._check_passcode(share, request.passcode or "", recipient)
            share = share.model_copy(update={"manifest_fetches": share.manifest_fetches + 1})
            self.shares.save(share)
        now = datetime.now(UTC)
        if now - self._purged_at > _TICKET_PURGE_EVERY:
            self.forget_expired_tickets()
        files = []
        for shared in share.files:
            ticket = new_ticket()
            self.shares.add_ticket(ticket, Ticket(share_id=share_id, file_id=shared.file_id, recipient=recipient,
                                                  expires_at=now + TICKET_LIFETIME))  # fmt: skip
            location = f"{manifest_url(self.settings, share_id)}/files/{shared.file_id}?ticket={ticket}"
            content_type = await asyncio.to_thread(self._content_type, shared.record_id)
            files.append(ManifestFile(contentType=content_type, location=location))
        self.audit.record(MANIFEST_FETCHED, subject=share.patient_ref, share_id=share_id, recipient=recipient,
                          record_ids=share.record_ids)  # fmt: skip
        log.info("share %s opened (%d file(s))", share_id, len(files))
        return Manifest(files=files)

    async def file(self, share_id: str, file_id: str, ticket: str | None) -> str:
        """One file of the share, encrypted under its key now (JWE compact), for a ticket of that file."""
        share = self._require(share_id)
        grant = self._admitted(share, ticket, file_id)
        shared = share.file(file_id)
        if shared is None:
            raise NotFoundError("no such file in this share")
        jwe = await asyncio.to_thread(self._encrypted, share, shared.record_id)
        self.audit.record(FILE_DOWNLOADED, subject=share.patient_ref, share_id=share_id, record_id=shared.record_id,
                          recipient=grant.recipient)  # fmt: skip
        return jwe

    async def proofs(self, share_id: str, ticket: str | None) -> list[FileProof]:
        """For each file: its record's sha256, the `record.stored` entry that holds it, and its inclusion proof."""
        share = self._require(share_id)
        self._admitted(share, ticket, None)
        return await asyncio.to_thread(self._proofs, share)

    # -- checks ---------------------------------------------------------------------------------------

    def _require(self, share_id: str) -> ShareRecord:
        share = self.shares.share(share_id)
        if share is None:
            raise NotFoundError("no such share")
        return share

    def _status(self, share: ShareRecord) -> ShareStatus:
        return share.status(datetime.now(UTC), erased=any_erased(self.store, share))

    def _admitted(self, share: ShareRecord, ticket: str | None, file_id: str | None) -> Ticket:
        """The ticket's grant (403 unless it is a live ticket of this share, and file), if the share is readable."""
        grant = self.shares.ticket(ticket)
        if grant is None or not grant.admits(share.share_id, file_id, datetime.now(UTC)):
            raise PermissionDeniedError("the ticket is missing, invalid or expired: fetch the manifest again")
        if (status := self._status(share)) not in _FILES_STAY_FOR:
            raise _refusal(status)
        return grant

    async def _check_passcode(self, share: ShareRecord, passcode: str, recipient: str) -> None:
        """Count a wrong passcode (under the share's lock); the last one allowed locks the share."""
        if share.passcode_hash is None or await asyncio.to_thread(passcode_matches, share.passcode_hash, passcode):
            return
        left = max((share.passcode_attempts_left or 0) - 1, 0)
        self.shares.save(share.model_copy(update={"passcode_attempts_left": left}))
        self.audit.record("share.passcode_failed", subject=share.patient_ref, share_id=share.share_id,
                          recipient=recipient, remaining_attempts=left)  # fmt: skip
        log.info("share %s: wrong passcode (%d attempt(s) left)", share.share_id, left)
        raise WrongPasscodeError(left)

    # -- worker-thread parts ----------------------------------------------------------------------------

    def _encrypted(self, share: ShareRecord, record_id: str) -> str:
        try:
            record, data = self.store.get(record_id)
        except RecordErasedError:
            raise RecordErasedError("erased") from None
        except IntegrityError as exc:
            log.error("share %s: %s", share.share_id, exc.message)
            raise ConflictError(f"record {record_id} failed its integrity check") from None
        return encrypt_file(shared_plaintext(record, data), link_key(self.store, share), shared_content_type(record))

    def _content_type(self, record_id: str) -> ShlContentType:
        try:
            return shared_content_type(self.store.describe(record_id))
        except NotFoundError:  # erased meanwhile: its download will say so
            return ShlContentType.FHIR_JSON

    def _proofs(self, share: ShareRecord) -> list[FileProof]:
        found = []
        for shared in share.files:
            try:
                record = self.store.describe(shared.record_id)
            except RecordErasedError:
                raise RecordErasedError("erased") from None
            entry = self.anchors.stored_entry(record.record_id)
            if entry is None:
                raise ConflictError(f"record {record.record_id} has no {STORED_EVENT} entry in the audit trail")
            proof = self.anchors.proof(entry)
            found.append(FileProof(
                file_id=shared.file_id, record_id=record.record_id, sha256=record.sha256, entry=asdict(entry),
                proof=asdict(proof) if proof is not None else None,
            ))  # fmt: skip
        return found
