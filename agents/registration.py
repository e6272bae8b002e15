"""Registering a service's DID on the ledger as ENDORSER, through the ledger web server's `POST /register`.

The ledger writes the NYM with its trustee's key, so the call takes the ledger's API key. The call is
idempotent (the same DID and verkey registered twice is fine), so a retried start-up is safe.
"""

from __future__ import annotations

import logging

import httpx
from pydantic import SecretStr

from medcred.errors import ConfigurationError, LedgerError, LedgerRejectedError
from medcred.web import API_KEY_HEADER

__all__ = ["register_did"]

log = logging.getLogger(__name__)

MAX_DETAIL = 200


async def register_did(
    ledger_url: str,
    api_key: SecretStr | None,
    *,
    did: str,
    verkey: str,
    alias: str,
    timeout: float = 30.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Write the DID's NYM (role ENDORSER) on the ledger; errors become `LedgerError`s or `ConfigurationError`."""
    url = f"{ledger_url.rstrip('/')}/register"
    headers = {API_KEY_HEADER: api_key.get_secret_value()} if api_key is not None else {}
    body = {"did": did, "verkey": verkey, "alias": alias, "role": "ENDORSER"}
    try:
        async with httpx.AsyncClient(timeout=timeout, transport=transport) as client:
            response = await client.post(url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        raise LedgerError(f"the ledger at {url} could not be reached: {type(exc).__name__}") from exc
    if response.status_code in (401, 403):
        raise ConfigurationError(
            f"the ledger refused to register our DID ({response.status_code}): set the role's LEDGER_API_KEY (e.g."
            " MEDCRED_ISSUER_LEDGER_API_KEY) to the ledger's API key"
        )
    if not response.is_success:
        detail = " ".join(response.text.split())[:MAX_DETAIL]
        error = LedgerRejectedError if 400 <= response.status_code < 500 else LedgerError
        raise error(f"the ledger answered POST /register with {response.status_code}: {detail}")
    log.info("registered DID %s on the ledger as ENDORSER", did)
