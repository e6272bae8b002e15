"""Verifications kept in the document store, found by our id or by the agent's `pres_ex_id`."""

from __future__ import annotations

from medcred.store import DocumentStore
from verifier.models import Verification

__all__ = ["VerificationRecords"]

VERIFICATIONS = "verifications"
BY_PRES_EX = "verification_by_pres_ex"
ENDINGS = "verification_endings"
REPAIRS = "verification_ending_repairs"


class VerificationRecords:
    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def add(self, verification: Verification) -> None:
        self.save(verification)
        self._store.put(BY_PRES_EX, verification.pres_ex_id, {"verification_id": verification.verification_id})

    def save(self, verification: Verification) -> None:
        self._store.put(VERIFICATIONS, verification.verification_id, verification.model_dump(mode="json"))

    def claim_ending(self, done: Verification, at: float) -> bool:
        """Take the one ending of a verification, `done` being it: False if one was taken before (by another
        instance of the clinic, say: its timer and this one's webhook at once). The store's insert is the
        atomic claim; the claim keeps the ending until `ended` says it was saved and audited, so that an
        instance dying in between leaves what `unfinished_endings` gives back."""
        document = {"state": done.state, "at": at, "audited": False, "done": done.model_dump(mode="json")}
        return self._store.insert(ENDINGS, done.verification_id, document)

    def ended(self, verification_id: str, state: str) -> None:
        """The claimed ending is saved and audited: its claim keeps only the state."""
        self._store.put(ENDINGS, verification_id, {"state": state, "audited": True})

    def unfinished_endings(self, older_than: float) -> list[Verification]:
        """Endings claimed before `older_than` (epoch s) and never marked `ended`: their instance died."""
        return [
            Verification.model_validate(document["done"]) for _, document in self._store.all(ENDINGS)
            if document.get("audited") is False and float(document.get("at", 0)) < older_than and "done" in document
        ]  # fmt: skip

    def claim_repair(self, verification_id: str) -> bool:
        """Take the one repair of an unfinished ending (instances sweep at once): False if taken."""
        return self._store.insert(REPAIRS, verification_id, {})

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
