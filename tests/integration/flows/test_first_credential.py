"""The README's walk-through, examples/first_credential.py, run as a newcomer would against the running
network (the session's: its data folder, its ports), prints each step and ends verified."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from medcred.settings import PROJECT_ROOT
from stack.network import MedcredNetwork

SCRIPT = PROJECT_ROOT / "examples" / "first_credential.py"


async def test_the_walk_through_issues_and_proves_a_vaccination(network: MedcredNetwork, stack_home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDCRED_") and k != "PYTHONPATH"}
    env["MEDCRED_HOME"] = str(stack_home)
    env.update({f"MEDCRED_{role.name.upper()}_PORT": str(role.settings.port) for role in network.roles})
    # The script runs beside the controllers, which answer from this event loop: awaited, never blocking it.
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), cwd=PROJECT_ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(180):
        out, err = await process.communicate()
    output = out.decode()
    assert process.returncode == 0, output + err.decode()
    for number in range(1, 6):
        assert f"\n{number}. " in output, output
    assert "accepted it: it connects to the hospital" in output
    assert "the wallet holds: vaccination, COVID-19, mRNA" in output and "dose 2" in output
    assert ": done (in the wallet)" in output
    assert "the wallet shows: " in output and " asks to see " in output
    assert "verified: revealed {" in output and "'vaccine_code'" in output
    assert output.rstrip().endswith("Your first credential: issued, held by the patient, proven at the clinic.")
