"""The hospital's patient portal as the wallet calls it: one `httpx.AsyncClient`, opened in the lifespan.

    portal = HospitalPortal(settings.hospital_url, settings.hospital_portal_key)
    await portal.open()
    hospital = await portal.hospital_did()          # the public DID the hospital's invitations name
    answer = await portal.call("GET", connection, "records")
    await portal.aclose()

A patient is named to the hospital by their wallet's connection to it: its two DIDs (`ConnectionDids`,
as the wallet sees them, sent as `X-Patient-DID` and `X-Hospital-DID`), which only the two ends have
(`holder.records` finds the connection). Every call carries the portal key (`X-API-Key`); failures
become the project's errors at this boundary:

    unreachable, timed out, 5xx, not JSON   -> HospitalError (502)
    401 / 403 (the portal refused OUR key)  -> HospitalError (502): a fault of this wallet, not the patient's
    other 4xx                               -> the same status with the hospital's own detail
                                               (400, 404, 409, 410 erased, 413, 422; others as they come)
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from pydantic import SecretStr

from agents.admin_transport import segment
from agents.connections import ConnectionDids
from medcred.errors import (
    ConfigurationError,
    MedcredError,
    UpstreamError,
    UpstreamRejectedError,
    upstream_rejection,
)
from medcred.identifiers import IndyDid

__all__ = ["HospitalError", "HospitalPortal", "HospitalRejectedError"]

log = logging.getLogger(__name__)

MAX_DETAIL = 300


class HospitalError(UpstreamError):
    """The hospital's portal failed this wallet: unreachable, a 5xx, our key refused, or a malformed answer."""


class HospitalRejectedError(UpstreamRejectedError):
    """A 4xx of the hospital with no class of its own in the error tree: passed through with its status."""


def hospital_detail(response: httpx.Response) -> str:
    """The hospital's own reason (`{"detail": ...}`), shortened; never the request."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list):  # FastAPI's validation errors: where and why, no values
        detail = "; ".join(
            f"{'.'.join(str(part) for part in item.get('loc', []))}: {item.get('msg', 'invalid')}"
            for item in detail if isinstance(item, dict)
        )  # fmt: skip
    text = " ".join(str(detail if detail else response.reason_phrase or response.status_code).split())
    return text if len(text) <= MAX_DETAIL else text[:MAX_DETAIL] + "..."


class HospitalPortal:
    def __init__(
        self,
        base_url: str,
        portal_key: SecretStr | None,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = portal_key
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._hospital: tuple[IndyDid, str] | None = None

    async def open(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self._timeout, transport=self._transport)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def hospital(self) -> tuple[IndyDid, str]:
        """The hospital's public DID (its nym) and its name, as its portal says them: asked once, then kept.
        The wallet's own configuration names the portal, so this, unlike a DID's label in an invitation, is
        who the hospital is."""
        if self._hospital is None:
            answer = await self._request("GET", "/portal/hospital", "GET /portal/hospital")
            did = IndyDid.parse(answer.get("did") if isinstance(answer, dict) else None)
            if did is None:
                raise HospitalError("the hospital answered GET /portal/hospital without an Indy DID")
            label = answer.get("label") if isinstance(answer, dict) else None
            self._hospital = (did, " ".join(str(label).split())[:80] if label else "the hospital")
        return self._hospital

    async def hospital_did(self) -> IndyDid:
        """The hospital's public DID (its nym), as its portal says it."""
        return (await self.hospital())[0]

    async def call(self, method: str, connection: ConnectionDids, *path: str, json: Any = None) -> Any:
        """`method /portal/patient/{path...}` for the patient of this connection: the parsed JSON answer."""
        url = "/".join(["/portal/patient", *(segment(part) for part in path)])
        headers = {"X-Patient-DID": connection.mine, "X-Hospital-DID": connection.theirs}
        return await self._request(method, url, f"{method} /portal/patient/{'/'.join(path)}", json, headers)

    async def _request(
        self, method: str, url: str, what: str, json: Any = None, headers: dict[str, str] | None = None
    ) -> Any:
        if self._client is None:
            raise ConfigurationError("the hospital portal client is used before the app started")
        if self._key is None:
            raise ConfigurationError(
                "the wallet has no key for the hospital's portal (MEDCRED_HOLDER_HOSPITAL_PORTAL_KEY)"
            )
        try:
            response = await self._client.request(
                method, url, json=json, headers={**(headers or {}), "X-API-Key": self._key.get_secret_value()}
            )
        except httpx.TimeoutException as exc:
            raise HospitalError(f"the hospital did not answer {what} within {self._timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise HospitalError(f"the hospital is unreachable ({type(exc).__name__}) on {what}") from exc
        log.debug("%s -> %s", what, response.status_code)
        if not response.is_success:
            raise _translate(what, response)
        try:
            return response.json()
        except ValueError as exc:
            raise HospitalError(f"the hospital answered {what} with something not JSON") from exc


def _translate(what: str, response: httpx.Response) -> MedcredError:
    status, detail = response.status_code, hospital_detail(response)
    if status in (401, 403):
        return HospitalError(f"the hospital refused the wallet's portal key on {what}")
    if 400 <= status < 500:
        error = upstream_rejection(status, detail)
        return HospitalRejectedError(detail, status) if isinstance(error, UpstreamRejectedError) else error
    return HospitalError(f"the hospital failed on {what} ({status}): {detail}")
