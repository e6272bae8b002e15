"""HTTP conventions shared by every medcred web app: one error handler, bounded bodies, constant-time API keys.

Every app calls `install_error_handlers(app)`; routes then raise `MedcredError`s and never build
error responses themselves. Every error answer is `{"detail": "<what is wrong>"}` (`medcred.api_docs.
ErrorBody`), a request that fails validation too (422: each field's place and problem, never its value).
Anything unexpected becomes a 500 whose body says nothing internal.

The same call bounds every JSON request body (`application/json`, `application/*+json`, or no content
type, which the routes that read a body themselves take as JSON) before any route sees it: larger than
the app's limit -> 413, nested deeper than `medcred.bounded_json.MAX_DEPTH` -> 400, each saying so; and
in an app with pages, every form body (urlencoded or multipart) larger than `max_form_bytes` -> 413.
Routes that read a body themselves use `read_body` (the same size bound, for any content type) and
`medcred.bounded_json.loads`.

API keys travel in `X-API-Key`; each kind of key is a security scheme of its own in the OpenAPI
document (`STAFF_KEY`, `PORTAL_KEY`, `WEBHOOK_KEY`), so that `/docs` can send it, and every check of one
is a dependency made by `api_key_check(scheme, key_of)`. A patient's token travels as
`Authorization: Bearer` (`PATIENT_TOKEN`; `BearerToken` takes it, None when missing).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medcred.bounded_json import MAX_BODY_BYTES, MAX_DEPTH, nesting_problem
from medcred.errors import AgentUnavailableError, AuthenticationError, MedcredError, PayloadTooLargeError

log = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"

# The key a check expects, read from the request (its app's state, say) when it comes.
type KeyOf = Callable[[Request], SecretStr | str]
type KeyCheck = Callable[..., Awaitable[None]]


def _key_scheme(name: str, description: str) -> APIKeyHeader:
    return APIKeyHeader(name=API_KEY_HEADER, scheme_name=name, description=description, auto_error=False)


STAFF_KEY = _key_scheme("StaffKey", "The service's staff API key")
PORTAL_KEY = _key_scheme("PortalKey", "The hospital's patient-portal key, held by the patients' wallet service")
WEBHOOK_KEY = _key_scheme("WebhookKey", "The key the controller gave its agent for webhooks (`--webhook-url URL#KEY`)")

PATIENT_TOKEN = HTTPBearer(scheme_name="PatientToken", description="The patient's token (POST /patients)",
                           auto_error=False)  # fmt: skip


def api_key_check(scheme: APIKeyHeader, key_of: KeyOf) -> KeyCheck:
    """The dependency admitting only requests whose `X-API-Key` (in the OpenAPI document: `scheme`) is
    `key_of(request)`, compared in constant time; 401 otherwise."""

    # The scheme is the parameter's default, not in an `Annotated` type: under `from __future__ import
    # annotations` FastAPI resolves a type from the module's globals, where this closure's `scheme` is not.
    async def require_key(request: Request, given: str | None = Security(scheme)) -> None:
        expected = key_of(request)
        check_api_key(given, expected.get_secret_value() if isinstance(expected, SecretStr) else expected)

    return require_key


async def _bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(PATIENT_TOKEN)],
) -> str | None:
    return credentials.credentials if credentials is not None else None


# The request's bearer token (`Authorization: Bearer <token>`), None when missing or not a bearer one.
BearerToken = Annotated[str | None, Depends(_bearer_token)]


# An app with web pages answers a page's errors as a page: `app.state.error_page(request, status, detail)`
# is that page, or None for a request that is no page's (it then gets the API's JSON answer).
ErrorPage = Callable[[Request, int, str], Response | None]


def _error_page(request: Request, status: int, detail: str) -> Response | None:
    error_page: ErrorPage | None = getattr(request.app.state, "error_page", None)
    return error_page(request, status, detail) if error_page is not None else None


def install_error_handlers(app: FastAPI, *, max_json_bytes: int = MAX_BODY_BYTES,
                           max_form_bytes: int | None = None) -> None:  # fmt: skip
    """The one error handler of the app, and the bounds of its JSON request bodies (and of its form bodies,
    given `max_form_bytes`: an app with pages; an app that streams uploads of its own, such as the tails
    server, bounds them itself)."""
    app.add_middleware(BodyLimits, max_bytes=max_json_bytes, max_form_bytes=max_form_bytes)

    @app.exception_handler(MedcredError)
    async def _medcred_error(request: Request, exc: MedcredError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
        if isinstance(exc, AgentUnavailableError):
            headers["Retry-After"] = str(exc.retry_after)
        page = _error_page(request, exc.status_code, exc.message)
        if page is not None:
            page.headers.update({name: value for name, value in headers.items() if name == "Retry-After"})
            return page
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        # Say which field is wrong and why, but never echo the submitted value (it may be health data).
        detail = validation_detail(exc.errors())
        return _error_page(request, 422, detail) or JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Starlette's own answers (no such route, a method not allowed) in the same shape.
        page = _error_page(request, exc.status_code, str(exc.detail))
        if page is not None:
            return page
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        page = _error_page(request, 500, "internal error")
        return page or JSONResponse({"detail": "internal error"}, status_code=500)


FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data")
MAX_FORM_BYTES = 12 * 1024 * 1024  # a page's form: a phone's photo of a QR code, a record to upload


def _kind(scope: Scope) -> str:
    """"json", "form" or "other": which bound a request's body gets."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            essence = bytes(value).split(b";", 1)[0].strip().lower()
            if essence == b"application/json" or (essence.startswith(b"application/") and essence.endswith(b"+json")):
                return "json"
            return "form" if essence in FORM_TYPES else "other"
    return "json"  # no content type: routes that read the body themselves take it as JSON


class BodyLimits:
    """ASGI middleware: a JSON request body larger than `max_bytes` is a 413, one nested deeper than
    `max_depth` a 400; a form's (a page's: urlencoded or multipart) larger than `max_form_bytes` a 413
    too, before the form parser spools any of it to disk. Other bodies reach the app untouched (routes
    reading them bound them with `read_body`); a bounded body is replayed from memory."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_DEPTH,
                 max_form_bytes: int | None = None) -> None:  # fmt: skip
        self.app, self.max_bytes, self.max_depth, self.max_form_bytes = app, max_bytes, max_depth, max_form_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = _kind(scope) if scope["type"] == "http" else "other"
        if kind == "other" or (kind == "form" and self.max_form_bytes is None):
            await self.app(scope, receive, send)
            return
        try:
            limit = self.max_form_bytes if kind == "form" and self.max_form_bytes else self.max_bytes
            body = await _read(scope, receive, limit)
            if body is None:  # the client went away: nothing to answer
                return
            checked = body and kind == "json"
            problem = nesting_problem(body, what="the request body", max_depth=self.max_depth) if checked else None
        except PayloadTooLargeError as exc:
            await JSONResponse({"detail": exc.message}, status_code=413)(scope, receive, send)
            return
        if problem is not None:
            await JSONResponse({"detail": problem}, status_code=400)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _read(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole request body, refused (413) as soon as it is declared or grows longer than `limit`;
    None if the client went away first."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise PayloadTooLargeError(f"the request body is {int(value)} bytes; the limit is {limit}")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"the request body is over the limit of {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is longer than `limit` bytes (nothing kept)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"the request body is {declared} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"the request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def validation_detail(errors: Sequence[Any]) -> str:
    """Pydantic's errors as one line, `body.field: problem; query.wait: problem`, without the values."""
    problems = []
    for error in errors:
        place = ".".join(str(part) for part in error.get("loc", ())) or "request"
        problems.append(f"{place}: {error.get('msg', 'invalid')}")
    return "; ".join(problems) or "invalid request"


def secrets_match(given: str | None, expected: str) -> bool:
    """Compare secrets in constant time; a missing value never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def check_api_key(given: str | None, expected: str) -> None:
    """401 unless `given` (the request's `X-API-Key`) is `expected`, compared in constant time."""
    if not secrets_match(given, expected):
        raise AuthenticationError(f"missing or wrong {API_KEY_HEADER} header")
