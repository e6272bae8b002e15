"""The cards the hospital issued and its CRL, in the issuer's document store (ids, links and dates only:
the card itself, health data, is a record of the encrypted record store)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from medcred.health_cards import Crl
from medcred.store import DocumentStore

__all__ = ["CardRecord", "CardStore"]


class CardRecord(BaseModel):
    card_id: str
    patient_ref: str
    credential_ids: list[str]
    record_id: str
    kid: str
    rid: str
    nbf: int
    issued_at: datetime
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class CardStore:
    def __init__(self, store: DocumentStore) -> None:
        self.store = store

    def card(self, card_id: str) -> CardRecord | None:
        document = self.store.get("health_cards", card_id)
        return CardRecord.model_validate(document) if document else None

    def save(self, card: CardRecord) -> None:
        self.store.put("health_cards", card.card_id, card.model_dump(mode="json"))

    def cards(self, patient_ref: str | None = None) -> list[CardRecord]:
        cards = (CardRecord.model_validate(doc) for _, doc in self.store.all("health_cards"))
        return sorted((c for c in cards if patient_ref is None or c.patient_ref == patient_ref),
                      key=lambda c: c.issued_at)  # fmt: skip

    def of_credential(self, credential_id: str) -> list[CardRecord]:
        return [card for card in self.cards() if credential_id in card.credential_ids]

    def crl(self, kid: str) -> Crl | None:
        document = self.store.get("health_card_crls", kid)
        return Crl.model_validate(document) if document else None

    def add_to_crl(self, kid: str, rid: str) -> Crl:
        current = self.crl(kid)
        rids = [*(current.rids if current else []), rid]
        crl = Crl(kid=kid, ctr=(current.ctr if current else 0) + 1, rids=rids)
        self.store.put("health_card_crls", kid, crl.model_dump(mode="json"))
        return crl


def now() -> datetime:
    return datetime.now(UTC)
