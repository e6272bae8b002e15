"""The record store's cryptography: the key-encryption key (KEK), per-record data keys, AES-256-GCM.

    kek = load_kek(settings.records_kek)              # ConfigurationError if absent or malformed
    check = kek_check_value(kek)                      # kept with the records: a wrong KEK is caught at start
    wrapped = wrap_key(kek, dek)                      # RFC 3394 AES key wrap of the record's data key
    blob = seal(dek, plaintext, aad=record_id)        # MAGIC | 96-bit random nonce | ciphertext | tag
    plaintext = unseal(dek, blob, aad=record_id)      # IntegrityError if anything changed

Every record has its own random 32-byte data key, stored only wrapped under the KEK: destroying the
wrapped key leaves its ciphertext unreadable for good (crypto-shredding), wherever copies of it survive.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from pydantic import SecretStr

from medcred.errors import ConfigurationError, IntegrityError

__all__ = [
    "HOW_TO",
    "KEK_SETTING",
    "KEY_BYTES",
    "kek_check_value",
    "kek_matches",
    "load_kek",
    "new_data_key",
    "seal",
    "unseal",
    "unwrap_key",
    "wrap_key",
]

KEK_SETTING = "MEDCRED_ISSUER_RECORDS_KEK"
KEY_BYTES = 32
MAGIC = b"MCR1"  # format of a sealed record: version 1 = AES-256-GCM, 96-bit nonce, 128-bit tag
NONCE_BYTES, TAG_BYTES = 12, 16
_CHECK_LABEL = b"medcred/records/kek-check/v1"
_HEX = re.compile(r"[0-9a-fA-F]{64}")
_B64URL = re.compile(r"[A-Za-z0-9_-]{43}=?")
HOW_TO = (
    'generate one with `python -c "import secrets; print(secrets.token_urlsafe(32))"` and keep it outside '
    "MEDCRED_HOME (e.g. in a secrets manager): without it no stored record can be read"
)


def load_kek(value: SecretStr | None) -> bytes:
    """The KEK from its setting: exactly 32 bytes, written as base64url (43 characters) or hex (64)."""
    text = value.get_secret_value().strip() if value is not None else ""
    if not text:
        raise ConfigurationError(f"{KEK_SETTING} is not set: {HOW_TO}")
    raw = b""
    if _HEX.fullmatch(text):
        raw = bytes.fromhex(text)
    elif _B64URL.fullmatch(text):
        try:
            raw = base64.urlsafe_b64decode(text.rstrip("=") + "=")
        except (binascii.Error, ValueError):
            raw = b""
    if len(raw) != KEY_BYTES:  # the value itself is never repeated
        raise ConfigurationError(
            f"{KEK_SETTING} must be {KEY_BYTES} bytes written as base64url (43 characters) or hex (64): {HOW_TO}"
        )
    return raw


def kek_check_value(kek: bytes) -> str:
    """A value that identifies the KEK without revealing it (HMAC-SHA256 of a fixed label)."""
    return hmac.new(kek, _CHECK_LABEL, hashlib.sha256).hexdigest()


def kek_matches(kek: bytes, check_value: str) -> bool:
    return hmac.compare_digest(kek_check_value(kek), check_value)


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def wrap_key(kek: bytes, data_key: bytes) -> bytes:
    return aes_key_wrap(kek, data_key)


def unwrap_key(kek: bytes, wrapped: bytes) -> bytes:
    try:
        return aes_key_unwrap(kek, wrapped)
    except (InvalidUnwrap, ValueError):
        raise IntegrityError("its wrapped data key does not unwrap") from None


def seal(data_key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)  # random per record; each data key encrypts once
    return MAGIC + nonce + AESGCM(data_key).encrypt(nonce, plaintext, aad)


def unseal(data_key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < len(MAGIC) + NONCE_BYTES + TAG_BYTES or not blob.startswith(MAGIC):
        raise IntegrityError("its ciphertext file is truncated or not in the record format")
    nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
    try:
        return AESGCM(data_key).decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES :], aad)
    except InvalidTag:
        raise IntegrityError("its ciphertext was altered, or belongs to another record") from None
