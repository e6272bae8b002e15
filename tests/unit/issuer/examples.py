"""FHIR R4 example resources (the shapes docs/DOMAIN.md describes); each call returns a fresh copy."""

from __future__ import annotations

from typing import Any

CVX = "http://hl7.org/fhir/sid/cvx"
SNOMED = "http://snomed.info/sct"


def patient() -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": "pat-1",
        "name": [{"use": "official", "family": "Doe", "given": ["Jane", "Q"]}],
        "birthDate": "1990-01-02",
        "identifier": [
            {"system": "urn:oid:1.2.36.146.595.217.0.1", "value": "MRN-77"},
            {"system": "https://health.example.org/health-id", "value": "HID-123456"},
        ],
    }


def immunization() -> dict[str, Any]:
    return {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": {"coding": [{"system": CVX, "code": "207", "display": "COVID-19, mRNA, LNP-S, PF"}]},
        "patient": {"reference": "Patient/pat-1"},
        "occurrenceDateTime": "2021-03-04T10:30:00+01:00",
        "lotNumber": "EW0182",
        "performer": [{"actor": {"display": "City Hospital Vaccination Centre"}}],
        "protocolApplied": [{"doseNumberPositiveInt": 2}],
    }


def allergy() -> dict[str, Any]:
    return {
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "verificationStatus": {"coding": [{"code": "confirmed"}]},
        "code": {"coding": [{"system": SNOMED, "code": "91935009", "display": "Allergy to peanuts"}]},
        "criticality": "high",
        "category": ["food", "medication"],
        "recordedDate": "2020-06-01",
        "patient": {"reference": "Patient/pat-1"},
    }
