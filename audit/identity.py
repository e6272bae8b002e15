"""The DID a service anchors its audit log with: on the ledger (role NONE) before its first ATTRIB.

    await ensure_anchor_identity(ledger_client, signer, f"{ledger.web_url}/register", register_key,
                                 service="issuer")

A NYM's owner may write ATTRIBs on its own DID without any role, so the audit DID needs none.
"""

from __future__ import annotations

import httpx

from ledger.client import LedgerClient
from ledger.identity import Signer
from medcred.errors import ConfigurationError, ConflictError, LedgerError
from medcred.web import API_KEY_HEADER

__all__ = ["ensure_anchor_identity"]


async def ensure_anchor_identity(
    ledger_client: LedgerClient, signer: Signer, register_url: str, register_key: str, *, service: str | None = None,
) -> bool:
    """Register `signer`'s DID through the ledger web server's `POST /register` unless the ledger has it.

    `register_url` is the endpoint itself (`http://127.0.0.1:9000/register`). Returns True when it
    registered the DID now, False when it was there already; ConflictError when the DID is on the
    ledger with another key, ConfigurationError when the key is refused, LedgerError otherwise.
    A read reaching a validator that has not applied a NYM written an instant ago says "not there":
    the same NYM is then written once more, harmlessly, and the answer is True.
    """
    existing = await ledger_client.get_nym(signer.did, attempts=1)
    if existing is not None:
        if existing.get("verkey") != signer.verkey:
            raise ConflictError(f"audit DID {signer.did} is on the ledger with another verkey")
        return False
    body = {
        "did": signer.did, "verkey": signer.verkey, "role": "NONE",
        "alias": f"medcred {service} audit" if service else "medcred audit",
    }
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(register_url, json=body, headers={API_KEY_HEADER: register_key})
    except httpx.HTTPError as exc:
        raise LedgerError(f"cannot reach {register_url} to register the audit DID: {exc}") from exc
    if response.status_code in (401, 403):
        raise ConfigurationError(f"{register_url} refused the ledger's API key")
    if response.status_code == 409:
        raise ConflictError(f"audit DID {signer.did} is on the ledger with another verkey")
    if response.is_error:
        raise LedgerError(f"{register_url} answered {response.status_code}: {response.text[:200]}")
    if await ledger_client.get_nym(signer.did) is None:
        raise LedgerError(f"audit DID {signer.did} was registered but the pool does not show it")
    return True
