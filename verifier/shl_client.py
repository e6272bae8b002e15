"""The clinic's HTTP client of SMART Health Link hosts: one `httpx.AsyncClient`, opened in the lifespan.

    client = ShlClient(ShareHosts(allowed=settings.share_allowed_origins, own=settings.own_origins()))
    await client.open()
    manifest = await client.manifest(link.url, recipient="Riverside Clinic", passcode=None)
    jwe = await client.file(location)
    items = await client.proofs(link.url, ticket)

Whatever a link names is untrusted: only http(s) URLs without user names or passwords are fetched, only
on hosts `verifier.share_hosts` admits (never this service's own, nor a private address unless allowed),
each call to the address checked; never a redirect, every answer read up to a size limit, every call
bounded by a timeout. The host's refusals become the project's errors with its status, and never with
its words: only a reason from the SMART Health Link vocabulary medcred's hospital speaks (`share
revoked`, `wrong passcode`...) is named; anything else reads "the share's host refused the link (HTTP n)".

    404 (no such share, revoked, expired, already used, locked)  -> NotFoundError
    401 wrong passcode                                           -> AuthenticationError, with remainingAttempts
    410 erased                                                   -> RecordErasedError
    400 / 422 / 409 / 413; any other 4xx                         -> the same status
    unreachable, timed out, 3xx, 5xx, too large, not JSON        -> ShareHostError (502)
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from medcred.bounded_json import loads
from medcred.errors import (
    AuthenticationError,
    InvalidInputError,
    MedcredError,
    UpstreamError,
    UpstreamRejectedError,
    upstream_rejection,
)
from medcred.shl import ManifestRequest
from verifier.share_hosts import ShareHosts

__all__ = ["MAX_FILE_BYTES", "ShareHostError", "ShareHostRejectedError", "ShlClient", "url_problem"]

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024  # one JWE (a 10 MiB PDF inside a DocumentReference is ~18 MiB)
MAX_JSON_BYTES = 4 * 1024 * 1024  # a manifest or a list of proofs
# The hospital's reasons a clinic may be told (issuer/sharing/access.py): a fixed vocabulary, so that a host
# can never make the clinic repeat its words (nor a probe of an internal service read its answers).
KNOWN_REASONS = (
    re.compile(r"no such share|no such file in this share|share revoked|share expired|share already used"),
    re.compile(r"share locked after too many wrong passcodes|erased|wrong passcode"),
    re.compile(r"the ticket is missing, invalid or expired: fetch the manifest again"),
    re.compile(r"record [0-9a-f-]{36} (failed its integrity check|has no record\.stored entry in the audit trail)"),
)


class ShareHostError(UpstreamError):
    """The link's host failed: unreachable, timed out, a 5xx, an answer too large or malformed (502)."""


class ShareHostRejectedError(UpstreamRejectedError):
    """A 4xx of the link's host with no class of its own in the error tree: passed on with its status."""


def url_problem(url: str) -> str | None:
    """Why a URL a link or a manifest gives may not be fetched, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) URL"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "must not carry a user name or password"
    return None


def _body(content: bytes) -> Any:
    try:
        return loads(content, what="the answer")
    except InvalidInputError:  # not JSON, or nested too deeply
        return None


def _json(content: bytes, what: str) -> Any:
    body = _body(content)
    if body is None:
        raise ShareHostError(f"the share's host answered {what} with something not JSON")
    return body


def known_reason(content: bytes) -> str | None:
    """The host's reason (`{"detail": ...}`) if it is one of the hospital vocabulary's, else None."""
    body = _body(content)
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str) and any(reason.fullmatch(detail) for reason in KNOWN_REASONS):
        return detail
    return None


def refusal(status: int, content: bytes) -> MedcredError:
    """The project's error for a host's answer that is not a success: its status, never its words."""
    detail = known_reason(content) or f"the share's host refused the link (HTTP {status})"
    if status == 401:
        body = _body(content)
        left = body.get("remainingAttempts") if isinstance(body, dict) else None
        suffix = f" (remainingAttempts: {left})" if isinstance(left, int) and not isinstance(left, bool) else ""
        return AuthenticationError(f"{detail}{suffix}")
    if 400 <= status < 500:
        error = upstream_rejection(status, detail)
        return ShareHostRejectedError(detail, status) if isinstance(error, UpstreamRejectedError) else error
    if 300 <= status < 400:
        return ShareHostError(f"the share's host answered with a redirect (HTTP {status}): not followed")
    return ShareHostError(f"the share's host failed (HTTP {status})")


class ShlClient:
    def __init__(
        self, hosts: ShareHosts, *, timeout: float = 30.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._hosts = hosts
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, transport=self._transport, follow_redirects=False)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def manifest(self, url: str, *, recipient: str, passcode: str | None) -> Any:
        """POST the manifest request; the host's JSON answer."""
        body = ManifestRequest(recipient=recipient, passcode=passcode).model_dump(by_alias=True, exclude_none=True)
        return _json(await self._fetch("POST", url, MAX_JSON_BYTES, json=body), "the manifest request")

    async def file(self, location: str) -> str:
        """GET one encrypted file (JWE compact)."""
        data = await self._fetch("GET", location, MAX_FILE_BYTES)
        try:
            return data.decode("ascii")
        except UnicodeDecodeError:
            raise InvalidInputError("the file is not JWE compact text") from None

    async def proofs(self, url: str, ticket: str) -> Any:
        """GET the integrity proofs of a share's files."""
        proofs_url = f"{url.rstrip('/')}/proofs"
        return _json(await self._fetch("GET", proofs_url, MAX_JSON_BYTES, params={"ticket": ticket}), "GET proofs")

    async def _fetch(self, method: str, url: str, limit: int, **kwargs: Any) -> bytes:
        """The body of a successful answer, read up to `limit` bytes; the project's error otherwise."""
        if self._client is None:
            raise MedcredError("the share client is used before the app started")
        if problem := url_problem(url):
            raise InvalidInputError(f"a URL of the share {problem}")
        what = f"{method} {urlsplit(url).path or '/'}"
        target = await self._hosts.pin(url)  # InvalidInputError if the host is refused
        too_large = ShareHostError(f"the share's host answered {what} with more than {limit} bytes")
        try:
            async with self._client.stream(method, target.url, headers={"Host": target.host_header},
                                           extensions=target.extensions, **kwargs) as response:  # fmt: skip
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise too_large
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise too_large
                    chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise ShareHostError(f"the share's host did not answer {what} within {self._timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise ShareHostError(f"the share's host is unreachable ({type(exc).__name__}) on {what}") from exc
        log.debug("%s -> %s (%d bytes)", what, response.status_code, size)
        content = b"".join(chunks)
        if not response.is_success:
            raise refusal(response.status_code, content)
        return content
