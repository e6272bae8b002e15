"""Are stored credentials revoked? Asked of the ledger, once per revocation registry.

    statuses = await revocation_statuses(tenant, infos, ledger)   # credential id -> True / False / None

With the holder's own ledger client (the one its audit trail anchors with), each registry's revoked
indices are read once (GET_REVOC_REG_DELTA, state proof verified by indy-vdr) and every credential of
that registry is looked up in them: one read per registry, whatever the number of credentials. Without
one (anchoring off), each credential is asked of the agent: `GET /credential/revoked/{id}` through the
patient's sub-wallet. A credential without a revocation registry cannot be revoked. A check that fails
(ledger unreachable, registry unknown, index missing) gives None: "cannot tell", never "valid".
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from agents.admin import AdminClient
from ledger.client import LedgerClient
from medcred.errors import MedcredError

__all__ = ["revocation_statuses"]

log = logging.getLogger(__name__)

CONCURRENT_CHECKS = 8


async def _asked_of_agent(tenant: AdminClient, referent: str, limit: asyncio.Semaphore) -> bool | None:
    async with limit:
        try:
            return await tenant.credential_revoked(referent)
        except MedcredError as exc:
            log.warning("revocation of credential %s could not be checked: %s", referent, type(exc).__name__)
            return None


async def _revoked_in(ledger: LedgerClient, registry: str, limit: asyncio.Semaphore) -> frozenset[int] | None:
    async with limit:
        try:
            return await ledger.get_revoked_indices(registry)
        except MedcredError as exc:
            log.warning("revocation registry %s could not be read: %s", registry[:120], type(exc).__name__)
            return None


def _index(info: Mapping[str, Any]) -> int | None:
    value = info.get("cred_rev_id")
    return int(value) if isinstance(value, str) and value.isdecimal() else None


async def revocation_statuses(
    tenant: AdminClient, infos: Iterable[Mapping[str, Any]], ledger: LedgerClient | None = None
) -> dict[str, bool | None]:
    """Credential id -> revoked (True/False), or None when it could not be established."""
    unique = {str(info["referent"]): info for info in infos if isinstance(info.get("referent"), str)}
    statuses: dict[str, bool | None] = {}
    revocable: dict[str, Mapping[str, Any]] = {}
    for referent, info in unique.items():
        if info.get("rev_reg_id"):
            revocable[referent] = info
        else:
            statuses[referent] = False
    limit = asyncio.Semaphore(CONCURRENT_CHECKS)
    if ledger is None:
        answers = await asyncio.gather(*(_asked_of_agent(tenant, referent, limit) for referent in revocable))
        return statuses | dict(zip(revocable, answers, strict=True))
    by_registry: dict[str, list[str]] = defaultdict(list)
    for referent, info in revocable.items():
        by_registry[str(info["rev_reg_id"])].append(referent)
    revoked_sets = await asyncio.gather(*(_revoked_in(ledger, registry, limit) for registry in by_registry))
    for referents, revoked in zip(by_registry.values(), revoked_sets, strict=True):
        for referent in referents:
            index = _index(revocable[referent])
            statuses[referent] = None if revoked is None or index is None else index in revoked
    return statuses
