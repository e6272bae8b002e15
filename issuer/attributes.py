"""Credential attributes of each credential type, exactly as `medcred.credentials.SCHEMAS` names them.

AnonCreds attributes are strings; dates a predicate may compare also go as `YYYYMMDD` integers
(`*_dateint`), and a coded value keeps its system beside its code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from issuer import fhir
from issuer.fhir import PatientFacts
from medcred.credentials import SCHEMAS, CredentialType, dateint
from medcred.errors import MedcredError, UnprocessableError

__all__ = ["allergy_attributes", "health_id_attributes", "parse_expiry", "vaccination_attributes"]

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _checked(kind: CredentialType, attributes: dict[str, str]) -> dict[str, str]:
    expected = SCHEMAS[kind].attributes
    if tuple(attributes) != expected:  # a programming error, never the caller's
        raise MedcredError(f"{kind} attributes do not match its schema {SCHEMAS[kind].name}")
    return attributes


def _same_patient(reference: Any, patient: PatientFacts, kind: str) -> None:
    """Refuse a resource that names another FHIR Patient than the one stored for this patient_ref."""
    ref = getattr(reference, "reference", None) or ""
    if patient.fhir_id and ref.startswith("Patient/") and ref.removeprefix("Patient/") != patient.fhir_id:
        raise UnprocessableError(f"{kind}.patient refers to another Patient than this patient's")


def vaccination_attributes(resource: Mapping[str, Any], patient: PatientFacts) -> dict[str, str]:
    """A FHIR Immunization (status completed) -> the vaccination credential's attributes."""
    record = fhir.immunization(resource)
    _, coding, occurred, dose = fhir.checked(
        "FHIR Immunization",
        lambda: _same_patient(record.patient, patient, "Immunization"),
        lambda: fhir.first_coding(record.vaccineCode, "Immunization.vaccineCode"),
        lambda: fhir.full_date(record.occurrenceDateTime, "Immunization.occurrenceDateTime"),
        lambda: _dose_number(record),
    )
    performers = record.performer or []
    performer = performers[0].actor.display if performers and performers[0].actor else None
    return _checked(CredentialType.VACCINATION, {
        "patient_name": patient.name,
        "patient_birthdate": patient.birth_date.isoformat(),
        "vaccine_code": str(coding.code),
        "vaccine_system": str(coding.system),
        "vaccine_name": coding.display or record.vaccineCode.text or "",
        "dose_number": str(dose),
        "occurrence_date": occurred.isoformat(),
        "occurrence_dateint": str(dateint(occurred)),
        "lot_number": record.lotNumber or "",
        "performer": performer or "",
    })  # fmt: skip


def _dose_number(record: Any) -> int:
    applied = record.protocolApplied or []
    if not applied:
        raise UnprocessableError("Immunization.protocolApplied[0].doseNumberPositiveInt is required")
    first = applied[0]
    if first.doseNumberPositiveInt is not None:
        return int(first.doseNumberPositiveInt)
    text = (first.doseNumberString or "").strip()
    if text.isdecimal() and int(text) > 0:
        return int(text)
    raise UnprocessableError("Immunization.protocolApplied[0] needs a dose number (a positive integer)")


def allergy_attributes(resource: Mapping[str, Any], patient: PatientFacts) -> dict[str, str]:
    """A FHIR AllergyIntolerance -> the allergy credential's attributes."""
    record = fhir.allergy(resource)
    _, coding, recorded = fhir.checked(
        "FHIR AllergyIntolerance",
        lambda: _same_patient(record.patient, patient, "AllergyIntolerance"),
        lambda: fhir.first_coding(record.code, "AllergyIntolerance.code"),
        lambda: fhir.full_date(record.recordedDate, "AllergyIntolerance.recordedDate"),
    )
    return _checked(CredentialType.ALLERGY, {
        "patient_name": patient.name,
        "substance_code": str(coding.code),
        "substance_system": str(coding.system),
        "substance_name": coding.display or (record.code.text if record.code else None) or "",
        "criticality": record.criticality or "",
        "category": ",".join(c for c in record.category or [] if c),
        "recorded_date": recorded.isoformat(),
        "recorded_dateint": str(dateint(recorded)),
    })  # fmt: skip


def parse_expiry(value: str, today: date) -> date:
    """A health ID's expiry: a valid calendar date (YYYY-MM-DD) after today."""
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        expiry = date.fromisoformat(value)
    except ValueError:
        raise UnprocessableError("expiry must be a valid date, YYYY-MM-DD") from None
    if expiry <= today:
        raise UnprocessableError("expiry must be a date (YYYY-MM-DD) after today")
    return expiry


def health_id_attributes(patient: PatientFacts, expiry: str, today: date) -> dict[str, str]:
    """The stored patient and an expiry date -> the health ID credential's attributes."""
    expires = parse_expiry(expiry, today)
    return _checked(CredentialType.HEALTH_ID, {
        "name": patient.name,
        "birthdate": patient.birth_date.isoformat(),
        "birthdate_dateint": str(dateint(patient.birth_date)),
        "health_id_number": patient.health_id,
        "expiry_date": expires.isoformat(),
        "expiry_dateint": str(dateint(expires)),
    })  # fmt: skip
