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


def _check(tmp_path: Path, compose: str) -> subprocess.CompletedProcess[str]:
    changed = tmp_path / "docker-compose.yml"
    changed.write_text(compose)
    return subprocess.run(
        [sys.executable, str(ROOT / "docker" / "check_compose.py"), str(changed)], cwd=ROOT, capture_output=True,
        text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "MEDCRED_HOME": str(tmp_path)},
    )  # fmt: skip


def test_a_controller_off_the_compose_database_or_a_holder_without_profiles_is_a_problem(tmp_path: Path) -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    lines = compose.splitlines(keepends=True)
    verifier_db = next(x for x in lines if "MEDCRED_VERIFIER_DATABASE_URL" in x)
    holder_db = next(x for x in lines if "MEDCRED_HOLDER_DATABASE_URL" in x)
    changed = compose.replace(verifier_db, "").replace(holder_db, holder_db.replace("5432/medcred", "5432/other"))
    changed = changed.replace("      - --multitenancy-config\n      - wallet_type=single-wallet-askar\n", "")
    done = _check(tmp_path, changed)
    assert done.returncode == 1
    assert "verifier-controller: no DATABASE_URL" in done.stdout
    assert "holder-controller: its DATABASE_URL does not end with @postgres:5432/medcred" in done.stdout
    assert "holder-agent: missing --multitenancy-config (native: ['wallet_type=single-wallet-askar'])" in done.stdout
    assert "issuer-controller" not in done.stdout


def test_controllers_without_replicas_or_a_proxy_that_is_not_their_address_is_a_problem(tmp_path: Path) -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    changed = compose.replace('  deploy: {replicas: "${MEDCRED_CONTROLLER_REPLICAS:-2}"}\n', "")
    changed = changed.replace("aliases: [issuer-api, holder-api, verifier-api]", "aliases: [issuer-api, holder-api]")
    changed = changed.replace("http://holder-api:8002/webhooks#", "http://holder-controller:8002/webhooks#")
    done = _check(tmp_path, changed)
    assert done.returncode == 1
    assert "issuer-controller: its replicas are not ${MEDCRED_CONTROLLER_REPLICAS}" in done.stdout
    assert "proxy: it is not verifier-api on the medcred network" in done.stdout
    assert "holder-agent: ACAPY_WEBHOOK_URL 'http://holder-controller:8002/webhooks' is not" in done.stdout
    assert "docker/nginx.conf" not in done.stdout  # the proxy's configuration itself is as stack/proxy.py writes it
