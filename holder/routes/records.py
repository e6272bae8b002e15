"""The patient's records at the hospital and their shares (`Authorization: Bearer <token>`).

All of it goes through the hospital's patient portal under the patient's own connection to the
hospital; before there is one, every route is a 409 "no connection to the hospital yet".
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from holder.deps import CurrentPatient, Records
from holder.models import RecordErased, RecordView, ShareCreated, ShareIn, ShareView
from medcred.api_docs import errors

# The hospital's own refusals (404 not theirs, 410 erased, ...) come back with their status (`holder.portal`).
router = APIRouter(prefix="/me", tags=["records"], responses=errors(
    409, 502, "4XX", e409="no connection to the hospital yet", e502="the hospital failed or is unreachable"))

Id = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/records")
async def list_records(patient: CurrentPatient, records: Records) -> list[RecordView]:
    """The patient's records at the hospital (metadata; the contents stay there, encrypted)."""
    return await records.list_records(patient)


@router.post("/shares", status_code=status.HTTP_201_CREATED)
async def create_share(body: ShareIn, patient: CurrentPatient, records: Records) -> ShareCreated:
    """Share chosen records as a SMART Health Link (30 days unless told; optionally a passcode, single
    use); the answer holds the link and its QR code, to hand to the recipient."""
    return await records.create_share(patient, body)


@router.get("/shares")
async def list_shares(patient: CurrentPatient, records: Records) -> list[ShareView]:
    return await records.list_shares(patient)


@router.post("/shares/{share_id}/revoke")
async def revoke_share(share_id: Id, patient: CurrentPatient, records: Records) -> ShareView:
    """End a share now: its link stops working at once."""
    return await records.revoke_share(patient, share_id)


@router.post("/records/{record_id}/erase")
async def erase_record(record_id: Id, patient: CurrentPatient, records: Records) -> RecordErased:
    """Erase a record at the hospital (its key and ciphertext destroyed; an erasure entry is kept, with no
    content). Every share of it fails with "erased" from then on; copies already downloaded remain."""
    return await records.erase_record(patient, record_id)
