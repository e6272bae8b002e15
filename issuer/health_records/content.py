"""What the record store accepts: a display name made safe, a media type, and for FHIR JSON a valid
FHIR R4 resource. Problems are 4xx errors that say what is wrong, never what was submitted.
"""

from __future__ import annotations

import re
import unicodedata

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource

from issuer.fhir import load
from medcred.bounded_json import loads
from medcred.errors import InvalidInputError, UnprocessableError

__all__ = ["FHIR_JSON", "check_fhir", "media_type", "sanitize_name"]

FHIR_JSON = "application/fhir+json"
MAX_NAME_CHARS = 200
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")
_RESOURCE_TYPE = re.compile(r"[A-Z][A-Za-z]{1,63}")
_ABSTRACT = frozenset({"Resource", "DomainResource"})  # base types: no resource is one of them alone


def sanitize_name(name: str) -> str:
    """A name for display only (files are stored under their uuid): no path, no control characters."""
    if not isinstance(name, str):
        raise InvalidInputError("a record's name must be text")
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if unicodedata.category(char)[0] in "CZ" else char for char in name)
    name = " ".join(name.split()).lstrip(".")[:MAX_NAME_CHARS].strip()
    return name or "record"


def media_type(value: str) -> str:
    """`type/subtype`, lower-cased; parameters (`; charset=...`) are dropped."""
    essence = value.split(";", 1)[0].strip().lower() if isinstance(value, str) else ""
    if not _MEDIA_TYPE.fullmatch(essence):
        raise InvalidInputError("content type must be a media type such as application/pdf or application/fhir+json")
    return essence


def check_fhir(data: bytes) -> str:
    """Validate FHIR JSON content as an R4 resource (fhir.resources, R4B models, and the codes of required
    value sets: `issuer.fhir.load`, as for credentials); its resourceType."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnprocessableError("application/fhir+json content must be UTF-8 JSON") from None
    # Not valid JSON, a number too long to read, nested too deeply: 422 saying which.
    resource = loads(text, what="application/fhir+json content", error=UnprocessableError)
    resource_type = resource.get("resourceType") if isinstance(resource, dict) else None
    if not isinstance(resource_type, str):
        raise UnprocessableError("application/fhir+json content must be a FHIR resource: an object with a resourceType")
    try:
        concrete = _RESOURCE_TYPE.fullmatch(resource_type) and resource_type not in _ABSTRACT
        model = get_fhir_model_class(resource_type) if concrete else None
    except ValueError:
        model = None
    if model is None or not issubclass(model, Resource):
        raise UnprocessableError("resourceType is not a FHIR R4 resource type")
    load(model, resource)  # UnprocessableError naming each problem's place and reason, never its value
    return resource_type
