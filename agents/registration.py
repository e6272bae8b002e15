"""Registering a service's DID on the ledger, one of two ways:

    await register(settings, did=..., verkey=..., alias=..., role=Role.ENDORSER)

- on the embedded pool (or any von-network-style ledger), through the ledger web server's
  `POST /register` (`register_did`): the ledger writes the NYM with its trustee's key, so the call takes
  the ledger's API key;
- on another Indy network (`genesis_file` and `endorser_seed` set), by writing the NYM ourselves, signed
  by the operator's endorser DID (`register_with_endorser`): a steward or trustee of that network where
  the role asked for is ENDORSER (Indy's default rules: only they may create endorsers).

Both are idempotent (the same DID and verkey registered twice is fine), so a retried start-up is safe.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
from pydantic import SecretStr

from agents.settings import RoleSettings
from ledger.client import LedgerClient
from ledger.identity import Role
from ledger.trustee import Genesis, trustee_signer
from medcred.errors import ConfigurationError, ConflictError, LedgerError, LedgerRejectedError
from medcred.web import API_KEY_HEADER

__all__ = ["register", "register_did", "register_with_endorser"]

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


async def register_with_endorser(genesis: Path, endorser_seed: SecretStr, *, did: str, verkey: str, alias: str,
                                 role: Role) -> bool:  # fmt: skip
    """Write the DID's NYM signed by the endorser unless the ledger has it; True if written now.
    ConflictError: the DID is there with another verkey; ConfigurationError: the endorser may not write it."""
    signer = trustee_signer(endorser_seed, Genesis(genesis))  # refuses the development seed here
    client = await LedgerClient.open(genesis, signer)
    try:
        existing = await client.get_nym(did, attempts=1)
        if existing is not None:
            if existing.get("verkey") not in (verkey, None):
                raise ConflictError(f"DID {did} is on the ledger with another verkey")
            return False
        try:
            await client.register_nym(did, verkey, alias, role)
        except LedgerRejectedError as exc:
            raise ConfigurationError(
                f"the endorser DID {signer.did} may not write the NYM of {did} (role {role.value}) on this network: "
                f"{exc.message}. Creating an ENDORSER takes a steward's or trustee's DID (MEDCRED_<ROLE>_ENDORSER_SEED)"
            ) from None
    finally:
        client.close()
    log.info("registered DID %s on the ledger (role %s) with the endorser's key", did, role.value)
    return True


async def register(settings: RoleSettings, *, did: str, verkey: str, alias: str, role: Role = Role.ENDORSER,
                   transport: httpx.AsyncBaseTransport | None = None) -> None:  # fmt: skip
    """Register the DID as `settings` say: with the endorser on another network, else POST /register."""
    if settings.endorser_seed is not None:
        if settings.genesis_file is None:
            raise ConfigurationError(f"{settings.role}: an endorser seed needs the network's genesis (genesis_file)")
        await register_with_endorser(settings.genesis_file, settings.endorser_seed, did=did, verkey=verkey,
                                     alias=alias, role=role)  # fmt: skip
        return
    if role is not Role.ENDORSER:
        raise ConfigurationError(f"POST /register makes endorsers only, not {role.value}")
    await register_did(settings.ledger_url, settings.ledger_api_key, did=did, verkey=verkey, alias=alias,
                       transport=transport)
