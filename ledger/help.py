"""The settings that steer the ledger's commands, as rows of their `--help` (`medcred.console.settings_epilog`)."""

from __future__ import annotations

from ledger.settings import LedgerSettings
from ledger.tails import TailsSettings
from medcred.console import EnvSetting, env_setting
from medcred.settings import HomeSettings

__all__ = ["data_folder", "ledger_keys", "ledger_ports"]


def data_folder() -> list[EnvSetting]:
    return [env_setting(HomeSettings, "home", "the data folder: pool, wallets, tails files, keys", "./.medcred")]


def ledger_ports() -> list[EnvSetting]:
    return [
        env_setting(LedgerSettings, "host", "where the validators and the ledger web server listen"),
        env_setting(LedgerSettings, "base_port", "validator N listens on base+2N-1 (nodes), base+2N (clients)"),
        env_setting(LedgerSettings, "node_count"),
        env_setting(LedgerSettings, "web_port", "the ledger web server (/genesis, /status, /register)"),
        env_setting(TailsSettings, "host", "where the tails server listens"),
        env_setting(TailsSettings, "port", "the tails server"),
    ]


def ledger_keys() -> list[EnvSetting]:
    return [
        env_setting(LedgerSettings, "api_key", "the key of POST /register, else MEDCRED_HOME/ledger/secrets/"),
        env_setting(LedgerSettings, "register_open", "POST /register without a key (development only)"),
        env_setting(LedgerSettings, "genesis_url", "join another Indy network (URL or file): no local validators"),
        env_setting(LedgerSettings, "endorser_seed", "your steward's DID seed on that network (registers ours)"),
    ]
