"""`GET /me/disclosures`: the patient's accounting of disclosures, each with its inclusion proof."""

from __future__ import annotations

from fastapi import APIRouter

from holder.deps import CurrentPatient, Disclosures
from holder.disclosures import Disclosure

router = APIRouter(prefix="/me", tags=["me"])


@router.get("/disclosures")
async def list_disclosures(patient: CurrentPatient, disclosures: Disclosures) -> list[Disclosure]:
    """Who received what about the patient, when: the wallet's presentations (names of attributes,
    predicates proven, under which consent; `source: "wallet"`) and the openings of the patient's shared
    records at the hospital (`source: "hospital"`), each with the Merkle path and the ledger
    transaction anchoring it. Without the hospital, the wallet's entries alone."""
    return await disclosures.accounting(patient)
