"""The settings that steer the network's commands (`up`, `demo`, the benchmarks), as rows of their `--help`."""

from __future__ import annotations

from agents.settings import RoleSettings
from holder.settings import HolderSettings
from issuer.settings import IssuerSettings
from ledger.help import data_folder, ledger_keys, ledger_ports
from medcred.console import EnvSetting, env_setting
from medcred.supervisor import RestartPolicy
from verifier.settings import VerifierSettings

__all__ = ["ROLES", "data_folder", "network_endpoints", "network_keys", "network_ports", "restarts"]

ROLES: tuple[type[RoleSettings], ...] = (IssuerSettings, HolderSettings, VerifierSettings)
_NAMES = {IssuerSettings: "the hospital's", HolderSettings: "the wallets'", VerifierSettings: "the clinic's"}


def network_ports() -> list[EnvSetting]:
    """Where every part listens: the ledger's, then each role's controller and agent."""
    rows = ledger_ports()
    for role in ROLES:
        name = _NAMES[role]
        rows += [
            env_setting(role, "host", f"where {name} controller and agent listen"),
            env_setting(role, "port", f"{name} controller (API, /docs)"),
            env_setting(role, "agent_inbound_port", f"{name} agent, DIDComm"),
            env_setting(role, "agent_admin_port", f"{name} agent, admin API"),
        ]
    return rows


def network_endpoints() -> list[EnvSetting]:
    """What other machines are told: each agent's DIDComm endpoint, the hospital's links."""
    endpoint = "http://host:inbound port"
    return [
        *(env_setting(role, "agent_endpoint", f"{_NAMES[role]} DIDComm endpoint in invitations", endpoint)
          for role in ROLES),
        env_setting(IssuerSettings, "public_url", "the base of every SMART Health Link", "http://host:port"),
    ]


def network_keys() -> list[EnvSetting]:
    """The keys a caller may give; each one not given is generated into MEDCRED_HOME/<role>/secrets/."""
    return [
        *(env_setting(role, "api_key", f"{_NAMES[role]} staff key (X-API-Key), else secrets/") for role in ROLES),
        env_setting(IssuerSettings, "portal_api_key", "the hospital's patient-portal key"),
        env_setting(IssuerSettings, "records_kek", "the records key-encryption key", "~/.config/medcred/records-keks/"),
        env_setting(IssuerSettings, "records_kek_file", "or a key file holding it"),
        *ledger_keys(),
    ]


def restarts() -> list[EnvSetting]:
    return [env_setting(RestartPolicy, "first_delay", "s before a dead child starts again"),
            env_setting(RestartPolicy, "max_delay", "s at most between restarts")]  # fmt: skip
