"""agents.acapy_plugin.ledger_cache: ledger definitions read once per TTL, copies handed out, failures not kept."""

from __future__ import annotations

from typing import Any

import pytest
from acapy_agent.anoncreds.default.did_web.registry import DIDWebRegistry
from acapy_agent.anoncreds.default.legacy_indy.registry import LegacyIndyRegistry
from acapy_agent.anoncreds.registry import AnonCredsRegistry
from acapy_agent.config.injection_context import InjectionContext

from agents.acapy_plugin import ledger_cache
from agents.acapy_plugin.ledger_cache import CachingLegacyIndyRegistry, DefinitionCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Ledger:
    """Counts reads; each read answers a fresh mutable definition."""

    def __init__(self) -> None:
        self.reads: list[str] = []
        self.failing = False

    async def read(self, key: str) -> dict[str, Any]:
        self.reads.append(key)
        if self.failing:
            raise RuntimeError("ledger down")
        return {"id": key, "value": {"tails_location": "http://tails/x"}}


async def test_a_definition_is_read_once_within_the_ttl_and_again_after() -> None:
    clock, ledger = Clock(), Ledger()
    cache = DefinitionCache(ttl=600, clock=clock)
    first = await cache.get("cred_def:A", lambda: ledger.read("A"))
    clock.now += 599
    second = await cache.get("cred_def:A", lambda: ledger.read("A"))
    assert first == second and ledger.reads == ["A"]
    clock.now += 1
    await cache.get("cred_def:A", lambda: ledger.read("A"))
    assert ledger.reads == ["A", "A"]


async def test_each_caller_gets_its_own_copy() -> None:
    cache, ledger = DefinitionCache(), Ledger()
    mine = await cache.get("rev_reg_def:R", lambda: ledger.read("R"))
    mine["value"]["tails_location"] = "/local/path"  # as ACA-Py does to objects it holds
    theirs = await cache.get("rev_reg_def:R", lambda: ledger.read("R"))
    assert theirs["value"]["tails_location"] == "http://tails/x"


async def test_a_failed_read_is_not_kept() -> None:
    cache, ledger = DefinitionCache(), Ledger()
    ledger.failing = True
    with pytest.raises(RuntimeError, match="ledger down"):
        await cache.get("schema:S", lambda: ledger.read("S"))
    ledger.failing = False
    assert (await cache.get("schema:S", lambda: ledger.read("S")))["id"] == "S"
    assert ledger.reads == ["S", "S"] and len(cache) == 1


async def test_the_cache_is_bounded_expired_entries_going_first() -> None:
    clock, ledger = Clock(), Ledger()
    cache = DefinitionCache(ttl=10, max_entries=2, clock=clock)
    await cache.get("a", lambda: ledger.read("a"))
    clock.now += 5
    await cache.get("b", lambda: ledger.read("b"))
    clock.now += 6  # "a" has expired, "b" has not
    await cache.get("c", lambda: ledger.read("c"))
    assert len(cache) == 2
    await cache.get("b", lambda: ledger.read("b"))
    assert ledger.reads == ["a", "b", "c"]  # "b" was kept
    await cache.get("d", lambda: ledger.read("d"))  # full of live entries: the oldest goes
    assert len(cache) == 2


async def test_the_registry_caches_definitions_but_never_revocation_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = Ledger()

    async def definition(self: Any, profile: Any, some_id: str) -> dict[str, Any]:
        return await ledger.read(some_id)

    for name in ("get_schema", "get_credential_definition", "get_revocation_registry_definition",
                 "get_revocation_list"):  # fmt: skip
        monkeypatch.setattr(LegacyIndyRegistry, name, definition)
    registry = CachingLegacyIndyRegistry()
    for _ in range(3):
        await registry.get_schema(None, "S")
        await registry.get_credential_definition(None, "C")
        await registry.get_revocation_registry_definition(None, "R")
        await registry.get_revocation_list(None, "L")  # type: ignore[call-arg]
    assert sorted(ledger.reads) == ["C", "L", "L", "L", "R", "S"]


async def test_install_replaces_acapys_legacy_indy_registry_as_resolver_and_registrar() -> None:
    registry = AnonCredsRegistry([DIDWebRegistry(), LegacyIndyRegistry()])
    context = InjectionContext()
    context.injector.bind_instance(AnonCredsRegistry, registry)
    ledger_cache.install(context)
    legacy = [r for r in registry.resolvers if isinstance(r, LegacyIndyRegistry)]
    assert [type(r) for r in legacy] == [CachingLegacyIndyRegistry]
    assert [r for r in registry.registrars if isinstance(r, LegacyIndyRegistry)] == legacy
    assert isinstance(registry.resolvers[0], DIDWebRegistry)  # the others stay


async def test_install_leaves_an_agent_without_a_legacy_indy_registry_as_it_is() -> None:
    context = InjectionContext()
    ledger_cache.install(context)  # no registry at all
    registry = AnonCredsRegistry([DIDWebRegistry()])  # an askar (not askar-anoncreds) agent's
    context.injector.bind_instance(AnonCredsRegistry, registry)
    ledger_cache.install(context)
    assert [type(r) for r in registry.resolvers] == [DIDWebRegistry]
