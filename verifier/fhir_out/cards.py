"""A SMART Health Card verification as FHIR: each verified card's Patient (name, birth date) and
Immunizations, as the card signed them, with one Provenance per card (its `iss` and trust-list name).
Refused cards are left out; a verification with no verified card is a 409."""

from __future__ import annotations

from typing import Any

from medcred.errors import ConflictError
from verifier.fhir_out.resources import Entries, coding, fhir_date, provenance
from verifier.health_cards.models import CardImmunizationView, CardResult, CardVerification

__all__ = ["card_bundle"]

METHOD, METHOD_NAME = "smart-health-card", "SMART Health Card (ES256 signature, issuer in the trust list)"


def _patient(result: CardResult) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Patient"}
    if result.patient_name:
        resource["name"] = [{"text": result.patient_name[:500]}]
    if birth_date := fhir_date(result.patient_birth_date):
        resource["birthDate"] = birth_date
    return resource


def _immunization(dose: CardImmunizationView, patient: str) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Immunization", "status": "completed",
                                "vaccineCode": coding(dose.vaccine_code, dose.vaccine_system),
                                "patient": {"reference": patient}}  # fmt: skip
    date = (dose.date or "").strip()
    if fhir_date(date[:10]) and (len(date) <= 10 or "T" in date):
        resource["occurrenceDateTime"] = date
    else:
        resource["occurrenceString"] = date[:100] or "not on the card"
    if dose.lot_number:
        resource["lotNumber"] = dose.lot_number[:100]
    if dose.performer:
        resource["performer"] = [{"actor": {"display": dose.performer[:500]}}]
    return resource


def card_bundle(verification: CardVerification, *, verifier: str) -> dict[str, Any]:
    """The verified cards of the verification as one FHIR Bundle; 409 when none verified."""
    verified = [result for result in verification.results if result.verified]
    if not verified:
        raise ConflictError(f"health card verification {verification.verification_id} verified no card")
    entries, records = Entries(), []
    for result in verified:
        patient = entries.add(_patient(result))
        doses = [entries.add(_immunization(dose, patient)) for dose in result.immunizations]
        issuer = result.issuer
        records.append(provenance(
            [patient, *doses], issuer=issuer.iss if issuer else None, issuer_name=issuer.name if issuer else None,
            method=METHOD, method_name=METHOD_NAME, checked_at=verification.checked_at, verifier=verifier,
        ))  # fmt: skip
    return entries.bundle(records, verification.checked_at)
