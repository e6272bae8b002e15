"""medcred's ACA-Py plugin loads on its own, as in the docker-compose agents: its folder mounted as
`agents/acapy_plugin` beside ACA-Py, without the rest of this repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import agents.acapy_plugin

PROBE = """
import os, sys
# No other copy of the repository (this checkout, or the one an editable install points at: worktrees).
sys.path = [p for p in sys.path if p not in ({repo!r}, "") and not os.path.isdir(os.path.join(p, "agents"))]
sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, {mount!r})
import agents.acapy_plugin as plugin
print(plugin.__file__.startswith({mount!r}), callable(plugin.setup))
print(sorted(name for name in ("agents.config", "medcred", "fastapi", "httpx") if name in sys.modules))
"""


def test_the_plugin_imports_without_the_rest_of_the_repository(tmp_path: Path) -> None:
    source = Path(agents.acapy_plugin.__file__).parent
    mount = tmp_path / "opt" / "medcred"
    shutil.copytree(source, mount / "agents" / "acapy_plugin", ignore=shutil.ignore_patterns("__pycache__"))
    repo = str(source.parent.parent)
    done = subprocess.run([sys.executable, "-c", PROBE.format(repo=repo, mount=str(mount))], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["True True", "[]"]
