"""agents.launcher: ACA-Py's modules load without nest_asyncio's patch, so asyncio keeps its C Task."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import _asyncio, asyncio
from agents.launcher import _without_nested_loops
{prepare}
import acapy_agent.vc.ld_proofs.document_loader  # applies nest_asyncio at import
print(asyncio.Task is _asyncio.Task, asyncio.Future is _asyncio.Future)
"""


def probe(prepare: str) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE.format(prepare=prepare)], capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    return done.stdout.strip()


def test_acapy_applies_nest_asyncio_on_its_own() -> None:
    assert probe("") == "False False"  # what the launcher exists to avoid


def test_the_launcher_keeps_the_c_task_and_future() -> None:
    assert probe("_without_nested_loops()") == "True True"


def profile_with(pool_settings: dict[str, object]) -> object:
    """Just what `init_ledger_pool` reads: settings and a context (no store is opened)."""
    from types import SimpleNamespace

    from acapy_agent.config.injection_context import InjectionContext

    context = InjectionContext(settings=pool_settings)
    return SimpleNamespace(settings=context.settings, context=context, ledger_pool=None)


def test_profiles_with_the_same_ledger_share_one_pool(monkeypatch) -> None:
    from acapy_agent.askar.profile_anon import AskarAnonCredsProfile

    from agents.launcher import _one_pool_per_agent

    own = AskarAnonCredsProfile.init_ledger_pool
    monkeypatch.setattr(AskarAnonCredsProfile, "init_ledger_pool", own)  # put back after the test
    _one_pool_per_agent()
    genesis = '{"reqSignature":{},"txn":{"data":{"data":{"alias":"Node1"}}}}'
    same = [profile_with({"ledger.genesis_transactions": genesis}) for _ in range(3)]
    other = profile_with({"ledger.genesis_transactions": genesis, "ledger.keepalive": 30})
    none = profile_with({"ledger.disabled": True})
    for profile in [*same, other, none]:
        AskarAnonCredsProfile.init_ledger_pool(profile)
    assert same[0].ledger_pool is not None
    assert all(profile.ledger_pool is same[0].ledger_pool for profile in same)
    assert other.ledger_pool is not same[0].ledger_pool
    assert none.ledger_pool is None
