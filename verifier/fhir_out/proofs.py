"""An AnonCreds verification as FHIR: the resource of its credential type with only the revealed values.

    vaccination    Immunization (status completed: the hospital issues credentials for given doses only),
                   vaccineCode from vaccine_code, occurrenceDateTime from occurrence_date
    allergy        AllergyIntolerance, code from substance_code, criticality
    health id      Patient with its identifier (health_id_number)

The patient is not named unless revealed: the resource points at "the holder of the credential". What the
proof proved without revealing (`dose_number >= 2`, `age >= 18`) is on the Provenance (extension
`urn:medcred:fhir:proven-predicate`), beside the issuer (its DID, from the credential definition).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from medcred.credentials import CredentialType
from medcred.errors import ConflictError
from verifier.fhir_out.resources import Entries, coding, fhir_date, provenance
from verifier.models import Verification, VerificationState
from verifier.templates import get_template

__all__ = ["proof_bundle"]

HOLDER = {"display": "the holder of the credential (not revealed)"}
CRITICALITIES = frozenset({"low", "high", "unable-to-assess"})
METHOD, METHOD_NAME = "anoncreds-proof", "AnonCreds zero-knowledge proof"


def _immunization(revealed: dict[str, str]) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Immunization", "status": "completed", "patient": HOLDER,
                                "vaccineCode": coding(revealed.get("vaccine_code"))}  # fmt: skip
    date = fhir_date(revealed.get("occurrence_date"))
    if date:
        resource["occurrenceDateTime"] = date
    else:
        resource["occurrenceString"] = (revealed.get("occurrence_date") or "not revealed")[:100]
    return resource


def _allergy(revealed: dict[str, str]) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "AllergyIntolerance", "patient": HOLDER,
                                "code": coding(revealed.get("substance_code"))}  # fmt: skip
    if revealed.get("criticality") in CRITICALITIES:
        resource["criticality"] = revealed["criticality"]
    return resource


def _patient(revealed: dict[str, str]) -> dict[str, Any]:
    number = (revealed.get("health_id_number") or "").strip()[:100]
    return {"resourceType": "Patient", **({"identifier": [{"value": number}]} if number else {})}


RESOURCES: dict[CredentialType, Callable[[dict[str, str]], dict[str, Any]]] = {
    CredentialType.VACCINATION: _immunization,
    CredentialType.ALLERGY: _allergy,
    CredentialType.HEALTH_ID: _patient,
}


def proof_bundle(verification: Verification, *, verifier: str) -> dict[str, Any]:
    """The verified proof as a FHIR Bundle; 409 while it is not verified."""
    if verification.state is not VerificationState.VERIFIED or verification.completed_at is None:
        raise ConflictError(f"verification {verification.verification_id} is {verification.state}, not verified")
    template = get_template(verification.template)
    entries = Entries()
    target = entries.add(RESOURCES[template.credential](verification.revealed))
    record = provenance([target], issuer=verification.issuer_did, issuer_name=None, method=METHOD,
                        method_name=METHOD_NAME, checked_at=verification.completed_at, verifier=verifier,
                        proven=tuple(verification.predicates))  # fmt: skip
    return entries.bundle([record], verification.completed_at)
