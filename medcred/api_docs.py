"""What a medcred controller's OpenAPI document says about errors: one body, and which statuses.

    router = APIRouter(prefix="/x", dependencies=[Depends(staff_only)])
    @router.get("/{x_id}", responses=errors(404, 502))
    ...
    document_errors(app)

Every error answer of the one handler in `medcred.web` is `ErrorBody`, `{"detail": "<what is wrong>"}`.
A route declares the errors of its own (`errors(404, 409, 502)`), each with that body and a meaning;
`document_errors(app)` adds, once for the whole app, what every operation shares: 401 for an operation
that needs a key or a token (it names a security scheme), and 503 with `Retry-After` too (its agent is
down or restarting: `AgentUnavailableError`); 400 and 413 for one with a body (a body that cannot be
read, not UTF-8 say, FastAPI's own 400 in the same shape; a JSON body nested too deep, 400, or too large,
413: `medcred.web.BodyLimits`); and 422 for one that takes input, in place of FastAPI's list-shaped
validation error, which the handler never answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

__all__ = ["ErrorBody", "document_errors", "errors"]


class ErrorBody(BaseModel):
    """Every error answer: what is wrong, in words (never the submitted values)."""

    detail: str


type Responses = dict[int | str, dict[str, Any]]

MEANINGS: dict[int | str, str] = {
    400: "malformed input",
    401: "missing or wrong key or token",
    403: "authenticated, but not allowed",
    404: "no such resource",
    409: "conflicts with the resource's state",
    410: "erased at the patient's request",
    413: "the request body is too large",
    422: "invalid input: each field's place and problem",
    502: "the agent, the ledger or a service called on the way failed",
    503: "not ready yet, or its agent is down for now: retry after `Retry-After` seconds",
    504: "an awaited state never came",
    "4XX": "a called service's own refusal, passed on with its status",
}

_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}}


def errors(*statuses: int | str, **meanings: str) -> Responses:
    """The responses of `statuses` with the error body; `meanings` (`e404="no such share"`) say more
    than the shared meaning of a status for this route."""
    return {
        status: {"model": ErrorBody, "description": meanings.get(f"e{status}", MEANINGS[status])}
        for status in statuses
    }


def _shared_errors(document: dict[str, Any]) -> None:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                responses.setdefault("401", {"description": MEANINGS[401], "content": _BODY})
                responses.setdefault("503", {"description": MEANINGS[503], "content": _BODY, "headers": _RETRY_AFTER})
            if operation.get("requestBody"):
                responses.setdefault("400", {"description": MEANINGS[400], "content": _BODY})
                responses.setdefault("413", {"description": MEANINGS[413], "content": _BODY})
            if operation.get("parameters") or operation.get("requestBody"):
                responses["422"] = {"description": MEANINGS[422], "content": _BODY}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema()
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def document_errors(app: FastAPI) -> None:
    """Make `app`'s OpenAPI document say the errors every operation shares (see the module's docstring)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()  # FastAPI's own, made once and kept in app.openapi_schema
        _shared_errors(document)  # idempotent
        return document

    app.openapi = openapi  # type: ignore[method-assign]
