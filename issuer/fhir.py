"""FHIR R4 resources -> what the hospital keeps and what its credentials carry.

Resources are validated with `fhir.resources` (its R4B models: R4's shapes for Patient, Immunization
and AllergyIntolerance), and every `code` element bound to a required value set (`Bundle.type`,
`Immunization.status`, `Patient.gender`...) must hold one of its codes, which fhir.resources lists
but does not check. Every problem is an `UnprocessableError` that names the field and the reason but
never repeats the submitted value: it may be health data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.immunization import Immunization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.resource import Resource
from pydantic import BaseModel, ValidationError

from medcred.errors import UnprocessableError

__all__ = ["PatientFacts", "checked", "first_coding", "full_date", "load", "parse_patient", "validation_reasons"]

MAX_REPORTED_PROBLEMS = 5
MAX_LISTED_CODES = 10
# HL7 v2-0203 identifier types of a health number: jurisdictional, national plan, health card.
HEALTH_ID_TYPE_CODES = frozenset({"JHN", "NH", "HC"})


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """What the hospital keeps of a FHIR Patient to put into credentials."""

    name: str
    birth_date: date
    health_id: str
    fhir_id: str | None = None


def load[R: Resource](model: type[R], resource: Mapping[str, Any]) -> R:
    """Validate a resource of an expected type; 422 with the reasons (never the values) if it is not one."""
    expected = model.get_resource_type()
    if not isinstance(resource, Mapping) or resource.get("resourceType") != expected:
        raise UnprocessableError(f"expected a FHIR {expected} resource (resourceType {expected})")
    try:
        loaded = model.model_validate(dict(resource))
    except ValidationError as exc:
        raise UnprocessableError(f"invalid FHIR {expected}: {validation_reasons(exc)}") from None
    except (LookupError, TypeError, ValueError, AttributeError):  # fhir.resources on odd nested resources
        raise UnprocessableError(f"invalid FHIR {expected}: a nested or contained resource is not valid") from None
    if problems := list(codes_outside_value_sets(loaded)):
        more = len(problems) - MAX_REPORTED_PROBLEMS
        listed = "; ".join(problems[:MAX_REPORTED_PROBLEMS]) + (f" (and {more} more)" if more > 0 else "")
        raise UnprocessableError(f"invalid FHIR {expected}: {listed}")
    return loaded


def codes_outside_value_sets(element: BaseModel, where: str = "") -> Iterator[str]:
    """Where a code element holds a code outside its required value set, and the codes it may hold."""
    for name, field in type(element).model_fields.items():
        value = getattr(element, name, None)
        if value is None:
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        codes = extra.get("enum_values")
        path = f"{where}.{field.alias or name}" if where else (field.alias or name)
        for index, item in enumerate(value if isinstance(value, list) else [value]):
            at = f"{path}[{index}]" if isinstance(value, list) else path
            if isinstance(codes, list) and isinstance(item, str) and item not in codes:
                shown = ", ".join(str(code) for code in codes[:MAX_LISTED_CODES])
                yield f"{at}: not a code of its value set ({shown}{', ...' if len(codes) > MAX_LISTED_CODES else ''})"
            elif isinstance(item, BaseModel):
                yield from codes_outside_value_sets(item, at)


def validation_reasons(exc: ValidationError) -> str:
    """Where and why, for each problem (at most a few): never the submitted value."""
    problems = []
    for error in exc.errors(include_url=False)[:MAX_REPORTED_PROBLEMS]:
        where = ".".join(str(part) for part in error.get("loc", ())) or "resource"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        given = error.get("input")
        if isinstance(given, str | int | float) and len(str(given)) >= 2 and str(given) in message:
            message = message.replace(str(given), "<value>")
        problems.append(f"{where}: {' '.join(message.split())}")
    more = len(exc.errors()) - MAX_REPORTED_PROBLEMS
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def full_date(value: object, field: str) -> date:
    """A FHIR date or dateTime as a calendar date; partial dates ('2021', '2021-03') are refused."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None:
        raise UnprocessableError(f"{field} is required")
    raise UnprocessableError(f"{field} must be a full date (YYYY-MM-DD), not a partial one")


def first_coding(concept: Any, field: str) -> Coding:
    """The first coding of a CodeableConcept; it must carry both its system and its code."""
    codings = getattr(concept, "coding", None) or []
    if not codings:
        raise UnprocessableError(f"{field}.coding is required (a coded value with its system)")
    coding: Coding = codings[0]
    if not coding.code or not coding.system:
        raise UnprocessableError(f"{field}.coding[0] needs both system and code")
    return coding


def checked(what: str, *checks: Callable[[], Any]) -> list[Any]:
    """Each check's result; if any fails, one 422 naming every problem (each field's place and problem)."""
    results, problems = [], []
    for check in checks:
        try:
            results.append(check())
        except UnprocessableError as exc:
            problems.append(exc.message)
    if problems:
        raise UnprocessableError(problems[0] if len(problems) == 1 else f"invalid {what}: {'; '.join(problems)}")
    return results


def parse_patient(resource: Mapping[str, Any], today: date) -> PatientFacts:
    """Name (given + family), birth date and health ID of a FHIR Patient; 422 saying all that is missing."""
    patient = load(Patient, resource)
    name, birth_date, health_id = checked(
        "FHIR Patient", lambda: _name(patient), lambda: _birth_date(patient, today), lambda: _health_id(patient)
    )
    return PatientFacts(name=name, birth_date=birth_date, health_id=health_id, fhir_id=patient.id)


def _name(patient: Patient) -> str:
    names = patient.name or []
    chosen = next((n for n in names if n.use == "official"), names[0] if names else None)
    parts = [*(chosen.given or []), chosen.family or ""] if chosen is not None else []
    name = " ".join(part.strip() for part in parts if part and part.strip())
    if not name:
        raise UnprocessableError("Patient.name is missing (given and/or family)")
    return name


def _birth_date(patient: Patient, today: date) -> date:
    if patient.birthDate is None:
        raise UnprocessableError("Patient.birthDate is missing")
    born = full_date(patient.birthDate, "Patient.birthDate")
    if born > today:
        raise UnprocessableError("Patient.birthDate is in the future")
    return born


def _health_id(patient: Patient) -> str:
    identifiers = [i for i in patient.identifier or [] if i.value and i.value.strip()]
    if not identifiers:
        raise UnprocessableError("Patient.identifier is missing (a health ID with a value)")

    def looks_like_health_id(identifier: Any) -> bool:
        codes = {c.code for c in (identifier.type.coding or [])} if identifier.type else set()
        return bool(codes & HEALTH_ID_TYPE_CODES) or "health" in (identifier.system or "").lower()

    chosen = next((i for i in identifiers if looks_like_health_id(i)), identifiers[0])
    return str(chosen.value).strip()


def immunization(resource: Mapping[str, Any]) -> Immunization:
    """A validated Immunization that may become a credential: it must have been given (`completed`)."""
    record = load(Immunization, resource)
    if record.status != "completed":
        raise UnprocessableError("Immunization.status must be 'completed' (not-done or entered-in-error is refused)")
    return record


def allergy(resource: Mapping[str, Any]) -> AllergyIntolerance:
    """A validated AllergyIntolerance that may become a credential: not refuted nor entered in error."""
    record = load(AllergyIntolerance, resource)
    statuses = {c.code for c in (record.verificationStatus.coding or [])} if record.verificationStatus else set()
    if statuses & {"entered-in-error", "refuted"}:
        raise UnprocessableError("AllergyIntolerance.verificationStatus is entered-in-error or refuted")
    return record
