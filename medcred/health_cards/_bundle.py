"""A card's FHIR bundle: made minimal for the issuer, and read (validated) for a verifier.

    bundle = minimal_bundle(patient, [immunization, ...])   # Patient + Immunizations, resource:N references
    contents = read_bundle(bundle)                          # CardRejectedError(INVALID_FHIR) if not valid R4

Minimal, as the specification asks: no `Resource.id`, no `meta` (but `meta.security`), no narrative
`text`, no `CodeableConcept.text` or `Coding.display`; `fullUrl` is `resource:N`, and every reference to
the patient is `resource:0`. Validation is `fhir.resources` (its R4B models: R4's shapes for these).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.immunization import Immunization
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from medcred.health_cards._errors import CardRejectedError, Refusal

__all__ = ["CardImmunization", "CardPatient", "minimal_bundle", "read_bundle"]

_DROPPED = frozenset({"id", "text"})


def _minimal(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        out = {}
        for name, item in value.items():
            if name in _DROPPED or (name == "display" and key == "coding"):
                continue
            if name == "meta":
                security = item.get("security") if isinstance(item, dict) else None
                if security:
                    out["meta"] = {"security": security}
                continue
            out[name] = _minimal(item, name)
        return out
    if isinstance(value, list):
        return [_minimal(item, key) for item in value]
    return value


def _concepts_without_text(value: Any) -> Any:
    """CodeableConcept.text dropped: any `text` beside a `coding`."""
    if isinstance(value, dict):
        out = {k: _concepts_without_text(v) for k, v in value.items()}
        if "coding" in out and "text" in out:
            del out["text"]
        return out
    if isinstance(value, list):
        return [_concepts_without_text(item) for item in value]
    return value


def minimal_bundle(patient: dict[str, Any], immunizations: list[dict[str, Any]]) -> dict[str, Any]:
    entries = [{"fullUrl": "resource:0", "resource": _minimal(patient)}]
    for index, resource in enumerate(immunizations, start=1):
        minimal = _concepts_without_text(_minimal(resource))
        minimal["patient"] = {"reference": "resource:0"}
        entries.append({"fullUrl": f"resource:{index}", "resource": minimal})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


@dataclass(frozen=True, slots=True)
class CardImmunization:
    system: str | None
    code: str | None
    date: str | None
    lot: str | None
    performer: str | None


@dataclass(frozen=True, slots=True)
class CardPatient:
    name: str
    birth_date: str | None


def _day(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value is not None else None


def read_bundle(bundle: object) -> tuple[CardPatient | None, list[CardImmunization]]:
    """The bundle's patient and immunizations, once the bundle is valid FHIR R4."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise CardRejectedError(Refusal.INVALID_FHIR, "credentialSubject.fhirBundle is not a FHIR Bundle")
    try:
        parsed = Bundle.model_validate(bundle)
    except ValidationError as exc:
        where = "; ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors(include_url=False)[:3])
        raise CardRejectedError(Refusal.INVALID_FHIR, f"the FHIR bundle is not valid R4 (at {where})") from None
    except (LookupError, TypeError, ValueError, AttributeError):
        raise CardRejectedError(Refusal.INVALID_FHIR, "the FHIR bundle holds a resource that is not valid") from None
    patient: CardPatient | None = None
    immunizations = []
    for entry in parsed.entry or []:
        resource = entry.resource
        if isinstance(resource, Patient) and patient is None:
            name = resource.name[0] if resource.name else None
            parts = [*(name.given or []), name.family or ""] if name is not None else []
            patient = CardPatient(" ".join(p for p in parts if p), _day(resource.birthDate))
        elif isinstance(resource, Immunization):
            codings = resource.vaccineCode.coding if resource.vaccineCode else None
            coding = codings[0] if codings else None
            performer = resource.performer[0] if resource.performer else None
            immunizations.append(CardImmunization(
                system=coding.system if coding else None, code=coding.code if coding else None,
                date=_day(resource.occurrenceDateTime) or resource.occurrenceString, lot=resource.lotNumber,
                performer=performer.actor.display if performer and performer.actor else None,
            ))  # fmt: skip
    return patient, immunizations
