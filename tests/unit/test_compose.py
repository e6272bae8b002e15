"""docker-compose.yml runs the agents with the flags the native network gives them (docker/check_compose.py).

Run by `make test`, so that a flag added to an agent natively (the issuer's --public-invites, a webhook
topic) cannot be left out of the compose file unnoticed, as it once was.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_compose_file_matches_the_native_agents(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "docker" / "check_compose.py")], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env={"PATH": "/usr/bin:/bin", "MEDCRED_HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("ok"), done.stdout
