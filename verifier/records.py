"""Verifications kept in the document store, found by our id or by the agent's `pres_ex_id`."""

from __future__ import annotations

from medcred.endings import Endings
from medcred.store import DocumentStore
from verifier.models import Verification

__all__ = ["VerificationRecords"]

VERIFICATIONS = "verifications"
BY_PRES_EX = "verification_by_pres_ex"
ENDINGS = "verification_endings"


class VerificationRecords:
    def __init__(self, store: DocumentStore) -> None:
        self._store = store
        self.endings = Endings(store, ENDINGS)  # each verification's one ending, across instances

    def add(self, verification: Verification) -> None:
        self.save(verification)
        self._store.put(BY_PRES_EX, verification.pres_ex_id, {"verification_id": verification.verification_id})

    def save(self, verification: Verification) -> None:
        self._store.put(VERIFICATIONS, verification.verification_id, verification.model_dump(mode="json"))

    def get(self, verification_id: str) -> Verification | None:
        document = self._store.get(VERIFICATIONS, verification_id)
        return Verification.model_validate(document) if document is not None else None

    def for_pres_ex(self, pres_ex_id: str) -> Verification | None:
        link = self._store.get(BY_PRES_EX, pres_ex_id)
        verification_id = link.get("verification_id") if link else None
        return self.get(verification_id) if isinstance(verification_id, str) else None

    def recent(self, limit: int = 50) -> list[Verification]:
        """The newest verifications first (the desk's list)."""
        verifications = [Verification.model_validate(document) for _, document in self._store.all(VERIFICATIONS)]
        return sorted(verifications, key=lambda v: v.created_at, reverse=True)[:limit]

    def pending(self) -> list[Verification]:
        verifications = (Verification.model_validate(document) for _, document in self._store.all(VERIFICATIONS))
        return [verification for verification in verifications if verification.pending]
