"""MEDCRED_DATABASE_URL read once into what the agents need, its password never in an argument or a message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from holder import HolderSettings
from holder import agent_config as holder_agent
from medcred.database import Database
from medcred.errors import ConfigurationError

URL = SecretStr("postgresql://medcred:s3cr%2Ft@db.example:5433/medcred")


def test_a_url_gives_the_agents_storage_config_and_credentials() -> None:
    db = Database.parse(URL)
    assert json.loads(db.storage_config()) == {"url": "db.example:5433", "max_connections": 16}
    assert json.loads(db.storage_creds()) == {"account": "medcred", "password": "s3cr/t", "admin_account": "medcred",
                                              "admin_password": "s3cr/t"}  # fmt: skip
    assert db.safe() == "postgresql://medcred:***@db.example:5433/medcred"
    assert Database.parse(SecretStr(db.url())) == db


@pytest.mark.parametrize("url", ["mysql://a:b@h/db", "postgresql://h/db", "postgresql://a:b@h/", "postgresql://a:b@h:x/db"])
def test_a_url_that_is_not_a_postgresql_one_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Database.parse(SecretStr(url))
    assert ":b@" not in str(refused.value)


def test_a_multitenant_agent_on_postgresql_keeps_every_patient_as_a_profile_of_one_store(tmp_path: Path) -> None:
    config = holder_agent(HolderSettings(data_dir=tmp_path, database_url=URL))
    argv = config.argv()
    assert argv[argv.index("--wallet-storage-type") + 1] == "postgres_storage"
    assert argv[argv.index("--multitenancy-config") + 1] == "wallet_type=single-wallet-askar"
    assert "s3cr" not in " ".join(argv)  # the password travels in the environment only
    assert json.loads(config.env()["ACAPY_WALLET_STORAGE_CREDS"])["password"] == "s3cr/t"
    plain = holder_agent(HolderSettings(data_dir=tmp_path)).argv()
    assert "--wallet-storage-type" not in plain and "--multitenancy-config" not in plain
