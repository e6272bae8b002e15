"""Fixtures for the flows: clients of the three controllers and freshly onboarded patients."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from holder.context import HolderAdminClient, HolderContext, Tenants
from holder.models import Patient as WalletAccount
from medcred import samples
from stack.clients import HospitalClient, PatientClient, VerifierClient, WalletAdminClient
from stack.network import MedcredNetwork, Role


@pytest_asyncio.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=90) as client:
        yield client


@pytest.fixture
def hospital(network: MedcredNetwork, http: httpx.AsyncClient) -> HospitalClient:
    return HospitalClient(http, network.issuer.url, network.issuer.api_key())


@pytest.fixture
def wallets(network: MedcredNetwork, http: httpx.AsyncClient) -> WalletAdminClient:
    return WalletAdminClient(http, network.holder.url, network.holder.api_key())


@pytest.fixture
def clinic(network: MedcredNetwork, http: httpx.AsyncClient) -> VerifierClient:
    return VerifierClient(http, network.verifier.url, network.verifier.api_key())


@dataclass
class Patient:
    ref: str
    patient_id: str
    wallet: PatientClient


Onboard = Callable[..., Awaitable[Patient]]


@pytest.fixture
def onboard(
    network: MedcredNetwork, http: httpx.AsyncClient, hospital: HospitalClient, wallets: WalletAdminClient
) -> Onboard:
    """Make a new patient known to the hospital, give them a wallet, and connect the two."""

    async def make(birth_date: str = "1990-04-12", given: str = "Alex", family: str = "Rivera") -> Patient:
        ref = f"p-{secrets.token_hex(6)}"
        await hospital.put_patient(ref, samples.patient(ref, given=given, family=family, birth_date=birth_date))
        patient_id, token = await wallets.create_patient()
        wallet = PatientClient(http, network.holder.url, token)
        await wallet.accept_invitation(await hospital.invite(ref))
        return Patient(ref, patient_id, wallet)

    return make


async def issue(hospital: HospitalClient, patient: Patient, kind: str, **body: object) -> str:
    credential_id = await hospital.issue(patient.ref, kind, **body)  # type: ignore[arg-type]
    await hospital.wait_issued(credential_id)
    return credential_id


async def request_proof(clinic: VerifierClient, patient: Patient, template: str) -> tuple[str, str]:
    """The clinic shows its QR; the patient's wallet scans it. Returns (verification_id, proof request id)."""
    started = await clinic.start(template)
    accepted = await patient.wallet.accept_invitation(started["invitation_url"])
    return started["verification_id"], accepted["proof_request_id"]


def tenant(network: MedcredNetwork, patient: Patient) -> HolderAdminClient:
    """The admin client of the patient's own sub-wallet on the holder agent, as the wallet service holds it
    (for tests that act as the patient's agent would, around the wallet service)."""
    assert network.holder.server is not None
    app = network.holder.server.app
    context: HolderContext = app.state.holder
    document = context.store.get("patients", patient.patient_id)
    assert document is not None
    return Tenants(app.state.link.admin).of(WalletAccount.model_validate(document))


def stored_text(network: MedcredNetwork, role: str) -> str:
    """Everything the role's controller keeps, as text: its SQLite file's dump, or (on PostgreSQL) its rows of
    every table: its stores' documents, webhook deliveries, audit entries and batches (tests look in it for
    what must be there and what must not)."""
    if network.database is None:
        store = next(r for r in network.roles if r.name == role).settings.folder() / f"{role}.db"
        return "\n".join(sqlite3.connect(store).iterdump())
    import psycopg
    from psycopg import sql

    rows: list[str] = []
    with psycopg.connect(network.database.url()) as connection:
        # Every store of the role (`<role>-<name>`: its records, its pages' sessions), and its other tables.
        documents = connection.execute("SELECT * FROM documents WHERE starts_with(store, %s)", (f"{role}-",))
        rows.extend(map(repr, documents))
        others = (("webhook_deliveries", "role"), ("audit_entries", "service"), ("audit_batches", "service"))
        for table, column in others:
            query = sql.SQL("SELECT * FROM {} WHERE {} = %s").format(sql.Identifier(table), sql.Identifier(column))
            rows.extend(map(repr, connection.execute(query, (role,))))
    return "\n".join(rows)


def audit_log_folder(network: MedcredNetwork, service: str, scratch: Path) -> Path:
    """The folder of the service's audit log: its own on SQLite; on PostgreSQL its tables exported into
    `scratch` (as `medcred audit verify` verifies them)."""
    if network.database is None:
        return network.home / service / "audit"
    from audit.log_postgres import TableAuditLog
    from medcred.schema import open_pool

    pool = open_pool(network.database, name="audit-test")
    try:
        return TableAuditLog(pool, service, owns_pool=False).export(scratch / service)
    finally:
        pool.close()


async def health_until(http: httpx.AsyncClient, role: Role, status: str, timeout: float) -> httpx.Response:
    """GET the role's controller /health until its status is `status`; fails after `timeout` s."""
    async with asyncio.timeout(timeout):
        while True:
            response = await http.get(f"{role.url}/health")
            if response.json()["status"] == status:
                return response
            await asyncio.sleep(0.2)
