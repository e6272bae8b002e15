"""Is a stored credential revoked? Asked of the ledger through the patient's sub-wallet.

`GET /credential/revoked/{credential_id}` (askar-anoncreds: the current revocation list; `from`/`to`
are optional and not needed for "now"). A credential without a revocation registry cannot be revoked.
A check that fails (ledger unreachable, registry unknown) gives None: "cannot tell", never "valid".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from agents.admin import AdminClient
from medcred.errors import MedcredError

__all__ = ["revocation_statuses"]

log = logging.getLogger(__name__)

CONCURRENT_CHECKS = 8


async def _status(tenant: AdminClient, info: Mapping[str, Any], limit: asyncio.Semaphore) -> bool | None:
    if not info.get("rev_reg_id"):
        return False
    async with limit:
        try:
            return await tenant.credential_revoked(str(info["referent"]))
        except MedcredError as exc:
            log.warning("revocation of credential %s could not be checked: %s", info["referent"], type(exc).__name__)
            return None


async def revocation_statuses(tenant: AdminClient, infos: Iterable[Mapping[str, Any]]) -> dict[str, bool | None]:
    """Credential id -> revoked (True/False), or None when it could not be established."""
    unique = {str(info["referent"]): info for info in infos if isinstance(info.get("referent"), str)}
    limit = asyncio.Semaphore(CONCURRENT_CHECKS)
    results = await asyncio.gather(*(_status(tenant, info, limit) for info in unique.values()))
    return dict(zip(unique, results, strict=True))
