"""The hospital's SMART Health Card discovery, unauthenticated as the specification requires (and open to
any origin, so a verifier's web page can fetch it): its key set and each key's CRL."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from issuer.deps import HealthCardsDep
from medcred.api_docs import errors

router = APIRouter(prefix="/.well-known", tags=["health cards"])

OPEN_TO_ALL = {"Access-Control-Allow-Origin": "*"}


@router.get("/jwks.json")
async def jwks(cards: HealthCardsDep, response: Response) -> dict[str, Any]:
    """The public key that signs the hospital's cards (`use: sig`, `alg: ES256`; `crlVersion` once it revoked)."""
    response.headers.update(OPEN_TO_ALL)
    return cards.jwks()


@router.get("/crl/{kid}.json", responses=errors(404, e404="not a key of this hospital"))
async def crl(kid: str, cards: HealthCardsDep, response: Response) -> dict[str, Any]:
    """The revoked `rid`s of the key `kid` (method rid; `ctr` its version, as `crlVersion` in the key set)."""
    response.headers.update(OPEN_TO_ALL)
    return cards.crl(kid)
