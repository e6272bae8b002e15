"""Revoking cards: the card's `rid` goes on its key's CRL at once (its `ctr` and the key set's
`crlVersion` move on), so verifiers see it at their next fetch. Idempotent.

Below `issuer.revocation.RevocationService`, which revokes the cards of an AnonCreds credential it
revoked (`revoke_of_credential`); `HealthCardService` revokes a card's credentials the other way.
"""

from __future__ import annotations

import asyncio
import logging

from agents.audit import NO_AUDIT, AuditRecorder
from issuer.health_cards.store import CardRecord, CardStore, now
from medcred.errors import NotFoundError

__all__ = ["CardRevocations"]

log = logging.getLogger(__name__)


class CardRevocations:
    def __init__(self, store: CardStore, audit: AuditRecorder = NO_AUDIT) -> None:
        self.store = store
        self.audit = audit
        self._lock = asyncio.Lock()

    def require(self, card_id: str) -> CardRecord:
        card = self.store.card(card_id)
        if card is None:
            raise NotFoundError(f"no health card {card_id}")
        return card

    async def revoke(self, card_id: str) -> CardRecord:
        async with self._lock:
            card = self.require(card_id)
            if card.revoked:
                return card
            crl = self.store.add_to_crl(card.kid, card.rid)
            revoked = card.model_copy(update={"revoked_at": now()})
            self.store.save(revoked)
        self.audit.record("health_card.revoked", subject=card.patient_ref, card_id=card_id)
        log.info("revoked health card %s (CRL of %s now at %d)", card_id, card.kid, crl.ctr)
        return revoked

    async def revoke_of_credential(self, credential_id: str) -> list[CardRecord]:
        """Revoke every card that carries this credential's vaccination."""
        return [await self.revoke(card.card_id) for card in self.store.of_credential(credential_id)]

    def crl_version(self, kid: str) -> int:
        crl = self.store.crl(kid)
        return crl.ctr if crl else 0
