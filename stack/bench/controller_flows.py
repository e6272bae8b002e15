"""The benchmark's flows through our three controllers, exactly as a hospital, a wallet app and a clinic
drive them (`stack.clients`):

    connect   hospital PUT patient -> wallet account -> hospital invitation -> wallet accepts it
    issue     hospital issues a revocable vaccination (dose 2) -> waits until the wallet stored it
    verify    clinic starts `vaccination-status` -> wallet accepts the QR -> presents -> clinic result

The hospital's issue call waits (bounded) for the connection to become active, so the end of the
DID Exchange falls in "issue" here, where the direct path waits for it in "connect".
"""

from __future__ import annotations

import secrets

import httpx

from medcred import samples
from medcred.errors import MedcredError
from stack.bench.batch import Laps
from stack.clients import HospitalClient, PatientClient, VerifierClient, WalletAdminClient

__all__ = ["ControllerFlows"]

TEMPLATE = "vaccination-status"
RESULT_WAIT = 30.0  # seconds the clinic's result call may wait for the presentation


class ControllerFlows:
    def __init__(self, http: httpx.AsyncClient, hospital: HospitalClient, wallets: WalletAdminClient,
                 clinic: VerifierClient, holder_url: str) -> None:
        self.http, self.hospital, self.wallets, self.clinic = http, hospital, wallets, clinic
        self.holder_url = holder_url

    async def connect(self, ref: str) -> PatientClient:
        """A new patient at the hospital, a wallet account for them, and the hospital's invitation accepted."""
        await self.hospital.put_patient(ref, samples.patient(ref))
        _, token = await self.wallets.create_patient()
        wallet = PatientClient(self.http, self.holder_url, token)
        await wallet.accept_invitation(await self.hospital.invite(ref))
        return wallet

    async def issue(self, ref: str) -> None:
        """One revocable vaccination credential (dose 2), until the patient's wallet has stored it."""
        fhir = samples.immunization(ref, dose=2, date="2021-06-01")
        await self.hospital.wait_issued(await self.hospital.issue(ref, "vaccination", fhir=fhir))

    async def verify(self, wallet: PatientClient) -> None:
        """The clinic's vaccination check, answered by the wallet; anything but `verified` is an error."""
        started = await self.clinic.start(TEMPLATE)
        accepted = await wallet.accept_invitation(started["invitation_url"])
        await wallet.present(accepted["proof_request_id"])
        result = await self.clinic.result(started["verification_id"], wait=RESULT_WAIT)
        if result["state"] != "verified":
            raise MedcredError(f"verification {started['verification_id']} ended {result['state']}: {result['reason']}")

    async def flow(self, index: int, laps: Laps) -> None:
        """One full flow for a new patient: connect, issue, verify."""
        ref = f"bench-c{index}-{secrets.token_hex(4)}"
        wallet = await self.connect(ref)
        laps.lap("connect")
        await self.issue(ref)
        laps.lap("issue")
        await self.verify(wallet)
        laps.lap("verify")

    async def issuer_of(self, ref: str) -> IssueToOne:
        """A patient connected once, to whom `IssueToOne.flow` issues one credential per call."""
        await self.connect(ref)
        return IssueToOne(self, ref)


class IssueToOne:
    """The issuance-rate flow: one more revocable credential to the same connected patient."""

    def __init__(self, flows: ControllerFlows, ref: str) -> None:
        self.flows, self.ref = flows, ref

    async def flow(self, index: int, laps: Laps) -> None:
        await self.flows.issue(self.ref)
        laps.lap("issue")
