"""The agent keeps the AnonCreds definitions it reads from the Indy ledger for a while, instead of
reading them again for every credential and every proof.

ACA-Py 1.7's legacy-indy AnonCreds registry reads, on every use:
- a credential definition, then the schema it names by sequence number (a GET_TXN, which bypasses
  ACA-Py's own ledger cache, while the definition itself is cached);
- a revocation registry definition (never cached).
Counted on the local pool: ~12 ledger reads per full flow (connect, issue a revocable credential,
prove it) across the three agents, of which ~8 were that GET_TXN; with this plugin ~1.4 remain (the
revocation status of each proof). Measured on direct flows, two runs each: CPU per flow across all
processes 1.32 s -> 1.05 s (validators 0.09 -> 0.03; the rest is the agents' requests and their
deserialisation of each definition).

Schemas, credential definitions and revocation registry definitions change only if their owner edits
them on the ledger, so this keeps each one for `TTL` seconds: ACA-Py's own cache duration for ledger
schemas and credential definitions. Revocation status lists are never cached: a revocation must show at
once. Failed reads are not cached. The definitions are public ledger data, so one cache serves every
sub-wallet of a multitenant agent; each caller gets its own copy, so none can alter another's.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from acapy_agent.anoncreds.default.legacy_indy.registry import LegacyIndyRegistry
from acapy_agent.anoncreds.models.credential_definition import GetCredDefResult
from acapy_agent.anoncreds.models.revocation import GetRevRegDefResult
from acapy_agent.anoncreds.models.schema import GetSchemaResult
from acapy_agent.anoncreds.registry import AnonCredsRegistry
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.profile import Profile

__all__ = ["TTL", "CachingLegacyIndyRegistry", "DefinitionCache", "install"]

LOGGER = logging.getLogger(__name__)
TTL = 600.0  # seconds: ACA-Py's `IndyVdrLedgerPool.cache_duration` for schemas and credential definitions
MAX_ENTRIES = 4096  # definitions kept at most (one agent uses a handful; a bound all the same)

T = TypeVar("T")


class DefinitionCache:
    """Ledger definitions by id, each kept `ttl` seconds; a copy goes out on every hit."""

    def __init__(self, ttl: float = TTL, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic):
        self.ttl, self.max_entries, self.clock = ttl, max_entries, clock
        self._entries: dict[str, tuple[float, object]] = {}

    async def get(self, key: str, fetch: Callable[[], Awaitable[T]]) -> T:
        now = self.clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return copy.deepcopy(entry[1])  # type: ignore[return-value]
        value = await fetch()  # a failure propagates and leaves nothing behind
        if len(self._entries) >= self.max_entries:
            self._drop_expired(now)
            if len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))  # the oldest insertion
        self._entries[key] = (now + self.ttl, value)
        return copy.deepcopy(value)

    def _drop_expired(self, now: float) -> None:
        for key in [key for key, (expires, _) in self._entries.items() if expires <= now]:
            del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


class CachingLegacyIndyRegistry(LegacyIndyRegistry):  # type: ignore[misc]  # ACA-Py is untyped
    """ACA-Py's legacy-indy registry, reading each definition through a `DefinitionCache`."""

    def __init__(self, cache: DefinitionCache | None = None) -> None:
        super().__init__()
        self.cache = cache or DefinitionCache()

    async def get_schema(self, profile: Profile, schema_id: str) -> GetSchemaResult:
        own = super().get_schema
        return await self.cache.get(f"schema:{schema_id}", lambda: own(profile, schema_id))

    async def get_credential_definition(self, profile: Profile, cred_def_id: str) -> GetCredDefResult:
        own = super().get_credential_definition
        return await self.cache.get(f"cred_def:{cred_def_id}", lambda: own(profile, cred_def_id))

    async def get_revocation_registry_definition(self, profile: Profile, rev_reg_def_id: str) -> GetRevRegDefResult:
        own = super().get_revocation_registry_definition
        return await self.cache.get(f"rev_reg_def:{rev_reg_def_id}", lambda: own(profile, rev_reg_def_id))


def install(context: InjectionContext) -> None:
    """Put a caching registry in the place of ACA-Py's legacy-indy one (as resolver and as registrar)."""
    registry = context.inject_or(AnonCredsRegistry)
    caching, found = CachingLegacyIndyRegistry(), False
    for handlers in (registry.resolvers, registry.registrars) if registry is not None else ():
        for index, handler in enumerate(handlers):
            if type(handler) is LegacyIndyRegistry:
                handlers[index] = caching
                found = True
    if not found:  # an agent without AnonCreds (an askar wallet): nothing it reads to cache
        LOGGER.info("medcred plugin: no legacy-indy AnonCreds registry in this agent; nothing to cache")
        return
    LOGGER.info("medcred plugin: ledger definitions cached for %.0f s", TTL)
