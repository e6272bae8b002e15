"""The controllers' own tables in PostgreSQL (`MEDCRED_DATABASE_URL`), made and migrated by medcred.

    pool = open_pool(database, name="issuer")   # connects, migrates an older schema, refuses a newer one
    with pool.connection() as connection:
        connection.execute("SELECT ...")

The schema's version is the one row of `medcred_schema`; version N is `MIGRATIONS[:N]` applied in order.
Migrating takes a transaction-scoped advisory lock, so that instances starting at once migrate it once.
A database migrated by a newer medcred (a version this code does not know) is refused at start: this
code cannot know what the newer one changed.

The tables (the agents' wallets are databases of their own, made by ACA-Py):
    documents          every role's `DocumentStore` (store, collection, key -> JSON body)
    record_index       the issuer's health records: metadata and each record's wrapped data key
    record_tombstones  what remains of an erased record
    record_meta        the record store's check values (its KEK's, its folder's)
    audit_entries      every service's audit log: one row per entry (audit.log_postgres)
    audit_batches      and one per batch anchored on the ledger
    webhook_deliveries the agents' webhook deliveries some instance took (agents.deliveries)

Connections are autocommit: each statement is committed at once, as in the SQLite stores; a statement
that must go with another takes `connection.transaction()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medcred.database import Database
from medcred.errors import ConfigurationError

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "open_pool", "schema_version"]

MIGRATIONS: tuple[str, ...] = (
    # 1: the document stores and the health records' index
    """
    CREATE TABLE documents (store TEXT NOT NULL, collection TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL,
                            seq BIGSERIAL NOT NULL, PRIMARY KEY (store, collection, key));
    CREATE INDEX documents_in_order ON documents (store, collection, seq);
    CREATE TABLE record_index (record_id TEXT PRIMARY KEY, patient_ref TEXT NOT NULL, body TEXT NOT NULL,
                               wrapped_key BYTEA NOT NULL, seq BIGSERIAL NOT NULL);
    CREATE INDEX record_index_by_patient ON record_index (patient_ref, seq);
    CREATE TABLE record_tombstones (record_id TEXT PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE record_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: the services' audit logs (audit.log_postgres): each row its canonical JSON line
    """
    CREATE TABLE audit_entries (service TEXT NOT NULL, seq BIGINT NOT NULL, byte_offset BIGINT NOT NULL,
                                appended_at DOUBLE PRECISION NOT NULL, subject TEXT, hash TEXT NOT NULL,
                                line TEXT NOT NULL, PRIMARY KEY (service, seq));
    CREATE INDEX audit_entries_by_subject ON audit_entries (service, subject, seq);
    CREATE TABLE audit_batches (service TEXT NOT NULL, batch INTEGER NOT NULL, first_seq BIGINT NOT NULL,
                                last_seq BIGINT NOT NULL, line TEXT NOT NULL, PRIMARY KEY (service, batch));
    """,
    # 3: the webhook deliveries a role's instances have taken (agents.deliveries)
    """
    CREATE TABLE webhook_deliveries (role TEXT NOT NULL, key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL,
                                     PRIMARY KEY (role, key));
    CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (role, at);
    """,
    # 4: a delivery is settled once handled; until then its claim is a lease another instance may take over
    """
    ALTER TABLE webhook_deliveries ADD COLUMN done BOOLEAN NOT NULL DEFAULT TRUE;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
MIGRATION_LOCK = 0x6D656463  # "medc": the advisory lock of a migration
POOL_SIZE = 4  # per store and process: its statements are short, two cores serve a handful at once


def open_pool(database: Database, *, name: str, timeout: float = 10.0) -> ConnectionPool:
    """A small pool on the database, its schema at this code's version: ConfigurationError if it cannot be."""
    import psycopg  # only where PostgreSQL is used
    from psycopg_pool import ConnectionPool, PoolTimeout

    try:  # one connection first, for an error that says what is wrong (a pool only retries until it times out)
        with psycopg.connect(**database.connect_kwargs(timeout), autocommit=True) as connection:
            migrate(connection, database)
    except psycopg.OperationalError as exc:
        raise database.explain(exc) from None
    kwargs = {**database.connect_kwargs(timeout), "autocommit": True}
    pool = ConnectionPool(kwargs=kwargs, min_size=1, max_size=POOL_SIZE, name=f"medcred-{name}", open=False)
    try:
        pool.open(wait=True, timeout=timeout)
    except PoolTimeout:
        pool.close()
        raise ConfigurationError(f"the database {database.safe()} does not answer") from None
    return pool


def schema_version(connection: Connection) -> int:
    """The version the database is at (0: medcred never migrated it)."""
    row = connection.execute(
        "SELECT version FROM medcred_schema" if _has_version_table(connection) else "SELECT 0"
    ).fetchone()
    return int(row[0]) if row else 0


def migrate(connection: Connection, database: Database) -> None:
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        connection.execute("CREATE TABLE IF NOT EXISTS medcred_schema (version INTEGER NOT NULL)")
        current = schema_version(connection)
        if current > SCHEMA_VERSION:
            raise ConfigurationError(
                f"the database {database.safe()} has medcred's schema version {current}, newer than this "
                f"medcred's ({SCHEMA_VERSION}): run the medcred that migrated it, or a newer one"
            )
        for script in MIGRATIONS[current:]:
            connection.execute(script.encode())
        connection.execute("DELETE FROM medcred_schema")
        connection.execute("INSERT INTO medcred_schema (version) VALUES (%s)", (SCHEMA_VERSION,))


def _has_version_table(connection: Connection) -> bool:
    row = connection.execute("SELECT to_regclass('medcred_schema') IS NOT NULL").fetchone()
    return bool(row and row[0])
