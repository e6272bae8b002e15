"""The patient's SMART Health Cards (`Authorization: Bearer <token>`): listed, downloaded as a
`.smart-health-card` file, shown as a `shc:/` QR code, shared as a SMART Health Link.

Like the records, all of it goes through the hospital's patient portal under the patient's own connection
to the hospital; before there is one, every route is a 409 "no connection to the hospital yet".
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response, status

from holder.deps import CurrentPatient, HealthCards
from holder.models import HealthCard, ShareCreated, ShareOptions
from medcred.api_docs import errors
from medcred.health_cards import MEDIA_TYPE

router = APIRouter(prefix="/me/health-cards", tags=["health cards"], responses=errors(
    404, 409, 502, "4XX", e404="no such card of the patient's", e409="no connection to the hospital yet",
    e502="the hospital failed or is unreachable"))  # fmt: skip

Id = Annotated[str, Path(min_length=1, max_length=64)]
SVG = "image/svg+xml"


def body_of(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The 200 of a route that answers a document of `media_type`, not JSON."""
    return {200: {"content": {media_type: {}}, "description": description}}


@router.get("")
async def list_health_cards(patient: CurrentPatient, cards: HealthCards) -> list[HealthCard]:
    """The patient's SMART Health Cards from the hospital, each with what it says (issuer, patient,
    immunizations) and whether the hospital revoked it."""
    return await cards.cards(patient)


@router.get("/{card_id}/file", response_class=Response,
            responses=body_of(MEDIA_TYPE, "the .smart-health-card file"))
async def health_card_file(card_id: Id, patient: CurrentPatient, cards: HealthCards) -> Response:
    """The card as a `.smart-health-card` file (application/smart-health-card), to download."""
    disposition = f'attachment; filename="vaccination-{card_id[:8]}.smart-health-card"'
    return Response(await cards.file(patient, card_id), media_type=MEDIA_TYPE,
                    headers={"Content-Disposition": disposition})  # fmt: skip


@router.get("/{card_id}/qr", response_class=Response,
            responses=body_of(SVG, "the card's QR code") | errors(
                409, e409="no connection to the hospital yet, or the card is too long for one QR code"))
async def health_card_qr(card_id: Id, patient: CurrentPatient, cards: HealthCards) -> Response:
    """The card's `shc:/` QR code as SVG: one symbol in numeric mode, version 22 at most."""
    return Response(await cards.qr_svg(patient, card_id), media_type=SVG)


@router.post("/{card_id}/share", status_code=status.HTTP_201_CREATED,
             responses=errors(409, e409="no connection to the hospital yet, or the card is revoked"))
async def share_health_card(
    card_id: Id,
    patient: CurrentPatient,
    cards: HealthCards,
    options: Annotated[ShareOptions | None, Body(openapi_examples={
        "a week, with a passcode": {"value": {"label": "COVID-19 card", "expires_in_days": 7, "passcode": "1234"}},
    })] = None,
) -> ShareCreated:
    """Share the card as a SMART Health Link (its file served as application/smart-health-card); the
    options as for `POST /me/shares`. The answer holds the link and its QR code."""
    return await cards.share(patient, card_id, options or ShareOptions())
