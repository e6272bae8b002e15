"""The wallet's pages: credentials, adding a hospital or a clinic, requests, consents, history, records.

Each page calls the holder's own services (what `app.state` holds, as the API routes do) for the signed-in
patient only (`Wallet` gives the patient of the session).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from holder.consent import GrantIn
from holder.consent_service import ConsentService
from holder.deps import Accounts, Consents, Disclosures, Portal, ProofRequests, Records, Wallet
from holder.models import InvitationIn, InvitationState, Patient, ShareIn
from holder.pages.views import card_of, request_view, share_options
from holder.portal import HospitalPortal
from holder.wallet import WalletService
from medcred.credentials import SCHEMAS, CredentialType
from medcred.errors import ConflictError, InvalidInputError, MedcredError, NotFoundError
from medcred.pages import Viewer, page_router, redirect, render
from medcred.qr import MAX_IMAGE_BYTES, read_qr_codes
from medcred.web import validation_detail

router = page_router()



async def _patient(session: Viewer, accounts: Accounts) -> Patient:
    return accounts.patient(session.subject)


Me = Annotated[Patient, Depends(_patient)]


# -- credentials --------------------------------------------------------------------------------------------

async def _issuer_names(portal: HospitalPortal) -> dict[str, str]:
    """The hospital's name by its DID (the portal's answer, kept); none while the hospital cannot say."""
    try:
        did, name = await portal.hospital()
    except MedcredError:
        return {}
    return {str(did): name}


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, me: Me, wallet: Wallet, portal: Portal) -> Response:
    names = await _issuer_names(portal)
    cards = [card_of(c, names=names) for c in await wallet.list_credentials(me)]
    return render(request, "home.html", {"cards": cards})


# -- adding a hospital or a clinic ----------------------------------------------------------------------

@router.get("/add", response_class=HTMLResponse)
async def add_page(request: Request, me: Me) -> Response:
    return render(request, "add.html", {"error": ""})


async def _accept(request: Request, me: Patient, wallet: WalletService, link: str) -> Response:
    try:
        accepted = await wallet.accept_invitation(me, InvitationIn(invitation_url=link))
    except ValidationError as exc:
        return render(request, "add.html", {"error": validation_detail(exc.errors())}, status=422)
    except InvalidInputError as exc:
        return render(request, "add.html", {"error": exc.message}, status=exc.status_code)
    if accepted.proof_request_id:
        return redirect(request, f"/requests/{accepted.proof_request_id}")
    if accepted.state is InvitationState.CONNECTED:
        return redirect(request, "/", flash="Connected. The hospital can now send your credentials here.")
    if accepted.state is InvitationState.ALREADY_CONNECTED:
        return redirect(request, "/", flash="This wallet was already connected to the hospital, and still is. If the "
                        "invitation was made for someone else, they scan it with their own wallet.")  # fmt: skip
    return redirect(request, "/", flash="Connecting to the hospital: it may take a moment.")


@router.post("/add/link")
async def add_link(request: Request, me: Me, wallet: Wallet,
                   link: Annotated[str, Form(max_length=8192)] = "") -> Response:  # fmt: skip
    if not link.strip():
        return render(request, "add.html", {"error": "Please paste the link from the hospital's or clinic's page."},
                      status=422)  # fmt: skip
    return await _accept(request, me, wallet, link.strip())


@router.post("/add/qr")
async def add_qr(request: Request, me: Me, wallet: Wallet, photo: Annotated[UploadFile, File()]) -> Response:
    data = await photo.read(MAX_IMAGE_BYTES + 1)
    if not data:
        return render(request, "add.html", {"error": "Please choose a photo of the QR code."}, status=422)
    try:
        texts = await asyncio.to_thread(read_qr_codes, data)
    except MedcredError as exc:
        return render(request, "add.html", {"error": f"The QR code could not be read: {exc.message}."},
                      status=exc.status_code)  # fmt: skip
    return await _accept(request, me, wallet, texts[0])


# -- requests ------------------------------------------------------------------------------------------

@router.get("/requests", response_class=HTMLResponse)
async def requests_page(request: Request, me: Me, requests: ProofRequests, wallet: Wallet) -> Response:
    credentials = await wallet.list_credentials(me)
    views = [request_view(r, credentials) for r in await requests.pending(me)]
    return render(request, "requests.html", {"views": views})


@router.get("/requests/{request_id}", response_class=HTMLResponse)
async def request_page(request: Request, request_id: str, me: Me, requests: ProofRequests, wallet: Wallet) -> Response:
    pending = {r.id: r for r in await requests.pending(me)}
    if request_id not in pending:
        raise NotFoundError("this request has been answered or has gone away")
    view = request_view(pending[request_id], await wallet.list_credentials(me))
    return render(request, "request.html", {"view": view})


@router.post("/requests/{request_id}/share")
async def share(request: Request, request_id: str, me: Me, requests: ProofRequests) -> Response:
    try:
        await requests.present(me, request_id)
    except ConflictError as refusal:  # nothing could answer (revoked, say): the verifier is told why
        return redirect(request, "/requests", flash=f"Not shared: {refusal.message}.")
    return redirect(request, "/history", flash="Shared. The clinic now has what it asked for.")


@router.post("/requests/{request_id}/decline")
async def decline(request: Request, request_id: str, me: Me, requests: ProofRequests) -> Response:
    await requests.decline(me, request_id)
    return redirect(request, "/requests", flash="Declined. Nothing was shared.")


# -- consents --------------------------------------------------------------------------------------------

def _consent_form(request: Request, consents: ConsentService, me: Patient, *, errors: dict[str, str] | None = None,
                  values: dict[str, str] | None = None, status: int = 200) -> Response:  # fmt: skip
    return render(request, "consents.html", {
        "consents": consents.list_consents(me), "errors": errors or {}, "values": values or {},
        "kinds": [k.value for k in CredentialType], "attributes": SCHEMAS,
    }, status=status)  # fmt: skip


@router.get("/consents", response_class=HTMLResponse)
async def consents_page(request: Request, me: Me, consents: Consents) -> Response:
    return _consent_form(request, consents, me)


@router.post("/consents")
async def grant(request: Request, me: Me, consents: Consents,
                verifier_did: Annotated[str, Form(max_length=200)] = "",
                kind: Annotated[str, Form(max_length=40)] = "vaccination",
                reveal: Annotated[str, Form(max_length=2000)] = "",
                purpose: Annotated[str, Form(max_length=500)] = "",
                days: Annotated[str, Form(max_length=6)] = "30") -> Response:  # fmt: skip
    values = {"verifier_did": verifier_did, "kind": kind, "reveal": reveal, "purpose": purpose, "days": days}
    errors: dict[str, str] = {}
    try:
        body = GrantIn(verifier_did=verifier_did.strip(), credential_types=[kind],  # type: ignore[arg-type, list-item]
                       reveal=[a.strip() for a in reveal.replace(",", " ").split() if a.strip()],
                       purpose=purpose, expires_in_days=int(days) if days.strip().isdigit() else 0)  # fmt: skip
    except ValidationError as exc:
        for error in exc.errors():
            place = str(error["loc"][0]) if error.get("loc") else "reveal"  # a rule across fields: what it may see
            field = {"credential_types": "kind", "expires_in_days": "days"}.get(place, place)
            errors[field] = str(error["msg"]).removeprefix("Value error, ")
    if errors:
        return _consent_form(request, consents, me, errors=errors, values=values, status=422)
    await consents.grant(me, body)
    return redirect(request, "/consents", flash="Consent given.")


@router.get("/consents/{grant_id}/withdraw", response_class=HTMLResponse)
async def withdraw_page(request: Request, grant_id: str, me: Me, consents: Consents) -> Response:
    return render(request, "confirm.html", {
        "title": "Withdraw this consent?", "action": f"/consents/{grant_id}/withdraw", "button": "Withdraw consent",
        "text": f"{consents.get_consent(me, grant_id).purpose}: from now on, this verifier's requests are no "
                "longer answered under it. What it already received stays with it.",
        "back": "/consents",
    })  # fmt: skip


@router.post("/consents/{grant_id}/withdraw")
async def withdraw(request: Request, grant_id: str, me: Me, consents: Consents) -> Response:
    await consents.withdraw(me, grant_id)
    return redirect(request, "/consents", flash="Consent withdrawn.")


# -- history -----------------------------------------------------------------------------------------------

@router.get("/history", response_class=HTMLResponse)
async def history(request: Request, me: Me, disclosures: Disclosures) -> Response:
    entries = sorted(await disclosures.accounting(me), key=lambda d: d.at, reverse=True)
    return render(request, "history.html", {"entries": entries})


# -- records -----------------------------------------------------------------------------------------------

@router.get("/records", response_class=HTMLResponse)
async def records_page(request: Request, me: Me, records: Records) -> Response:
    return render(request, "records.html", {
        "records": [r for r in await records.list_records(me) if r.erased_at is None],
        "shares": await records.list_shares(me), "errors": {},
    })  # fmt: skip


@router.post("/records/share", response_class=HTMLResponse)
async def share_records(request: Request, me: Me, records: Records) -> Response:
    form = await request.form()
    chosen = [str(v) for v in form.getlist("record_id")]
    try:
        body = ShareIn(record_ids=chosen, **share_options(form).model_dump(exclude_unset=True))
    except (ValidationError, ValueError):
        listed = [r for r in await records.list_records(me) if r.erased_at is None]
        problem = "Choose at least one record." if not chosen else "The number of days must be 1 or more."
        return render(request, "records.html", {"records": listed, "shares": await records.list_shares(me),
                                                "errors": {"share": problem}}, status=422)  # fmt: skip
    created = await records.create_share(me, body)
    return render(request, "shared.html", {"share": created, "back": ("/records", "Back to my records"),
                                           "expires": created.expires_at or datetime.now(UTC) + timedelta(days=7)})


@router.get("/records/shares/{share_id}/revoke", response_class=HTMLResponse)
async def revoke_share_page(request: Request, share_id: str, me: Me) -> Response:
    return render(request, "confirm.html", {
        "title": "Stop sharing?", "action": f"/records/shares/{share_id}/revoke", "button": "Stop sharing",
        "text": "The link stops working at once: whoever has it can no longer open these records.",
        "back": "/records",
    })  # fmt: skip


@router.post("/records/shares/{share_id}/revoke")
async def revoke_share(request: Request, share_id: str, me: Me, records: Records) -> Response:
    await records.revoke_share(me, share_id)
    return redirect(request, "/records", flash="The link no longer works.")


@router.get("/records/{record_id}/erase", response_class=HTMLResponse)
async def erase_page(request: Request, record_id: str, me: Me) -> Response:
    return render(request, "confirm.html", {
        "title": "Erase this record for good?", "action": f"/records/{record_id}/erase", "button": "Erase for good",
        "text": "The hospital destroys the key that encrypts this record. Nobody (you, the hospital, anyone you "
                "shared it with) can read it again, and it cannot be undone. Links that share it stop working.",
        "back": "/records", "danger": True,
    })  # fmt: skip


@router.post("/records/{record_id}/erase")
async def erase(request: Request, record_id: str, me: Me, records: Records) -> Response:
    await records.erase_record(me, record_id)
    return redirect(request, "/records", flash="The record was erased: nobody can read it again.")

