"""SMART Health Link files: JWE compact serialization, `alg: dir`, `enc: A256GCM`, `cty` = content type.

    jwe = encrypt_file(plaintext, key, "application/fhir+json")       # written by jwcrypto
    content_type, plaintext = decrypt_file(jwe, key)

The spec lets a sender add `zip: DEF` (raw DEFLATE before encryption), so every receiver has to read it:
`decrypt_file` does, inflating at most `max_bytes`; `encrypt_file` compresses only when asked to.

Reading uses `cryptography`'s AES-GCM on the five compact parts rather than jwcrypto, so that both the
header policy (only dir + A256GCM, no `crit`, no encrypted key, a 96-bit IV, a 128-bit tag) and the
inflate bound are this module's: jwcrypto refuses any compressed plaintext over 256 KiB, which a large
shared bundle can exceed. Every failure is an `InvalidInputError`; a wrong key or an altered file (the
GCM tag does not verify) is its subclass `DecryptionError`.
"""

from __future__ import annotations

import json
import re
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jwcrypto.common import JWException  # type: ignore[import-untyped]
from jwcrypto.jwe import JWE  # type: ignore[import-untyped]
from jwcrypto.jwk import JWK  # type: ignore[import-untyped]

from medcred.errors import DecryptionError, InvalidInputError, MedcredError
from medcred.shl._encoding import b64url_decode, b64url_encode, json_object
from medcred.shl._payload import KEY_BYTES

__all__ = ["MAX_FILE_BYTES", "decrypt_file", "encrypt_file"]

MAX_FILE_BYTES = 16 * 1024 * 1024  # default bound on a decrypted (and inflated) file
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}")
_IV_BYTES, _TAG_BYTES = 12, 16


def _key(key: bytes | str) -> bytes:
    """The link key as bytes: given raw, or as the payload's 43-character base64url text."""
    raw = b64url_decode(key, "the key") if isinstance(key, str) else key
    if not isinstance(raw, bytes) or len(raw) != KEY_BYTES:
        raise InvalidInputError(f"a SMART Health Link key is {KEY_BYTES} bytes")
    return raw


def _content_type(value: object) -> str:
    if not isinstance(value, str) or not _MEDIA_TYPE.fullmatch(value):
        raise InvalidInputError("the content type (cty) must be a media type such as application/fhir+json")
    return value


def _shown(value: object) -> str:
    return repr(value)[:40] if isinstance(value, str) else f"a JSON {type(value).__name__}"


def encrypt_file(plaintext: bytes, key: bytes | str, content_type: str, *, compress: bool = False) -> str:
    """Encrypt a file for a link: a fresh random 96-bit IV each call, as the spec requires under one key."""
    header = {"alg": "dir", "enc": "A256GCM", "cty": _content_type(content_type)} | ({"zip": "DEF"} if compress else {})
    secret = _key(key)
    try:
        token = JWE(bytes(plaintext), protected=json.dumps(header, separators=(",", ":")))
        token.add_recipient(JWK(kty="oct", k=b64url_encode(secret)))
        return str(token.serialize(compact=True))
    except (JWException, ValueError, TypeError) as exc:
        raise MedcredError(f"cannot encrypt the file: {type(exc).__name__}") from exc


def _header(protected: str) -> tuple[str, bool]:
    """The content type and whether the plaintext is DEFLATE-compressed; refuses any other header."""
    header = json_object(b64url_decode(protected, "the JWE header"), "the JWE header")
    if header.get("alg") != "dir":
        raise InvalidInputError(f"JWE alg must be 'dir' for a SMART Health Link file, not {_shown(header.get('alg'))}")
    if header.get("enc") != "A256GCM":
        raise InvalidInputError(f"JWE enc must be 'A256GCM', not {_shown(header.get('enc'))}")
    if "crit" in header:
        raise InvalidInputError("the JWE header lists critical extensions (crit); SMART Health Links define none")
    if header.get("zip", "DEF") != "DEF":
        raise InvalidInputError(f"JWE zip {_shown(header['zip'])} is not supported (only DEF)")
    return _content_type(header.get("cty")), "zip" in header


def _inflate(data: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(wbits=-zlib.MAX_WBITS)  # raw DEFLATE (RFC 1951), no zlib header
    try:
        plaintext = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise InvalidInputError("the file's compressed (zip DEF) content is damaged") from exc
    if len(plaintext) > max_bytes or inflater.unconsumed_tail:
        raise InvalidInputError(f"the file inflates to more than {max_bytes} bytes")
    if not inflater.eof or inflater.unused_data:
        raise InvalidInputError("the file's compressed (zip DEF) content is truncated or has trailing bytes")
    return plaintext


def decrypt_file(jwe: str, key: bytes | str, *, max_bytes: int = MAX_FILE_BYTES) -> tuple[str, bytes]:
    """(content type, plaintext) of a link's file; refuses anything but a well-formed dir/A256GCM JWE."""
    secret = _key(key)
    if not isinstance(jwe, str):
        raise InvalidInputError("a SMART Health Link file must be JWE compact text")
    jwe = jwe.strip()
    if len(jwe) > (max_bytes + 1024) * 4 // 3:
        raise InvalidInputError(f"the file is larger than the limit of {max_bytes} bytes")
    parts = jwe.split(".")
    if len(parts) != 5:
        raise InvalidInputError(f"not a compact JWE: expected 5 parts separated by '.', found {len(parts)}")
    protected, encrypted_key, iv_text, ciphertext_text, tag_text = parts
    content_type, compressed = _header(protected)
    if encrypted_key:
        raise InvalidInputError("the JWE carries an encrypted key, but alg dir has none")
    iv, tag = b64url_decode(iv_text, "the JWE IV"), b64url_decode(tag_text, "the JWE tag")
    if len(iv) != _IV_BYTES or len(tag) != _TAG_BYTES:
        raise InvalidInputError("the JWE IV must be 96 bits and its tag 128 bits (A256GCM)")
    ciphertext = b64url_decode(ciphertext_text, "the JWE ciphertext")
    try:
        plaintext = AESGCM(secret).decrypt(iv, ciphertext + tag, protected.encode("ascii"))
    except InvalidTag:
        raise DecryptionError("the file does not decrypt with this key: wrong key, or the file was altered") from None
    if compressed:
        return content_type, _inflate(plaintext, max_bytes)
    if len(plaintext) > max_bytes:
        raise InvalidInputError(f"the file is larger than the limit of {max_bytes} bytes")
    return content_type, plaintext
