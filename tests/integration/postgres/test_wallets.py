"""The agents' wallets and the controllers' stores in PostgreSQL (`medcred up --postgres`): a private
cluster made from the machine's own binaries, a second network on it (the session's ledger, ports of its
own). The holder keeps every patient's sub-wallet as a profile of its one store. A patient is issued a
vaccination and proves it; everything is stopped and started again, PostgreSQL included, and nothing is
lost: the patient proves it again. Bad database settings are one clear error at start.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import sys
from pathlib import Path

import httpx
import psycopg
import pytest
from pydantic import SecretStr

from holder import HolderSettings
from issuer import IssuerSettings
from ledger.network import LedgerNetwork
from medcred import samples
from medcred.database import Database
from medcred.errors import ConfigurationError
from stack.clients import PatientClient
from stack.demo import scenario
from stack.network import MedcredNetwork
from stack.postgres import PrivateCluster
from tests.integration.second_network import role_settings
from verifier import VerifierSettings


async def audit_verify(home: Path, database_url: str) -> str:
    """`medcred audit verify` on the data folder and that database, as an operator runs it: its output (it passed)."""
    verify = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "medcred"), "audit", "verify", "--home", str(home),
        env={**os.environ, "MEDCRED_DATABASE_URL": database_url}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output = (await verify.communicate())[0].decode()
    assert verify.returncode == 0, output
    return output


def network_on(home: Path, ledger: LedgerNetwork, cluster: PrivateCluster, kek: SecretStr, *,
               issuer: IssuerSettings | None = None, verifier: VerifierSettings | None = None,
               instances: int = 1) -> MedcredNetwork:  # fmt: skip
    """`issuer` without its records_kek: `kek` is set on it."""
    return MedcredNetwork(
        home, ledger=ledger, postgres=cluster, instances=instances,
        issuer=(issuer or role_settings(IssuerSettings, "issuer")).model_copy(update={"records_kek": kek}),
        holder=role_settings(HolderSettings, "holder"),
        verifier=verifier or role_settings(VerifierSettings, "verifier"),
    )  # fmt: skip


async def prove(network: MedcredNetwork, http: httpx.AsyncClient, wallet: PatientClient) -> str:
    clinic = network.staff_clients(http).clinic
    started = await clinic.start("vaccination-status")
    accepted = await wallet.accept_invitation(started["invitation_url"])
    await wallet.present(accepted["proof_request_id"])
    return str((await clinic.result(started["verification_id"], wait=30))["state"])


async def test_wallets_in_postgresql_survive_a_restart_of_everything(
    ledger_network: LedgerNetwork, cluster: PrivateCluster, tmp_path: Path
) -> None:
    home, kek = tmp_path / "medcred", SecretStr(secrets.token_bytes(32).hex())
    ref = f"pg-{secrets.token_hex(4)}"
    async with network_on(home, ledger_network, cluster, kek) as network, httpx.AsyncClient(timeout=60) as http:
        staff = network.staff_clients(http)
        await staff.hospital.put_patient(ref, samples.patient(ref))
        _, token = await staff.wallets.create_patient()
        wallet = PatientClient(http, network.holder.url, token)
        await wallet.accept_invitation(await staff.hospital.invite(ref))
        await staff.hospital.wait_issued(await staff.hospital.issue(ref, "vaccination",
                                                                    fhir=samples.immunization(ref, dose=2)))
        assert await prove(network, http, wallet) == "verified"
        # The demo's scenario on it: predicates, eligibility, a revocation; and a health record stored.
        first, eligibility, after = await scenario(staff.hospital, staff.wallets, staff.clinic, http,
                                                   network.holder.url, ref=f"pg-demo-{secrets.token_hex(4)}")
        assert (first["state"], eligibility["state"], after["state"]) == ("verified", "verified", "failed")
        record = await staff.hospital.call("POST", f"/patients/{ref}/records", json={
            "name": "immunizations.json", "content_type": "application/fhir+json",
            "fhir": samples.immunization(ref, dose=2)})  # fmt: skip
        assert network.holder.agent.config.argv().count("wallet_type=single-wallet-askar") == 1
        # Every agent's wallet is a database of the cluster; no SQLite wallet was made in the data folder.
        async with await psycopg.AsyncConnection.connect(cluster.url) as connection:
            rows = await (await connection.execute("SELECT datname FROM pg_database")).fetchall()
        databases = {row[0] for row in rows}
        assert {"medcred-issuer", "medcred-holder", "medcred-verifier"} <= databases
        assert not [name for name in databases if name.startswith("patient-")]  # a patient is a profile, not a db
        # The controllers' own stores are rows of the medcred database: no SQLite file in any data folder.
        async with await psycopg.AsyncConnection.connect(cluster.url) as connection:
            stores = {row[0] for row in await (await connection.execute(
                "SELECT DISTINCT store FROM documents")).fetchall()}  # fmt: skip
            indexed = await (await connection.execute("SELECT record_id FROM record_index")).fetchall()
        assert {"issuer-issuer", "holder-holder", "verifier-verifier"} <= stores
        assert [row[0] for row in indexed] == [record["record_id"]]
        assert not list(home.rglob("*.db")) and not list(home.rglob("index.sqlite3"))
        assert not list(home.rglob("entries.jsonl"))  # the audit logs are rows too

    # Everything stops (PostgreSQL last) and starts again on the same data: nothing is lost.

    async with network_on(home, ledger_network, cluster, kek) as network, httpx.AsyncClient(timeout=60) as http:
        wallet = PatientClient(http, network.holder.url, token)
        (credential,) = await wallet.credentials()
        assert credential["type"] == "vaccination"
        assert await prove(network, http, wallet) == "verified"
        (kept,) = await network.staff_clients(http).hospital.call("GET", f"/patients/{ref}/records")
        assert kept["record_id"] == record["record_id"]
        # The audit logs, kept across the restart in the database, verify (exported to files on the way).
        output = await audit_verify(home, cluster.url)
        for role in ("holder", "issuer", "verifier"):
            assert re.search(rf"^{role} \(database\): OK - \d+ entries, [1-9]\d* batch", output, re.M), output


async def test_a_database_that_cannot_be_used_is_one_clear_error_at_start(
    cluster: PrivateCluster, tmp_path: Path
) -> None:
    await cluster.start()
    good = Database.parse(SecretStr(cluster.url))
    wrong = SecretStr(f"postgresql://{good.user}:not-the-password@127.0.0.1:{good.port}/{good.name}")
    with pytest.raises(ConfigurationError, match="refused the password") as refused:
        await Database.parse(wrong).check()
    assert "not-the-password" not in str(refused.value)
    with pytest.raises(ConfigurationError, match="does not answer"):
        await Database.parse(SecretStr("postgresql://medcred:pw@127.0.0.1:1/medcred")).check(timeout=2)
    with pytest.raises(ConfigurationError, match="postgresql://user:password@host:port/db"):
        Database.parse(SecretStr("mysql://medcred:pw@127.0.0.1/medcred"))
    await good.check()  # the cluster's own URL works


async def test_a_database_a_newer_medcred_migrated_is_refused_before_any_agent_starts(
    ledger_network: LedgerNetwork, cluster: PrivateCluster, tmp_path: Path
) -> None:
    await cluster.start()
    async with await psycopg.AsyncConnection.connect(cluster.url, autocommit=True) as connection:
        await connection.execute("CREATE TABLE medcred_schema (version INTEGER NOT NULL)")
        await connection.execute("INSERT INTO medcred_schema (version) VALUES (99)")
    network = network_on(tmp_path / "medcred", ledger_network, cluster, SecretStr(secrets.token_bytes(32).hex()))
    with pytest.raises(ConfigurationError, match=r"schema version 99, newer than this medcred's \(\d+\)"):
        async with network:
            pass
    assert not (tmp_path / "medcred" / "issuer" / "agent").exists()  # no agent was started
