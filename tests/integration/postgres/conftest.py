"""One private PostgreSQL cluster for the session's database tests (port 5498); each test a database of its own."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from pydantic import SecretStr

from medcred.database import Database
from stack.postgres import PrivateCluster

STORES_PORT = 5498
NETWORK_PORT = 5499  # a test network's own cluster (`cluster`)


@pytest_asyncio.fixture(scope="session")
async def stores_cluster(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PrivateCluster]:
    cluster = PrivateCluster.for_home(Path(tmp_path_factory.mktemp("pg-stores")), STORES_PORT)
    await cluster.start()
    try:
        yield cluster
    finally:
        await cluster.stop()
        await cluster.remove()


@pytest_asyncio.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[PrivateCluster]:
    """A private cluster for a test's network, in its data folder (`tmp_path / "medcred"`), not yet started:
    the network starts and stops it, as `medcred up --postgres` does; removed afterwards."""
    made = PrivateCluster.for_home(tmp_path / "medcred", NETWORK_PORT)
    try:
        yield made
    finally:
        await made.stop()
        await made.remove()


@pytest.fixture
def database(stores_cluster: PrivateCluster) -> Iterator[Database]:
    """A new, empty database of the cluster, dropped afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(stores_cluster.url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"'.encode())
    cluster_db = Database.parse(SecretStr(stores_cluster.url))
    yield Database(cluster_db.user, cluster_db.password, cluster_db.host, cluster_db.port, name)
    with psycopg.connect(stores_cluster.url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)'.encode())
