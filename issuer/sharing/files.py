"""A stored record as a file of a SMART Health Link: `application/fhir+json`, or a SMART Health Card.

A SMART Health Card (a record of `application/smart-health-card`, the hospital's own card) is served as
that: the `.smart-health-card` file as stored, which a receiver verifies by its signature.

A FHIR JSON record is served as the exact bytes stored, so the sha256 anchored on the ledger is the
sha256 of the file's plaintext. Any other record (a PDF, an image) travels inside a FHIR R4
`DocumentReference` whose `content[0].attachment.data` is the record's bytes in base64: there the
anchored sha256 is that of the decoded attachment data.
"""

from __future__ import annotations

import base64
import json

from issuer.health_records.content import FHIR_JSON
from issuer.health_records.index import StoredRecord
from medcred.health_cards import MEDIA_TYPE as SMART_HEALTH_CARD
from medcred.shl import ShlContentType

__all__ = ["document_reference", "shared_content_type", "shared_plaintext"]


def document_reference(record: StoredRecord, data: bytes) -> dict[str, object]:
    """A FHIR R4 DocumentReference carrying `data` as its one attachment."""
    return {
        "resourceType": "DocumentReference",
        "id": record.record_id,
        "status": "current",
        "date": record.created_at.isoformat(),
        "description": record.name,
        "content": [{"attachment": {"contentType": record.content_type, "data": base64.b64encode(data).decode(),
                                    "title": record.name, "size": record.size}}],
    }  # fmt: skip


def shared_plaintext(record: StoredRecord, data: bytes) -> bytes:
    """The plaintext of a record's shared file (FHIR JSON either way)."""
    if record.content_type in (FHIR_JSON, SMART_HEALTH_CARD):
        return data
    return json.dumps(document_reference(record, data), ensure_ascii=False, separators=(",", ":")).encode()


def shared_content_type(record: StoredRecord) -> ShlContentType:
    """The manifest's `contentType` of a record's file."""
    if record.content_type == SMART_HEALTH_CARD:
        return ShlContentType.SMART_HEALTH_CARD
    return ShlContentType.FHIR_JSON
