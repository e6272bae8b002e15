"""The controllers' own stores in a real PostgreSQL (`MEDCRED_DATABASE_URL`): the document store behaves as
on SQLite, several instances share it, the schema is made once and a newer one is refused, the health
records' index keeps its keys and tombstones there, and bad settings are one clear error."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr

from issuer import IssuerSettings
from issuer.health_records.store import RecordStore
from medcred.database import Database
from medcred.endings import STALE_ENDING, Endings
from medcred.errors import ConfigurationError, RecordErasedError
from medcred.schema import SCHEMA_VERSION, open_pool, schema_version
from medcred.store import DocumentStore, PostgresDocumentStore, SqliteDocumentStore, open_store
from tests.integration.postgres.conftest import STORES_PORT
from tests.unit.issuer import examples

KEK = bytes(range(32))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DocumentStore]:
    if request.param == "sqlite":
        opened: DocumentStore = SqliteDocumentStore(tmp_path / "t.db")
    else:
        database: Database = request.getfixturevalue("database")
        opened = PostgresDocumentStore(open_pool(database, name="t"), "issuer-t")
    yield opened
    opened.close()


def test_the_store_keeps_documents_by_collection_and_key_in_the_order_first_written(store: DocumentStore) -> None:
    store.put("patients", "b", {"n": 1})
    store.put("patients", "a", {"n": 2, "nested": {"list": [1, "two"]}})
    store.put("others", "a", {"n": 3})
    store.put("patients", "b", {"n": 4})  # replaces, keeps its place
    assert store.get("patients", "a") == {"n": 2, "nested": {"list": [1, "two"]}}
    assert list(store.all("patients")) == [("b", {"n": 4}), ("a", {"n": 2, "nested": {"list": [1, "two"]}})]
    assert store.insert("patients", "a", {"n": 9}) is False and store.get("patients", "a") == {
        "n": 2, "nested": {"list": [1, "two"]}}  # fmt: skip
    assert store.insert("patients", "c", {"n": 5}) is True
    store.delete("patients", "b")
    assert store.get("patients", "b") is None and store.get("others", "a") == {"n": 3}
    assert [key for key, _ in store.all("patients")] == ["a", "c"]
    assert list(store.all("nothing")) == []


def test_two_instances_share_a_store_and_one_claim_of_a_key_wins(database: Database) -> None:
    first = PostgresDocumentStore(open_pool(database, name="a"), "verifier-verifier")
    second = PostgresDocumentStore(open_pool(database, name="b"), "verifier-verifier")
    other_role = PostgresDocumentStore(open_pool(database, name="c"), "holder-holder")
    try:
        first.put("results", "r-1", {"state": "verified"})
        assert second.get("results", "r-1") == {"state": "verified"}
        assert other_role.get("results", "r-1") is None  # a store's rows are its own

        wins: list[bool] = []
        barrier = threading.Barrier(8)

        def claim(store: DocumentStore, n: int) -> None:
            barrier.wait()
            wins.append(store.insert("webhooks", "event-1", {"by": n}))

        threads = [threading.Thread(target=claim, args=(first if n % 2 else second, n)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(wins) == [False] * 7 + [True]
    finally:
        for store in (first, second, other_role):
            store.close()


def test_an_ending_whose_instance_died_is_repaired_by_one_instance_only(database: Database) -> None:
    first = PostgresDocumentStore(open_pool(database, name="a"), "verifier-endings")
    second = PostgresDocumentStore(open_pool(database, name="b"), "verifier-endings")
    try:
        now = time.time()
        collection = f"endings-{secrets.token_hex(4)}"
        endings = [Endings(first, collection), Endings(second, collection)]  # shared: stale after 30 s
        assert endings[0].claim("died", "verified", {"id": "died"}, at=now - STALE_ENDING - 1)
        assert endings[1].claim("busy", "verified", {"id": "busy"}, at=now)  # being recorded right now
        given: list[list[tuple[str, Any]]] = []
        barrier = threading.Barrier(8)

        def sweep(n: int) -> None:
            barrier.wait()
            given.append(endings[n % 2].orphans(now))

        threads = [threading.Thread(target=sweep, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(given) == [[]] * 7 + [[("died", {"id": "died"})]]
    finally:
        first.close()
        second.close()


def test_nothing_is_lost_when_the_store_is_closed_and_opened_again(database: Database, tmp_path: Path) -> None:
    settings = IssuerSettings(data_dir=tmp_path / "issuer", database_url=SecretStr(database.url()))
    store = open_store(settings, "issuer")
    assert isinstance(store, PostgresDocumentStore)
    store.put("patients", "p-1", {"ref": "p-1"})
    store.close()
    again = open_store(settings, "issuer")
    try:
        assert again.get("patients", "p-1") == {"ref": "p-1"}
    finally:
        again.close()
    assert not list((tmp_path / "issuer").glob("*.db"))  # nothing of it on disk


def test_the_schema_is_made_once_even_by_instances_starting_together(database: Database) -> None:
    pools: list[Any] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            pools.append(open_pool(database, name="x"))
        except BaseException as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == [] and len(pools) == 4
        with pools[0].connection() as db:
            assert schema_version(db) == SCHEMA_VERSION
            assert db.execute("SELECT count(*) FROM medcred_schema").fetchone() == (1,)
    finally:
        for pool in pools:
            pool.close()


def test_a_database_of_a_newer_schema_is_refused_at_start(database: Database) -> None:
    open_pool(database, name="x").close()
    with psycopg.connect(**database.connect_kwargs(), autocommit=True) as db:
        db.execute("UPDATE medcred_schema SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(ConfigurationError, match=rf"schema version {SCHEMA_VERSION + 1}, newer than this medcred's"):
        open_pool(database, name="x")


@pytest.mark.parametrize("change, error", [
    ({"password": SecretStr("not-the-password")}, "refused the password of medcred"),
    ({"name": "no_such_database"}, "has no database or role named so"),
    ({"port": STORES_PORT + 7}, "does not answer"),
])  # fmt: skip
def test_bad_database_settings_are_one_clear_error(database: Database, change: dict[str, Any], error: str) -> None:
    fields = {"user": database.user, "password": database.password, "host": database.host, "port": database.port,
              "name": database.name, **change}  # fmt: skip
    with pytest.raises(ConfigurationError, match=error) as caught:
        open_pool(Database(**fields), name="x", timeout=2)
    assert database.password.get_secret_value() not in str(caught.value)


def test_health_records_keep_their_index_in_postgresql(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "records"
    fhir = json.dumps(examples.immunization()).encode()
    with RecordStore(folder, KEK, _Audit(), database=database) as store:
        kept = store.put("p-1", "vaccinations.json", "application/fhir+json", fhir)
        erased = store.put("p-1", "old.json", "application/fhir+json", fhir)
        store.erase(erased.record_id, requested_by="p-1")
    assert not (folder / "index.sqlite3").exists()
    with psycopg.connect(**database.connect_kwargs()) as db:
        rows = db.execute("SELECT record_id, body, wrapped_key FROM record_index").fetchall()
        assert [row[0] for row in rows] == [kept.record_id]
        assert b"Immunization" not in rows[0][1].encode() + bytes(rows[0][2])  # no health data in the index
        assert db.execute("SELECT count(*) FROM record_tombstones").fetchone() == (1,)
    with RecordStore(folder, KEK, _Audit(), database=database) as again:  # a restart keeps both
        assert again.get(kept.record_id)[1] == fhir
        with pytest.raises(RecordErasedError):
            again.get(erased.record_id)
    with pytest.raises(ConfigurationError, match="does not match"):
        RecordStore(folder, bytes(range(1, 33)), _Audit(), database=database).open()


class _Audit:
    def record(self, event: str, *, subject: str | None = None, **details: Any) -> None:
        pass
