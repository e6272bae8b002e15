"""Shares under the patient's control (the patient portal's side): create, list, revoke.

    view = await sharing.create(patient_ref, ShareRequest(record_ids=[...], label="For Dr. B", passcode="..."))
    sharing.of_patient(patient_ref); await sharing.revoke(patient_ref, share_id)

A share is a SMART Health Link: `{public_url}/shl/{share_id}` (43 random base64url characters), a fresh
32-byte key of its own (kept only wrapped under the records KEK), its expiry as `exp`, flag L (a manifest
that can be fetched again until it expires) plus P when a passcode guards it. Its records must be the
patient's own (404) and not erased (409). Audit (ids only): `share.created`, `share.revoked`.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import UTC, datetime

from agents.audit import AuditRecorder
from issuer.health_records.service import HealthRecordService
from issuer.health_records.store import RecordStore
from issuer.settings import IssuerSettings
from issuer.sharing.models import ShareRequest, ShareView
from issuer.sharing.store import (
    ShareFile,
    ShareLocks,
    ShareRecord,
    ShareStore,
    hash_passcode,
    new_file_id,
    new_share_id,
)
from medcred.errors import ConfigurationError, ConflictError, InvalidInputError, NotFoundError, RecordErasedError
from medcred.shl import encode_link, new_key

__all__ = ["SharingService", "any_erased", "link_key", "manifest_url"]

log = logging.getLogger(__name__)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def manifest_url(settings: IssuerSettings, share_id: str) -> str:
    return f"{settings.public_url}/shl/{share_id}"


def link_key(store: RecordStore, share: ShareRecord) -> bytes:
    """The share's link key (32 bytes), unwrapped."""
    return store.unwrap_secret(_unb64url(share.wrapped_key))


def any_erased(store: RecordStore, share: ShareRecord) -> bool:
    return any(store.tombstone(record_id) is not None for record_id in share.record_ids)


class SharingService:
    def __init__(
        self,
        settings: IssuerSettings,
        shares: ShareStore,
        locks: ShareLocks,
        records: HealthRecordService,
        audit: AuditRecorder,
    ) -> None:
        self.settings = settings
        self.shares = shares
        self.locks = locks
        self.records = records
        self.store = records.store
        self.audit = audit

    async def create(self, patient_ref: str, request: ShareRequest) -> ShareView:
        """A new share of the patient's chosen records."""
        record_ids = list(dict.fromkeys(request.record_ids))
        await asyncio.to_thread(self._check_shareable, patient_ref, record_ids)
        now = datetime.now(UTC)
        key = _unb64url(new_key())
        passcode_hash = await asyncio.to_thread(hash_passcode, request.passcode) if request.passcode else None
        share = ShareRecord(
            share_id=new_share_id(), patient_ref=patient_ref, label=request.label,
            files=[ShareFile(file_id=new_file_id(), record_id=record_id) for record_id in record_ids],
            wrapped_key=_b64url(self.store.wrap_secret(key)), passcode_hash=passcode_hash,
            passcode_attempts_left=self.settings.share_max_passcode_attempts if passcode_hash else None,
            single_use=request.single_use, recipient_hint=request.recipient_hint, created_at=now,
            expires_at=request.expiry(now),
        )  # fmt: skip
        view = self.view(share, now)  # the link is made (and checked) before the share is kept
        self.shares.save(share)
        self.audit.record("share.created", subject=patient_ref, share_id=share.share_id, record_ids=record_ids,
                          expires_at=share.expires_at.isoformat(), passcode=passcode_hash is not None,
                          single_use=share.single_use)  # fmt: skip
        log.info("share %s of %d record(s) created for patient %s", share.share_id, len(record_ids), patient_ref)
        return view

    def of_patient(self, patient_ref: str) -> list[ShareView]:
        now = datetime.now(UTC)
        return [self.view(share, now) for share in self.shares.of_patient(patient_ref)]

    async def revoke(self, patient_ref: str, share_id: str) -> ShareView:
        """Revoke the share at once (idempotent): its manifest and files are refused from now on."""
        async with self.locks(share_id):
            share = self._owned(patient_ref, share_id)
            if share.revoked_at is None:
                share = share.model_copy(update={"revoked_at": datetime.now(UTC)})
                self.shares.save(share)
                self.audit.record("share.revoked", subject=patient_ref, share_id=share_id)
                log.info("share %s revoked by patient %s", share_id, patient_ref)
        return self.view(share)

    def view(self, share: ShareRecord, now: datetime | None = None) -> ShareView:
        return ShareView(
            share_id=share.share_id, shlink=self._link(share), label=share.label, expires_at=share.expires_at,
            flags=share.flags, record_ids=share.record_ids,
            status=share.status(now or datetime.now(UTC), erased=any_erased(self.store, share)),
            passcode_attempts_left=share.passcode_attempts_left, manifest_fetches=share.manifest_fetches,
        )  # fmt: skip

    def _link(self, share: ShareRecord) -> str:
        payload = {"url": manifest_url(self.settings, share.share_id), "flag": share.flags,
                   "key": _b64url(link_key(self.store, share)), "label": share.label,
                   "exp": int(share.expires_at.timestamp())}  # fmt: skip
        try:
            return encode_link(payload)
        except InvalidInputError as exc:
            raise ConfigurationError(
                f"cannot make a SMART Health Link from MEDCRED_ISSUER_PUBLIC_URL {self.settings.public_url!r}: "
                f"{exc.message}"
            ) from None

    def _owned(self, patient_ref: str, share_id: str) -> ShareRecord:
        share = self.shares.share(share_id)
        if share is None or share.patient_ref != patient_ref:
            raise NotFoundError(f"no share {share_id}")
        return share

    def _check_shareable(self, patient_ref: str, record_ids: list[str]) -> None:
        for record_id in record_ids:
            try:
                self.records.owned(patient_ref, record_id)
            except RecordErasedError:
                raise ConflictError(f"record {record_id} was erased: it cannot be shared") from None
