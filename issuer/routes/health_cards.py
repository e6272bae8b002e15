"""SMART Health Cards the hospital issued: a card for existing vaccinations, listing, revoking."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, status

from issuer.deps import HealthCardsDep, PatientRef, staff_only
from issuer.health_cards.models import HealthCardRequest, HealthCardView
from medcred.api_docs import errors

router = APIRouter(tags=["health cards"], dependencies=[Depends(staff_only)])


@router.post("/patients/{patient_ref}/health-cards", status_code=status.HTTP_201_CREATED,
             responses=errors(400, 404, 409, 422, e409="a credential is revoked or was abandoned"))
async def issue_health_card(
    patient_ref: PatientRef, request: Annotated[HealthCardRequest, Body()], cards: HealthCardsDep
) -> HealthCardView:
    """One SMART Health Card for vaccinations already issued (each credential with its FHIR Immunization;
    several doses make one card). It reaches the patient's wallet through the portal."""
    return HealthCardView.of(await cards.issue(patient_ref, request))


@router.get("/health-cards", responses=errors(400, 404, e404="no such patient"))
async def list_health_cards(
    cards: HealthCardsDep, patient_ref: Annotated[str | None, Query()] = None
) -> list[HealthCardView]:
    return [HealthCardView.of(card) for card in cards.cards(patient_ref)]


@router.get("/health-cards/{card_id}", responses=errors(404))
async def get_health_card(card_id: str, cards: HealthCardsDep) -> HealthCardView:
    return HealthCardView.of(cards.require(card_id))


@router.post("/health-cards/{card_id}/revoke", responses=errors(404, 502))
async def revoke_health_card(card_id: str, cards: HealthCardsDep) -> HealthCardView:
    """Revoke the card (its rid on the CRL at once) and the AnonCreds credentials it carries (idempotent)."""
    return HealthCardView.of(await cards.revoke(card_id))
