"""SMART Health Links (HL7 SMART Health Cards and Links IG, STU1): how a patient shares records off-chain.

A link (`shlink:/` + base64url JSON, often behind a viewer URL and `#`, or in a QR code) names a
manifest URL and carries a 32-byte key; the files the manifest lists are JWEs (dir, A256GCM) under that
key, so whoever hosts them never reads them.

    key = new_key()
    link = encode_link({"url": manifest_url, "key": key, "flag": "P", "label": "Vaccinations"})
    payload = decode_link(link)                        # InvalidInputError with the reason if malformed
    jwe = encrypt_file(fhir_bytes, payload.key_bytes, "application/fhir+json")
    content_type, data = decrypt_file(jwe, payload.key_bytes)   # DecryptionError: wrong key / altered

`ManifestRequest`, `Manifest` and `ManifestFile` are the manifest exchange's bodies.
"""

from __future__ import annotations

from medcred.shl._jwe import MAX_FILE_BYTES, decrypt_file, encrypt_file
from medcred.shl._link import decode_link, encode_link
from medcred.shl._manifest import Manifest, ManifestFile, ManifestRequest, ShlContentType
from medcred.shl._payload import KEY_BYTES, ShlFlag, ShlPayload, new_key, parse_payload

__all__ = [
    "KEY_BYTES",
    "MAX_FILE_BYTES",
    "Manifest",
    "ManifestFile",
    "ManifestRequest",
    "ShlContentType",
    "ShlFlag",
    "ShlPayload",
    "decode_link",
    "decrypt_file",
    "encode_link",
    "encrypt_file",
    "new_key",
    "parse_payload",
]
