"""The revocation tails server: the routes of bcgov/indy-tails-server, which ACA-Py uploads to.

    PUT /hash/{tails_hash}   multipart field `tails`; 400 if the file's hash is not the name, 409 if present
    GET /hash/{tails_hash}   the file (application/octet-stream), 404 if absent
    PUT /{rev_reg_id}        multipart field `tails` (ACA-Py also sends `genesis`, which is ignored)
    GET /{rev_reg_id}        the file uploaded under that registry id
    GET /health              {"status": "ok"}

There is no authentication on PUT: ACA-Py uploads tails files without credentials, and tails files are
public by design (every holder downloads them). The protection is content addressing (a file's name is
the hash of its bytes, checked on upload), a size limit enforced while the body is read, strict name
validation, and no overwrite: a stored file never changes, so an upload can only add a new file.
File contents are never logged.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import FileResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import Message, Receive

from ledger.tails.settings import MIB, TailsSettings
from ledger.tails.store import TailsStore, check_rev_reg_id, check_tails_hash
from medcred.errors import InvalidInputError, PayloadTooLargeError
from medcred.web import install_error_handlers

FIELD = "tails"
_CHUNK = 64 * 1024
_TEXT_FIELD_BYTES = 256 * 1024  # a text part such as ACA-Py's `genesis` (a few KB in practice)
_FORM_OVERHEAD = MIB  # boundaries, part headers and text parts around the file

router = APIRouter(tags=["tails"])


def _store(request: Request) -> TailsStore:
    store: TailsStore = request.app.state.store
    return store


def _max_file_bytes(request: Request) -> int:
    settings: TailsSettings = request.app.state.settings
    return settings.max_file_bytes


StoreDep = Annotated[TailsStore, Depends(_store)]
LimitDep = Annotated[int, Depends(_max_file_bytes)]


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(f"a tails file may be at most {limit} bytes")


def _capped(receive: Receive, cap: int, limit: int) -> Receive:
    """`receive`, raising `PayloadTooLargeError` once the body passes `cap` bytes (even if chunked)."""
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                raise _too_large(limit)
        return message

    return capped


async def read_upload(request: Request, limit: int) -> bytes:
    """The bytes of the multipart file field `tails`, at most `limit` of them, else 413.

    The body is refused early when its Content-Length is too large, and capped while it streams in;
    the file part is then read in chunks, stopping as soon as it passes `limit`.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _FORM_OVERHEAD:
        raise _too_large(limit)
    bounded = Request(request.scope, _capped(request.receive, limit + _FORM_OVERHEAD, limit))
    async with bounded.form(max_files=1, max_fields=2, max_part_size=_TEXT_FIELD_BYTES) as form:
        upload = form.get(FIELD)
        if not isinstance(upload, UploadFile):
            raise InvalidInputError(f"expected a multipart/form-data body with a file field named '{FIELD}'")
        chunks: list[bytes] = []
        size = 0
        while chunk := await upload.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
    return b"".join(chunks)


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.put("/hash/{tails_hash}", response_class=PlainTextResponse)
async def put_by_hash(tails_hash: str, request: Request, store: StoreDep, limit: LimitDep) -> str:
    """Store a tails file under its hash; answers the hash, as bcgov's server does."""
    check_tails_hash(tails_hash)
    data = await read_upload(request, limit)
    await run_in_threadpool(store.put_by_hash, tails_hash, data)
    return tails_hash


@router.get("/hash/{tails_hash}", response_class=FileResponse)
async def get_by_hash(tails_hash: str, store: StoreDep) -> FileResponse:
    return FileResponse(store.get_by_hash(tails_hash), media_type="application/octet-stream")


@router.put("/{rev_reg_id}", response_class=PlainTextResponse)
async def put_by_rev_reg_id(rev_reg_id: str, request: Request, store: StoreDep, limit: LimitDep) -> str:
    """Store a tails file under its registry id; answers its hash.

    bcgov's server looks the registry up on the ledger (with the `genesis` field) and checks the file
    against its `tailsHash`. This server has no ledger access, so it stores the file as given; a holder
    still checks the hash against the ledger before using the file.
    """
    check_rev_reg_id(rev_reg_id)
    data = await read_upload(request, limit)
    return await run_in_threadpool(store.put_by_rev_reg_id, rev_reg_id, data)


@router.get("/{rev_reg_id}", response_class=FileResponse)
async def get_by_rev_reg_id(rev_reg_id: str, store: StoreDep) -> FileResponse:
    return FileResponse(store.get_by_rev_reg_id(rev_reg_id), media_type="application/octet-stream")


def create_app(settings: TailsSettings | None = None) -> FastAPI:
    """The tails server app, storing files under `settings.resolved_storage_dir()`."""
    settings = settings or TailsSettings()
    app = FastAPI(title="medcred tails server", summary="Revocation tails files for ACA-Py")
    app.state.settings = settings
    app.state.store = TailsStore(settings.resolved_storage_dir())
    install_error_handlers(app)
    app.include_router(router)
    return app
