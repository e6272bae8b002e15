"""The health credentials medcred issues: their types and AnonCreds schemas (the issuer-verifier contract).

AnonCreds attributes are strings; predicates compare integers, so every date a predicate may use is
also carried as a `YYYYMMDD` integer (`*_dateint`). A coded value keeps its system beside its code.
Attribute names cannot change once a schema is on the ledger: a new shape is a new version here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = ["SCHEMAS", "CredentialType", "SchemaDef", "dateint"]


class CredentialType(StrEnum):
    VACCINATION = "vaccination"
    ALLERGY = "allergy"
    HEALTH_ID = "health_id"


@dataclass(frozen=True)
class SchemaDef:
    name: str
    version: str
    attributes: tuple[str, ...]


SCHEMAS: dict[CredentialType, SchemaDef] = {
    CredentialType.VACCINATION: SchemaDef(
        "medcred-vaccination", "1.0",
        ("patient_name", "patient_birthdate", "vaccine_code", "vaccine_system", "vaccine_name", "dose_number",
         "occurrence_date", "occurrence_dateint", "lot_number", "performer"),
    ),
    CredentialType.ALLERGY: SchemaDef(
        "medcred-allergy", "1.0",
        ("patient_name", "substance_code", "substance_system", "substance_name", "criticality", "category",
         "recorded_date", "recorded_dateint"),
    ),
    CredentialType.HEALTH_ID: SchemaDef(
        "medcred-health-id", "1.0",
        ("name", "birthdate", "birthdate_dateint", "health_id_number", "expiry_date", "expiry_dateint"),
    ),
}


def dateint(value: date) -> int:
    """A date as the integer YYYYMMDD, which AnonCreds predicates can compare."""
    return value.year * 10000 + value.month * 100 + value.day
