"""FHIR R4 resources built from a few fields: the hospital desk's forms, the demo, the benchmark and the tests
(the values here are synthetic: no real person's data)."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

HEALTH_ID_SYSTEM = "https://medcred.example/health-id"


def patient(ref: str, *, given: str = "Alex", family: str = "Rivera", birth_date: str = "1990-04-12",
            health_id: str | None = None) -> Json:
    return {
        "resourceType": "Patient",
        "id": ref,
        "name": [{"family": family, "given": [given]}],
        "birthDate": birth_date,
        "identifier": [{"system": HEALTH_ID_SYSTEM, "value": health_id or f"HID-{ref}"}],
    }


def immunization(ref: str, *, dose: int, date: str = "2021-05-03", cvx: str = "208",
                 name: str = "COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose", lot: str = "EW0182",
                 performer: str = "City Hospital vaccination centre") -> Json:
    return {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": cvx, "display": name}]},
        "patient": {"reference": f"Patient/{ref}"},
        "occurrenceDateTime": date,
        "lotNumber": lot,
        "performer": [{"actor": {"display": performer}}],
        "protocolApplied": [{"doseNumberPositiveInt": dose}],
    }


def allergy(ref: str, *, code: str = "91936005", display: str = "Allergy to penicillin",
            criticality: str = "high", recorded: str = "2019-11-02") -> Json:
    return {
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "code": "confirmed"}]},
        "category": ["medication"],
        "criticality": criticality,
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]},
        "patient": {"reference": f"Patient/{ref}"},
        "recordedDate": recorded,
    }
