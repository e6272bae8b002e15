"""The one way into an agent's admin API: authentication, and the translation of every failure.

`AdminTransport.request()` sends the admin key (and, for a multitenant sub-wallet, its bearer token)
and turns whatever goes wrong into the project's errors:

    refused, connection dropped, 503      -> AgentUnavailableError (503 + Retry-After: down or restarting)
    504                                   -> AgentUnavailableError too: a step inside the agent timed out
                                             (an Askar session, a ledger read: busy, e.g. after a restart)
    timed out, not JSON, other failures   -> AgentError
    401                                   -> AuthenticationError (our key or the tenant's token)
    404                                   -> NotFoundError
    other 4xx                             -> AgentRejectedError, with the agent's status
    5xx                                   -> AgentError

Error messages carry the method, the path and the agent's own (truncated) text; never the key, a
token, or a request body. Nothing here is logged above debug level, and then only method, path, status.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from medcred.errors import (
    AgentError,
    AgentRejectedError,
    AgentUnavailableError,
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
)

__all__ = ["AdminTransport", "Secret", "reveal", "segment"]

log = logging.getLogger(__name__)

MAX_ERROR_TEXT = 200
# The agent is not there (or not yet listening, or gone mid-call): it is down or being restarted.
_AGENT_AWAY = (httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)

type Secret = str | SecretStr


def reveal(secret: Secret) -> str:
    """The plain value of a secret given either way."""
    return secret.get_secret_value() if isinstance(secret, SecretStr) else secret


def segment(value: str) -> str:
    """An id made safe as one path segment (no `/`, `?`, `#`, no `..`): ids often come from callers."""
    if value in ("", ".", ".."):
        raise InvalidInputError(f"not a usable identifier: {value!r}")
    return quote(value, safe=":")


# ACA-Py answers every list call (`limit` is always set) with an Askar scan, which takes a second pool
# connection while the request's session holds its first: as many list calls at once as the agent's
# pool has connections (`medcred.database.MAX_CONNECTIONS` on PostgreSQL) all wait for a second one
# until Askar gives up after 30 s (seen in the fault test on PostgreSQL, CI 2026-12-07: 8 lists of 8
# connections, 7 answered 500). A controller instance keeps its own list calls to an agent below that.
LISTS_AT_ONCE = 4


class AdminTransport:
    """One `httpx.AsyncClient` to one agent. Use `async with`, or `open()` and `aclose()`."""

    def __init__(
        self,
        base_url: str,
        api_key: Secret,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_after: int = 5,
    ) -> None:
        """`retry_after`: the seconds an `AgentUnavailableError` tells callers to wait before trying again."""
        self.base_url = base_url.rstrip("/")
        self._api_key = SecretStr(reveal(api_key))
        self._timeout = timeout
        self.retry_after = retry_after
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._token: SecretStr | None = None
        self._owner = True
        self.lists = asyncio.Semaphore(LISTS_AT_ONCE)  # shared with the tenant views: see LISTS_AT_ONCE

    async def open(self) -> Self:
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self._timeout, transport=self._transport)
        return self

    async def aclose(self) -> None:
        if self._owner and self._client is not None:
            await self._client.aclose()
        self._client = None

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def for_tenant(self, token: Secret) -> Self:
        """A view whose calls act on one sub-wallet; it shares this client's connections (open it first)."""
        if self._client is None:
            raise ConfigurationError("open the admin client before making tenant views of it")
        view = type(self)(
            self.base_url, self._api_key, timeout=self._timeout, transport=self._transport, retry_after=self.retry_after
        )
        view._client, view._token, view._owner = self._client, SecretStr(reveal(token)), False
        view.lists = self.lists
        return view

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        token: Secret | None = None,
    ) -> Any:
        """Call the admin API; the parsed JSON answer (None for an empty body). `None` params are left out."""
        if self._client is None:
            raise ConfigurationError("admin client used before open()")
        headers = {"X-API-Key": self._api_key.get_secret_value()}
        bearer = reveal(token) if token is not None else (self._token.get_secret_value() if self._token else "")
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in (params or {}).items() if v is not None}
        try:
            response = await self._client.request(method, path, json=json, params=query, headers=headers)
        except _AGENT_AWAY as exc:
            raise AgentUnavailableError(
                f"the agent at {self.base_url} is down or restarting ({type(exc).__name__} on {method} {path}): "
                f"try again in {self.retry_after} s", self.retry_after,
            ) from exc
        except httpx.TimeoutException as exc:
            raise AgentError(f"agent at {self.base_url} timed out on {method} {path}") from exc
        except httpx.HTTPError as exc:
            raise AgentError(f"agent at {self.base_url} unreachable on {method} {path}: {exc}") from exc
        log.debug("%s %s -> %s", method, path, response.status_code)
        if not response.is_success:
            raise _translate(method, path, response, self.retry_after)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise AgentError(f"agent answered {method} {path} with something not JSON") from exc


def _translate(
    method: str, path: str, response: httpx.Response, retry_after: int
) -> AgentError | AuthenticationError | NotFoundError:
    status = response.status_code
    text = " ".join(response.text.split())
    text = text if len(text) <= MAX_ERROR_TEXT else text[:MAX_ERROR_TEXT] + "..."
    if status == 401:
        return AuthenticationError(f"agent refused our API key or token on {method} {path}: {text}")
    message = f"agent answered {method} {path} with {status}: {text}"
    if status == 404:
        return NotFoundError(message)
    if 400 <= status < 500:
        return AgentRejectedError(message, agent_status=status)
    if status == 503:  # ACA-Py's answer while it starts
        return AgentUnavailableError(f"{message} (starting: try again in {retry_after} s)", retry_after)
    if status == 504:  # aiohttp's answer when the handler timed out (an Askar session, a ledger read)
        return AgentUnavailableError(f"{message} (it timed out inside, busy: try again in {retry_after} s)",
                                     retry_after)  # fmt: skip
    return AgentError(message)
