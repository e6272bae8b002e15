"""A stored record as a file of a SMART Health Link: always `application/fhir+json`, as the spec requires.

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

__all__ = ["document_reference", "shared_plaintext"]


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
    if record.content_type == FHIR_JSON:
        return data
    return json.dumps(document_reference(record, data), ensure_ascii=False, separators=(",", ":")).encode()
