"""HTTP routes of the ledger web server. Thin: parse, call the service, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from ledger.client import LedgerName
from ledger.web import html
from ledger.web.models import PoolStatus, RegisterRequest, RegisterResponse, TransactionPage
from ledger.web.service import LedgerService
from medcred.errors import AuthenticationError, InvalidInputError
from medcred.web import API_KEY_HEADER, secrets_match

router = APIRouter()


def get_service(request: Request) -> LedgerService:
    service: LedgerService = request.app.state.service
    return service


Service = Annotated[LedgerService, Depends(get_service)]


def _ledger(name: str) -> LedgerName:
    try:
        return LedgerName(name)
    except ValueError:
        raise InvalidInputError(f"unknown ledger {name!r}: use domain, pool or config") from None


def _wants_html(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        if fmt not in ("json", "html"):
            raise InvalidInputError("format must be json or html")
        return fmt == "html"
    return "text/html" in request.headers.get("accept", "")


@router.get("/health", tags=["pool"])
async def health() -> dict[str, str]:
    """The web server is up (the pool's own readiness is /status)."""
    return {"status": "ok"}


@router.get("/genesis", response_class=PlainTextResponse, tags=["pool"])
async def genesis(request: Request) -> PlainTextResponse:
    """The pool's genesis transactions, one JSON object a line (what agents need to connect)."""
    return PlainTextResponse(request.app.state.genesis_path.read_text())


@router.get("/status", tags=["pool"])
async def status(service: Service) -> PoolStatus:
    """Whether the pool is ready, and each validator's own account of itself."""
    return await service.status()


async def register_allowed(request: Request) -> None:
    """POST /register writes with the trustee's key: it takes the ledger's API key unless opened."""
    if request.app.state.register_open:
        return
    if not secrets_match(request.headers.get(API_KEY_HEADER), request.app.state.register_key):
        raise AuthenticationError(f"POST /register needs the ledger's {API_KEY_HEADER}")


@router.post("/register", tags=["identities"], dependencies=[Depends(register_allowed)])
async def register(body: RegisterRequest, service: Service) -> RegisterResponse:
    """Write a NYM signed by the trustee (role ENDORSER unless told otherwise); idempotent."""
    return await service.register(body)


@router.get("/ledger/{ledger_name}", tags=["browser"], response_model=TransactionPage)
async def ledger_page(
    ledger_name: str, service: Service, request: Request,
    page: int = 1,
    page_size: int = 10,
    format: Annotated[str | None, Query()] = None,  # von-network's parameter name
) -> Response | TransactionPage:
    """A page of a ledger's transactions, oldest first (JSON, or HTML for a browser)."""
    result = await service.page(_ledger(ledger_name), page, page_size)
    return HTMLResponse(html.transactions_page(result)) if _wants_html(request, format) else result


@router.get("/ledger/{ledger_name}/{seq_no}", tags=["browser"], response_model=None)
async def ledger_transaction(
    ledger_name: str, seq_no: int, service: Service, request: Request,
    format: Annotated[str | None, Query()] = None,
) -> Response | dict[str, object]:
    """One transaction by its sequence number."""
    which = _ledger(ledger_name)
    txn = await service.transaction(which, seq_no)
    return HTMLResponse(html.transaction_page(which, seq_no, txn)) if _wants_html(request, format) else txn
