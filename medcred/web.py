"""HTTP conventions shared by every medcred web app: one error handler, constant-time API keys.

Every app calls `install_error_handlers(app)`; routes then raise `MedcredError`s and never build
error responses themselves. Anything unexpected becomes a 500 whose body says nothing internal.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from medcred.errors import AgentUnavailableError, AuthenticationError, MedcredError

log = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MedcredError)
    async def _medcred_error(_: Request, exc: MedcredError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
        if isinstance(exc, AgentUnavailableError):
            headers["Retry-After"] = str(exc.retry_after)
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # Say which field is wrong and why, but never echo the submitted value (it may be health data).
        problems = [
            {"loc": list(error.get("loc", ())), "msg": error.get("msg", "invalid")} for error in exc.errors()
        ]
        return JSONResponse({"detail": problems}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)


def secrets_match(given: str | None, expected: str) -> bool:
    """Compare secrets in constant time; a missing value never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def require_api_key(expected: Callable[[], str]) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency that admits only requests whose `X-API-Key` matches `expected()`."""

    async def dependency(request: Request) -> None:
        if not secrets_match(request.headers.get(API_KEY_HEADER), expected()):
            raise AuthenticationError(f"missing or wrong {API_KEY_HEADER} header")

    return dependency
