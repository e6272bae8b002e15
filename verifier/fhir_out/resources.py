"""The shared parts of the verifier's FHIR out: entries, the Provenance, and values checked as FHIR primitives."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from typing import Any

from fastapi import Response
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from medcred.errors import ConflictError

__all__ = [
    "FHIR_BUNDLE",
    "FHIR_JSON",
    "METHOD_SYSTEM",
    "PROVEN_EXTENSION",
    "Entries",
    "coding",
    "fhir_date",
    "fhir_response",
    "provenance",
]

FHIR_JSON = "application/fhir+json"
# medcred's own code system and extension: how a verification was made, and what a zero-knowledge proof proved.
METHOD_SYSTEM = "urn:medcred:fhir:verification-method"
PROVEN_EXTENSION = "urn:medcred:fhir:proven-predicate"
PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
ISSUER_IDENTIFIER = "urn:ietf:rfc:3986"  # the issuer named by its URL (a card's iss) or its DID

# A route's 200 in its OpenAPI document (`responses=FHIR_BUNDLE | errors(...)`).
FHIR_BUNDLE: dict[int | str, dict[str, Any]] = {
    200: {"content": {FHIR_JSON: {}}, "description": "a FHIR R4 Bundle (collection) with its Provenance"}
}

_CODE = re.compile(r"[^\s]+( [^\s]+)*")
_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")
MAX_TEXT = 500


def coding(code: str | None, system: str | None = None) -> dict[str, Any]:
    """A CodeableConcept of one code (with its system, when one was given); text when it is not a FHIR code."""
    text = (code or "").strip()[:MAX_TEXT]
    if not text:
        return {"text": "not revealed"}
    if not _CODE.fullmatch(text):
        return {"text": text}
    return {"coding": [{**({"system": system} if system and " " not in system else {}), "code": text}]}


def fhir_date(value: str | None) -> str | None:
    """`value` as a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD; a YYYYMMDD date too), or None."""
    text = (value or "").strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text if _DATE.fullmatch(text) else None


class Entries:
    """The bundle's resources, each with its `urn:uuid` fullUrl (the Provenance's targets)."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, resource: dict[str, Any]) -> str:
        url = f"urn:uuid:{uuid.uuid4()}"
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    def bundle(self, provenances: list[dict[str, Any]], timestamp: datetime) -> dict[str, Any]:
        """The collection Bundle of the entries and their Provenances, validated with fhir.resources."""
        for resource in provenances:
            self.add(resource)
        bundle = {"resourceType": "Bundle", "type": "collection", "timestamp": instant(timestamp),
                  "entry": self.entries}  # fmt: skip
        try:
            Bundle.model_validate(bundle)
        except (ValidationError, LookupError, TypeError, ValueError) as exc:
            where = exc.errors(include_url=False)[0].get("loc", ()) if isinstance(exc, ValidationError) else ()
            raise ConflictError(f"the verification does not make a valid FHIR bundle (at {where})") from None
        return bundle


def fhir_response(bundle: dict[str, Any]) -> Response:
    """The bundle as an answer, application/fhir+json."""
    return Response(json.dumps(bundle, ensure_ascii=False, separators=(",", ":")), media_type=FHIR_JSON)


def instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _agent(role: str, who: dict[str, Any]) -> dict[str, Any]:
    return {"type": {"coding": [{"system": PARTICIPANT, "code": role}]}, "who": who}


def provenance(
    targets: list[str], *, issuer: str | None, issuer_name: str | None, method: str, method_name: str,
    checked_at: datetime, verifier: str, proven: tuple[str, ...] = (),
) -> dict[str, Any]:  # fmt: skip
    """Who issued what (the `author`), who checked it (the `verifier`), how (`activity`) and when (`recorded`)."""
    author: dict[str, Any] = {"display": (issuer_name or issuer or "issuer not known")[:MAX_TEXT]}
    if issuer:
        author["identifier"] = {"system": ISSUER_IDENTIFIER, "value": issuer[:MAX_TEXT]}
    resource: dict[str, Any] = {
        "resourceType": "Provenance",
        "target": [{"reference": url} for url in targets],
        "recorded": instant(checked_at),
        "activity": {"coding": [{"system": METHOD_SYSTEM, "code": method, "display": method_name}]},
        "agent": [_agent("author", author), _agent("verifier", {"display": verifier[:MAX_TEXT]})],
    }
    if proven:
        resource["extension"] = [{"url": PROVEN_EXTENSION, "valueString": text[:MAX_TEXT]} for text in proven]
    return resource
