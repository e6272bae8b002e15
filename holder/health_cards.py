"""The patient's SMART Health Cards, through the hospital's patient portal (`GET .../health-cards`).

The hospital keeps each card it issues as a record of the patient; the wallet lists them with what each
says (issuer, patient, immunizations: read from the card, not verified), hands out its
`.smart-health-card` file and its `shc:/` QR code (one numeric symbol, version 22 at most:
`medcred.health_cards.card_qr_svg`), and shares one as a SMART Health Link (the record-share path of
`RecordsService`, so the link serves it as application/smart-health-card). A revoked card is still the
patient's to download; it is not shared again (a verifier would refuse it). A card the wallet cannot
read is listed without its contents (and a warning logged).

    cards = HealthCardService(portal, records)        # create_app makes it
    await cards.cards(patient)                        # [HealthCard, ...]
    await cards.file(patient, card_id)                # bytes of the .smart-health-card file
    await cards.qr_svg(patient, card_id)              # the QR code, an SVG document
    await cards.share(patient, card_id, ShareOptions(...))   # ShareCreated, with the link's QR code
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from holder.models import HealthCard, HealthCardDose, Patient, ShareCreated, ShareIn, ShareOptions
from holder.portal import HospitalError, HospitalPortal
from holder.records import NO_CONNECTION, RecordsService
from medcred.errors import ConflictError, NotFoundError
from medcred.health_cards import CardClaims, CardRejectedError, card_file, card_qr_svg, parse, read_bundle

__all__ = ["HealthCardService", "PortalCard"]

log = logging.getLogger(__name__)


class PortalCard(BaseModel):
    """One card as the hospital's portal answers it: ids, dates, and the card itself (`jws`)."""

    model_config = ConfigDict(extra="ignore")

    card_id: str
    record_id: str
    credential_ids: list[str] = Field(default_factory=list)
    issued_at: datetime
    revoked: bool
    jws: str = Field(min_length=1)


def view(card: PortalCard) -> HealthCard:
    """The card with what it says; its contents left out (a warning logged) if it cannot be read."""
    base = HealthCard(card_id=card.card_id, record_id=card.record_id, credential_ids=card.credential_ids,
                      issued_at=card.issued_at, revoked=card.revoked, characters=len(card.jws))  # fmt: skip
    try:
        claims = CardClaims.of(parse(card.jws).payload)
        patient, immunizations = read_bundle(claims.bundle)
    except CardRejectedError as exc:
        log.warning("health card %s from the hospital cannot be read (%s)", card.card_id, exc.reason.value)
        return base
    doses = [HealthCardDose(system=i.system, code=i.code, date=i.date, lot=i.lot, performer=i.performer)
             for i in immunizations]  # fmt: skip
    return base.model_copy(update={
        "iss": claims.iss, "immunizations": doses,
        "patient_name": patient.name if patient else None, "birth_date": patient.birth_date if patient else None,
    })  # fmt: skip


class HealthCardService:
    def __init__(self, portal: HospitalPortal, records: RecordsService) -> None:
        self._portal = portal
        self._records = records

    async def _portal_cards(self, patient: Patient) -> list[PortalCard]:
        connection = await self._records.hospital_connection(patient)
        if connection is None:
            raise ConflictError(NO_CONNECTION)
        answer = await self._portal.call("GET", connection, "health-cards")
        if not isinstance(answer, list):
            raise HospitalError("the hospital answered GET health-cards without a list")
        try:
            return [PortalCard.model_validate(item) for item in answer]
        except ValidationError:
            raise HospitalError("the hospital answered GET health-cards without the expected cards") from None

    async def _card(self, patient: Patient, card_id: str) -> PortalCard:
        for card in await self._portal_cards(patient):
            if card.card_id == card_id:
                return card
        raise NotFoundError(f"no health card {card_id}")

    async def cards(self, patient: Patient) -> list[HealthCard]:
        """The patient's cards, oldest first, each with what it says."""
        return [view(card) for card in await self._portal_cards(patient)]

    async def file(self, patient: Patient, card_id: str) -> bytes:
        """The card's `.smart-health-card` file (`{"verifiableCredential": [jws]}`); 404 not the patient's."""
        return card_file((await self._card(patient, card_id)).jws)

    async def qr_svg(self, patient: Patient, card_id: str) -> str:
        """The card's `shc:/` QR code as SVG; 409 when the card is too long for one QR code."""
        card = await self._card(patient, card_id)
        return await asyncio.to_thread(card_qr_svg, card.jws)

    async def share(self, patient: Patient, card_id: str, options: ShareOptions) -> ShareCreated:
        """A SMART Health Link to the card (its record at the hospital); 409 when the card is revoked."""
        card = await self._card(patient, card_id)
        if card.revoked:
            raise ConflictError(f"health card {card_id} is revoked: a verifier would refuse it")
        request = ShareIn(record_ids=[card.record_id], **options.model_dump(exclude_unset=True))
        return await self._records.create_share(patient, request)
