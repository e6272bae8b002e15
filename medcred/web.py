"""HTTP conventions shared by every medcred web app: one error handler, constant-time API keys.

Every app calls `install_error_handlers(app)`; routes then raise `MedcredError`s and never build
error responses themselves. Every error answer is `{"detail": "<what is wrong>"}` (`medcred.api_docs.
ErrorBody`), a request that fails validation too (422: each field's place and problem, never its value).
Anything unexpected becomes a 500 whose body says nothing internal.

API keys travel in `X-API-Key`; each kind of key is a security scheme of its own in the OpenAPI
document (`STAFF_KEY`, `PORTAL_KEY`, `WEBHOOK_KEY`), so that `/docs` can send it.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import FastAPI, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

from medcred.errors import AuthenticationError, MedcredError

log = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"



def _key_scheme(name: str, description: str) -> APIKeyHeader:
    return APIKeyHeader(name=API_KEY_HEADER, scheme_name=name, description=description, auto_error=False)


STAFF_KEY = _key_scheme("StaffKey", "The service's staff API key")
PORTAL_KEY = _key_scheme("PortalKey", "The hospital's patient-portal key, held by the patients' wallet service")
WEBHOOK_KEY = _key_scheme("WebhookKey", "The key the controller gave its agent for webhooks (`--webhook-url URL#KEY`)")

# A dependency's parameter that takes the key of a scheme (None when missing); `check_api_key` checks it.
StaffKeyHeader = Annotated[str | None, Security(STAFF_KEY)]
PortalKeyHeader = Annotated[str | None, Security(PORTAL_KEY)]
WebhookKeyHeader = Annotated[str | None, Security(WEBHOOK_KEY)]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MedcredError)
    async def _medcred_error(_: Request, exc: MedcredError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # Say which field is wrong and why, but never echo the submitted value (it may be health data).
        return JSONResponse({"detail": validation_detail(exc.errors())}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)


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
