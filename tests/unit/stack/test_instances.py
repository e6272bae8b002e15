"""`--instances N`: each instance gets exactly its role's settings, and the proxy's configuration is one
nginx accepts, with one upstream per role and the controllers' error shape when no instance answers."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest
from pydantic import SecretStr

from issuer import IssuerSettings
from medcred.errors import ConfigurationError
from stack.instances import ControllerInstance, instance_port
from stack.network import MedcredNetwork
from stack.proxy import NGINX, ReverseProxy, nginx_config

DATABASE = SecretStr("postgresql://medcred:pw@127.0.0.1:5433/medcred")


def network(tmp_path: Path, instances: int, database: SecretStr | None = DATABASE) -> MedcredNetwork:
    issuer = IssuerSettings(records_kek=SecretStr(secrets.token_bytes(32).hex()), audit_max_wait=3)
    return MedcredNetwork(tmp_path, issuer=issuer, database_url=database, instances=instances)


def test_an_instance_reads_back_exactly_the_settings_its_role_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = network(tmp_path, 2)
    made.verifier.settings.issuer_did = "did:sov:WgWxqztrNooG92RXvxSTWv"  # type: ignore[attr-defined]
    for role in made.roles:
        env = role.settings.environment()
        assert all(name.startswith(f"MEDCRED_{role.name.upper()}_") for name in env)
        monkeypatch.setenv(f"MEDCRED_{role.name.upper()}_LABEL", "left over from the caller's shell")
        child = ControllerInstance(role.settings, 1)._child()
        assert child.env is not None and child.env[f"MEDCRED_{role.name.upper()}_LABEL"] == role.settings.label
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert type(role.settings)().model_dump() == role.settings.model_dump(), role.name
    # Secrets go in clear (the child's environment is where they go), complex settings as JSON.
    issuer_env = made.issuer.settings.environment()
    assert issuer_env["MEDCRED_ISSUER_RECORDS_KEK"] == made.issuer.settings.records_kek.get_secret_value()  # type: ignore[attr-defined]
    assert issuer_env["MEDCRED_ISSUER_AUDIT_MAX_WAIT"] == "3.0"
    assert issuer_env["MEDCRED_ISSUER_AGENT_PATCHES"].startswith("{")


def test_instances_listen_above_the_roles_port_and_the_proxy_on_it(tmp_path: Path) -> None:
    made = network(tmp_path, 3)
    listeners = {(listener.owner, listener.port) for listener in made.listeners()}
    assert ("the issuer controllers' proxy", 8001) in listeners
    assert {(f"the issuer controller {n}", 8001 + 100 * n) for n in (1, 2, 3)} <= listeners
    assert instance_port(made.holder.settings, 2) == 8202
    assert made.proxy is not None
    assert made.proxy.routes[0].upstreams == ("127.0.0.1:8101", "127.0.0.1:8201", "127.0.0.1:8301")
    assert network(tmp_path / "one", 1).proxy is None


def test_several_instances_need_a_database_and_a_sensible_count(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="share their records through PostgreSQL"):
        network(tmp_path, 2, database=None)
    for count in (0, 9):
        with pytest.raises(ConfigurationError, match="between 1 and 8"):
            network(tmp_path, count)


def test_the_proxy_configuration_routes_each_role_and_answers_503_with_retry_after(tmp_path: Path) -> None:
    made = network(tmp_path, 2)
    assert made.proxy is not None
    text = nginx_config(made.proxy.routes, tmp_path / "proxy")
    for name, port in (("issuer", 8001), ("holder", 8002), ("verifier", 8003)):
        assert f"upstream {name} {{" in text and f"listen 127.0.0.1:{port};" in text
        assert f"server 127.0.0.1:{port + 100} max_fails=0;" in text and f"server 127.0.0.1:{port + 200}" in text
    assert "access_log off;" in text and "proxy_buffering off;" in text and "proxy_request_buffering off;" in text
    assert "add_header Retry-After 2 always;" in text and "return 503 '{\"detail\": \"no instance of the" in text
    assert "proxy_next_upstream error timeout;" in text  # never non_idempotent: a POST is not sent twice


@pytest.mark.skipif(not NGINX.exists(), reason=f"no nginx at {NGINX}")
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    made = network(tmp_path, 2)
    proxy = ReverseProxy(tmp_path / "proxy", made.proxy.routes if made.proxy else [])
    proxy.write_config()
    asyncio.run(proxy._check())  # nginx -t: it would raise with what nginx said
