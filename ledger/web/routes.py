"""HTTP routes of the ledger web server. Thin: parse, call the service, answer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from pydantic import ValidationError

from ledger.client import LedgerName
from ledger.web import html
from ledger.web.models import PoolStatus, RegisterRequest, RegisterResponse, TransactionPage
from ledger.web.service import LedgerService
from medcred.errors import AuthenticationError, InvalidInputError, MedcredError
from medcred.web import API_KEY_HEADER, read_body, secrets_match, validation_detail

router = APIRouter()

STATIC = Path(__file__).resolve().parent / "static"
FORM_MAX_BYTES = 4096  # the register form's fields are at most ~600 bytes
_FORM_FIELDS = ("api_key", "seed", "did", "verkey", "alias", "role")


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


@router.get("/", response_class=HTMLResponse, tags=["browser"])
async def landing(request: Request, service: Service) -> HTMLResponse:
    """The landing page: each validator's state, links to the genesis and the browser, a form to register a DID."""
    return HTMLResponse(html.landing_page(await service.status(), request.app.state.register_open))


@router.get("/ledger.css", include_in_schema=False)
async def stylesheet() -> FileResponse:
    return FileResponse(STATIC / "ledger.css", media_type="text/css")


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


def _form(body: bytes) -> dict[str, str]:
    """The register form's fields (urlencoded, each at most once, empty ones left out)."""
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=False, strict_parsing=False, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise InvalidInputError("the form is not a urlencoded UTF-8 form") from None
    unknown = sorted(set(fields) - set(_FORM_FIELDS))
    if unknown:
        raise InvalidInputError(f"unknown form fields: {', '.join(unknown)}")
    if any(len(values) > 1 for values in fields.values()):
        raise InvalidInputError("a form field was given twice")
    return {name: values[0].strip() for name, values in fields.items() if values[0].strip()}


@router.post("/register/form", response_class=HTMLResponse, tags=["identities"])
async def register_from_form(request: Request, service: Service) -> HTMLResponse:
    """The landing page's form: as POST /register, with the API key a field of the posted form (never in a URL).
    Answers an HTML page: the DID registered, or what is wrong (with the error's status)."""
    try:
        if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
            raise InvalidInputError("post the form as application/x-www-form-urlencoded")
        fields = _form(await read_body(request, FORM_MAX_BYTES))
        given_key = fields.pop("api_key", None)
        if not request.app.state.register_open and not secrets_match(given_key, request.app.state.register_key):
            raise AuthenticationError("that is not the ledger's API key")
        try:
            body = RegisterRequest.model_validate(fields)
        except ValidationError as exc:
            raise InvalidInputError(validation_detail(exc.errors())) from None
        result = await service.register(body)
    except MedcredError as exc:
        return HTMLResponse(html.problem_page(exc.message), status_code=exc.status_code)
    return HTMLResponse(html.registered_page(result))
