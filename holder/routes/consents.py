"""The patient's consents (`Authorization: Bearer <token>`): what each verifier may learn, until when.

A grant's receipt and its withdrawal's are compact JWS signed by a did:key of the patient's own wallet
(`holder.receipts.verify_receipt` checks one without any agent). `GET .../receipt` answers JSON
`{"grant", "withdrawal"}`, or with `Accept: application/jose` the one JWS `?kind=` names, as a download.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response, status

from holder.consent import GrantIn
from holder.deps import Consents, CurrentPatient
from holder.models import Consent, ConsentReceipts
from medcred.api_docs import errors

router = APIRouter(prefix="/me/consents", tags=["consents"])

JOSE = "application/jose"


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(502))
async def grant(body: GrantIn, patient: CurrentPatient, consents: Consents) -> Consent:
    """Let one verifier (its public DID) see `reveal` and prove predicates on `prove`, for `purpose`,
    until it expires; `auto_answer` answers its requests that stay within the grant without asking."""
    return await consents.grant(patient, body)


@router.get("")
async def list_consents(patient: CurrentPatient, consents: Consents) -> list[Consent]:
    return consents.list_consents(patient)


@router.get("/{grant_id}", responses=errors(404))
async def get_consent(grant_id: str, patient: CurrentPatient, consents: Consents) -> Consent:
    return consents.get_consent(patient, grant_id)


@router.post("/{grant_id}/withdraw", responses=errors(404, 409, 502))
async def withdraw(grant_id: str, patient: CurrentPatient, consents: Consents) -> Consent:
    """End a live grant now; the answer carries the signed withdrawal receipt."""
    return await consents.withdraw(patient, grant_id)


@router.get(
    "/{grant_id}/receipt",
    response_model=ConsentReceipts,
    responses={200: {"content": {JOSE: {"schema": {"type": "string"}}}}, **errors(404)},
)
async def receipt(
    grant_id: str,
    patient: CurrentPatient,
    consents: Consents,
    request: Request,
    kind: Literal["grant", "withdrawal"] = "grant",
) -> ConsentReceipts | Response:
    """The receipts (JSON), or with `Accept: application/jose` the compact JWS of `kind` as a file."""
    if JOSE in request.headers.get("accept", ""):
        jws = consents.receipt_of(patient, grant_id, kind)
        disposition = f'attachment; filename="consent-{grant_id}-{kind}.jws"'
        return Response(jws, media_type=JOSE, headers={"Content-Disposition": disposition})
    return consents.receipts_of(patient, grant_id)
