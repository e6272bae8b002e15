"""Live fetching of an issuer's key set and CRLs (off unless MEDCRED_VERIFIER_HEALTH_CARD_LIVE_KEYS): https
only (plain http only to an origin allowed by MEDCRED_VERIFIER_SHARE_ALLOWED_ORIGINS on a loopback
address, and said so in the result), within a time and a size limit, never following a redirect, and
only to addresses `verifier.share_hosts` admits (public ones, or the origins allowed)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from medcred.errors import MedcredError
from medcred.health_cards import CardRejectedError, Crl, Refusal, is_loopback_http
from verifier.health_cards.trust import IssuerKeys
from verifier.share_hosts import ShareHosts

__all__ = ["KeyFetcher"]


class KeyFetcher:
    def __init__(
        self, hosts: ShareHosts, *, timeout: float = 5.0, max_bytes: int = 256 * 1024,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:  # fmt: skip
        self.hosts = hosts
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._transport = transport

    async def keys(self, iss: str) -> IssuerKeys:
        return IssuerKeys.of((await self._get_json(f"{iss}/.well-known/jwks.json")).get("keys"))

    async def crl(self, iss: str, kid: str) -> Crl:
        try:
            return Crl.model_validate(await self._get_json(f"{iss}/.well-known/crl/{kid}.json"))
        except ValueError as exc:
            raise CardRejectedError(Refusal.ISSUER_UNREACHABLE, f"the issuer's CRL of {kid} is malformed") from exc

    async def _get_json(self, url: str) -> dict[str, Any]:
        if not url.startswith("https://") and not is_loopback_http(url):
            raise CardRejectedError(Refusal.INSECURE_ISSUER, f"{url} is not https: not fetched")
        try:
            target = await self.hosts.pin(url)
        except MedcredError as exc:
            raise CardRejectedError(Refusal.ISSUER_UNREACHABLE, f"{url} is not fetched: {exc.message}") from None
        except ValueError as exc:
            raise CardRejectedError(Refusal.ISSUER_UNREACHABLE, f"{url} is not fetched: {exc}") from None
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False,
                                         transport=self._transport) as client:
                async with client.stream("GET", target.url, headers={"Host": target.host_header},
                                         extensions=target.extensions) as response:
                    if response.is_redirect:
                        raise CardRejectedError(Refusal.ISSUER_UNREACHABLE, f"{url} redirects: not followed")
                    if not response.is_success:
                        raise CardRejectedError(Refusal.ISSUER_UNREACHABLE, f"{url} answered {response.status_code}")
                    body = b""
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > self.max_bytes:
                            raise CardRejectedError(Refusal.ISSUER_UNREACHABLE, f"{url} is over {self.max_bytes} bytes")
        except httpx.HTTPError as exc:
            raise CardRejectedError(Refusal.ISSUER_UNREACHABLE, f"{url} failed ({type(exc).__name__})") from None
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise CardRejectedError(Refusal.ISSUER_UNREACHABLE, f"{url} is not a JSON object")
        return document
