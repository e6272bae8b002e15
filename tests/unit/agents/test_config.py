"""AgentConfig -> argv and environment: no secret on the command line, every flag where ACA-Py wants it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.config import SECRET_ENV_VARS, AgentConfig
from medcred.errors import ConfigurationError

ADMIN_KEY = "admin-key-123"
WALLET_KEY = "wallet-key-456"
SEED = "0" * 31 + "1"
JWT = "jwt-secret-789"
HOOK_KEY = "hook-key-abc"
SECRETS = (ADMIN_KEY, WALLET_KEY, SEED, JWT, HOOK_KEY)


def make(tmp_path: Path, **overrides: Any) -> AgentConfig:
    fields: dict[str, Any] = {
        "label": "Hospital",
        "role_name": "issuer",
        "inbound_port": 8020,
        "admin_port": 8021,
        "admin_api_key": ADMIN_KEY,
        "wallet_name": "issuer",
        "wallet_key": WALLET_KEY,
        "data_dir": tmp_path / "issuer",
        "genesis_url": "http://127.0.0.1:9000/genesis",
        "tails_server_base_url": "http://127.0.0.1:6543",
        "seed": SEED,
        "public_invites": True,
        "webhook_url": "http://127.0.0.1:8001/webhooks",
        "webhook_api_key": HOOK_KEY,
    } | overrides
    return AgentConfig(**fields)


def flag_value(argv: list[str], flag: str, count: int = 1) -> list[str]:
    index = argv.index(flag)
    return argv[index + 1 : index + 1 + count]


def test_argv_has_the_start_flags(tmp_path: Path) -> None:
    argv = make(tmp_path).argv("/venv/bin/aca-py")
    assert argv[:2] == ["/venv/bin/aca-py", "start"]
    assert flag_value(argv, "-it", 3) == ["http", "127.0.0.1", "8020"]
    assert flag_value(argv, "-ot") == ["http"]
    assert flag_value(argv, "-e") == ["http://127.0.0.1:8020"]
    assert flag_value(argv, "--admin", 2) == ["127.0.0.1", "8021"]
    assert flag_value(argv, "--wallet-type") == ["askar-anoncreds"]
    assert flag_value(argv, "--wallet-name") == ["issuer"]
    assert flag_value(argv, "--genesis-url") == ["http://127.0.0.1:9000/genesis"]
    assert flag_value(argv, "--tails-server-base-url") == ["http://127.0.0.1:6543"]
    assert flag_value(argv, "--log-level") == ["info"]
    for flag in ("--auto-provision", "--preserve-exchange-records", "--public-invites"):
        assert flag in argv
    assert "--no-ledger" not in argv
    assert "--multitenant" not in argv


def test_no_secret_in_argv_and_every_secret_in_env(tmp_path: Path) -> None:
    config = make(tmp_path, multitenant=True, jwt_secret=JWT)
    command_line = " ".join(config.argv())
    for secret in SECRETS:
        assert secret not in command_line
    for flag in ("--admin-api-key", "--wallet-key", "--seed", "--jwt-secret", "--webhook-url"):
        assert flag not in command_line
    env = config.env()
    assert env["ACAPY_ADMIN_API_KEY"] == ADMIN_KEY
    assert env["ACAPY_WALLET_KEY"] == WALLET_KEY
    assert env["ACAPY_WALLET_SEED"] == SEED
    assert env["ACAPY_MULTITENANT_JWT_SECRET"] == JWT
    assert env["ACAPY_WEBHOOK_URL"] == f"http://127.0.0.1:8001/webhooks#{HOOK_KEY}"
    assert set(SECRET_ENV_VARS) <= set(env)


def test_env_points_home_into_the_data_dir(tmp_path: Path) -> None:
    env = make(tmp_path).env()
    assert env["ACAPY_HOME"] == env["HOME"] == str(tmp_path / "issuer")


def test_secrets_do_not_show_in_repr(tmp_path: Path) -> None:
    text = repr(make(tmp_path, multitenant=True, jwt_secret=JWT))
    for secret in SECRETS:
        assert secret not in text


def test_optional_secrets_stay_out_of_env(tmp_path: Path) -> None:
    env = make(tmp_path, seed=None, webhook_api_key=None).env()
    assert "ACAPY_WALLET_SEED" not in env
    assert "ACAPY_MULTITENANT_JWT_SECRET" not in env
    assert env["ACAPY_WEBHOOK_URL"] == "http://127.0.0.1:8001/webhooks"
    assert "ACAPY_WEBHOOK_URL" not in make(tmp_path, webhook_url=None, webhook_api_key=None).env()


def test_multitenant_flags(tmp_path: Path) -> None:
    argv = make(tmp_path, multitenant=True, jwt_secret=JWT).argv()
    assert "--multitenant" in argv
    assert "--multitenant-admin" in argv


def test_multitenant_needs_a_jwt_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="jwt_secret"):
        make(tmp_path, multitenant=True)


def test_genesis_file_and_no_ledger(tmp_path: Path) -> None:
    argv = make(tmp_path, genesis_url=None, genesis_file=tmp_path / "genesis.txn").argv()
    assert flag_value(argv, "--genesis-file") == [str(tmp_path / "genesis.txn")]
    assert "--genesis-url" not in argv
    argv = make(tmp_path, genesis_url=None, no_ledger=True, wallet_type="askar").argv()
    assert "--no-ledger" in argv
    assert "--genesis-url" not in argv and "--genesis-file" not in argv


@pytest.mark.parametrize(
    "overrides",
    [
        {"genesis_file": Path("/g.txn")},  # with genesis_url
        {"no_ledger": True},  # with genesis_url
        {"webhook_url": None},  # webhook key without URL
        {"webhook_url": "http://127.0.0.1:8001/webhooks#key"},
        {"auto_flags": ["--seed"]},
        {"admin_port": 8020},
    ],
)
def test_inconsistent_configs_are_refused(tmp_path: Path, overrides: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        make(tmp_path, **overrides)


def test_endpoint_defaults_to_host_and_inbound_port(tmp_path: Path) -> None:
    assert make(tmp_path, host="127.0.0.2").endpoint == "http://127.0.0.2:8020"
    assert make(tmp_path, endpoint="https://agent.example").endpoint == "https://agent.example"


def test_auto_and_extra_flags_come_last(tmp_path: Path) -> None:
    config = make(tmp_path, auto_flags=["--auto-accept-invites"], extra_args=["--emit-new-didcomm-mime-type"])
    assert config.argv()[-2:] == ["--auto-accept-invites", "--emit-new-didcomm-mime-type"]


def test_redacted_argv_hides_secrets_passed_in_extra_args(tmp_path: Path) -> None:
    config = make(tmp_path, extra_args=["--wallet-rekey", "new-key", "--dbstore-key=db-key", "--trace"])
    redacted = config.redacted_argv()
    assert "new-key" not in redacted and "--dbstore-key=db-key" not in redacted
    assert redacted[-4:] == ["--wallet-rekey", "***", "--dbstore-key=***", "--trace"]


def test_paths_are_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = make(tmp_path, data_dir=Path("rel/issuer"), genesis_url=None, genesis_file=Path("pool.txn"))
    assert config.data_dir == tmp_path.resolve() / "rel" / "issuer"
    assert config.env()["ACAPY_HOME"] == str(tmp_path.resolve() / "rel" / "issuer")
    assert str(tmp_path.resolve() / "pool.txn") in config.argv()


def test_every_agent_loads_medcreds_plugin(tmp_path: Path) -> None:
    argv = make(tmp_path).argv()
    assert argv[argv.index("--plugin") + 1] == "agents.acapy_plugin"
    assert "--plugin" not in make(tmp_path, plugins=[]).argv()


def test_webhook_topics_become_the_plugins_option(tmp_path: Path) -> None:
    argv = make(tmp_path, webhook_topics=["connections", "issue_credential_v2_0"]).argv()
    assert argv[argv.index("--plugin-config-value") + 1] == "medcred.webhook_topics=connections,issue_credential_v2_0"
    assert "--plugin-config-value" not in make(tmp_path).argv()  # every topic


def test_webhook_states_become_a_yaml_plugin_value(tmp_path: Path) -> None:
    states = {"present_proof_v2_0": ["request-received"], "connections": ["completed", "active"]}
    config = make(tmp_path, webhook_topics=["connections", "present_proof_v2_0"], webhook_states=states)
    argv = config.argv()
    values = [argv[n + 1] for n, arg in enumerate(argv) if arg == "--plugin-config-value"]
    assert values[0] == "medcred.webhook_topics=connections,present_proof_v2_0"
    key, value = values[1].split("=", 1)  # as ACA-Py reads it: KEY=VALUE, VALUE parsed as YAML
    assert key == "medcred.webhook_states"
    assert yaml.safe_load(value) == {"connections": ["active", "completed"], "present_proof_v2_0": ["request-received"]}
    assert not any("webhook_states" in arg for arg in make(tmp_path, webhook_topics=["connections"]).argv())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"webhook_topics": ["connections"], "webhook_states": {"present_proof_v2_0": ["done"]}},
            "webhook_states for topics not posted",
        ),
        ({"webhook_states": {"connections": ["active"]}}, "webhook_states for topics not posted"),
        ({"webhook_topics": ["connections"], "webhook_states": {"connections": []}}, "not ACA-Py record states"),
        ({"webhook_topics": ["connections"], "webhook_states": {"connections": ["Up"]}}, "not ACA-Py record states"),
        ({"webhook_topics": []}, "not ACA-Py webhook topics"),
        ({"webhook_topics": ["connections", "a=b"]}, "not ACA-Py webhook topics"),
        ({"webhook_topics": ["Topic"]}, "not ACA-Py webhook topics"),
        ({"webhook_topics": ["connections"], "plugins": []}, "needs the agents.acapy_plugin plugin"),
    ],
)
def test_bad_webhook_topics_are_refused(tmp_path: Path, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make(tmp_path, **overrides)
