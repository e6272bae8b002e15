"""`GET /me/disclosures`: the patient's accounting of disclosures, each with its inclusion proof."""

from __future__ import annotations

from fastapi import APIRouter, Request

from holder.deps import CurrentPatient
from holder.disclosures import Disclosure, disclosures

router = APIRouter(prefix="/me", tags=["me"])


@router.get("/disclosures")
async def list_disclosures(patient: CurrentPatient, request: Request) -> list[Disclosure]:
    """Who received what about the patient (names of attributes, predicates proven), when, under which
    consent, each with the Merkle path and the ledger transaction anchoring it."""
    return disclosures(request.app.state.audit, patient)
