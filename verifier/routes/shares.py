"""`POST /shares/open`: open a SMART Health Link a patient shared, showing only records that check out."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from medcred.api_docs import errors
from verifier.deps import SharesDep, require_staff
from verifier.models import OpenedShare, OpenShare

__all__ = ["router"]

router = APIRouter(prefix="/shares", tags=["shares"], dependencies=[Depends(require_staff)])


@router.post("/open", responses=errors(
    400, 401, 404, 410, 413, 502, "4XX", e401="wrong passcode (the attempts left in `detail`)",
    e404="revoked, expired, used or locked", e502="the share's host failed or is unreachable"))
async def open_share(body: OpenShare, reader: SharesDep) -> OpenedShare:
    """Open a link (`shlink`, or a QR code image as `qr_png_base64`; `passcode` for a link with flag P):
    fetch and decrypt its files, and check each record's hash against its audit entry, its Merkle path
    and the ledger. `files` are the records that passed; `refused` the others, each with the reason.
    The host's refusals come back as ours: 404 revoked / expired / used / locked, 401 wrong passcode
    (with the attempts left), 410 erased."""
    return await reader.open(body)
