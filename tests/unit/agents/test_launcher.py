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
