"""A card's compact JWS: ES256 over a raw-DEFLATE-compressed, minified JSON payload (header `zip: DEF`).

    jws = sign(payload, key)                 # header {"zip":"DEF","alg":"ES256","kid":key.kid}
    token = parse(jws)                       # CardRejectedError: MALFORMED, TRAILING_DATA, BAD_COMPRESSION
    token.verifies_with(public_jwk)          # the signature over header.payload, against one public key

Signing and checking use `cryptography` directly (a raw r||s signature of 64 bytes, as JWS ES256 has it).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from jwcrypto import jwk  # type: ignore[import-untyped]

from medcred.health_cards._errors import CardRejectedError, Refusal
from medcred.health_cards._keys import SigningKey

__all__ = ["MAX_PAYLOAD_BYTES", "CardToken", "compress", "minified", "parse", "sign"]

MAX_PAYLOAD_BYTES = 1024 * 1024  # a card's payload inflated: far beyond any real card, a bound on a bomb
MAX_JWS_CHARS = 1024 * 1024
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_SIGNATURE_CHARS = 86  # 64 bytes in base64url without padding
_ES256 = ec.ECDSA(hashes.SHA256())


def minified(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def compress(data: bytes) -> bytes:
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    return deflate.compress(data) + deflate.flush()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str, what: str) -> bytes:
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise CardRejectedError(Refusal.MALFORMED, f"the JWS {what} is not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise CardRejectedError(Refusal.MALFORMED, f"the JWS {what} is not base64url") from None


def sign(payload: dict[str, Any], key: SigningKey) -> str:
    header = _b64(minified({"zip": "DEF", "alg": "ES256", "kid": key.kid}))
    signing_input = f"{header}.{_b64(compress(minified(payload)))}"
    private = key.key.get_op_key("sign")
    r, s = decode_dss_signature(private.sign(signing_input.encode(), _ES256))
    return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def _inflate(data: bytes) -> bytes:
    inflate = zlib.decompressobj(-15)
    try:
        plain = inflate.decompress(data, MAX_PAYLOAD_BYTES)
    except zlib.error:
        wrapped = data[:1] == b"\x78"
        reason = "zlib-wrapped DEFLATE, not raw DEFLATE" if wrapped else "not raw DEFLATE"
        raise CardRejectedError(Refusal.BAD_COMPRESSION, f"the card's payload is {reason}") from None
    if inflate.unconsumed_tail:
        raise CardRejectedError(Refusal.MALFORMED, f"the card's payload inflates beyond {MAX_PAYLOAD_BYTES} bytes")
    if not inflate.eof:
        raise CardRejectedError(Refusal.BAD_COMPRESSION, "the card's payload is a truncated DEFLATE stream")
    if inflate.unused_data:
        raise CardRejectedError(Refusal.TRAILING_DATA, "the card's payload has bytes after its DEFLATE stream")
    return plain


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise CardRejectedError(Refusal.MALFORMED, f"the card's {what} is not JSON") from None
    if not isinstance(value, dict):
        raise CardRejectedError(Refusal.MALFORMED, f"the card's {what} is not a JSON object")
    return value


@dataclass(frozen=True, slots=True)
class CardToken:
    """A parsed card, its signature not yet checked."""

    jws: str
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def kid(self) -> str:
        return str(self.header.get("kid"))

    def verifies_with(self, key: jwk.JWK) -> bool:
        public = key.get_op_key("verify")
        if not isinstance(public, ec.EllipticCurvePublicKey):
            return False
        r, s = int.from_bytes(self.signature[:32], "big"), int.from_bytes(self.signature[32:], "big")
        try:
            public.verify(encode_dss_signature(r, s), self.signing_input, _ES256)
        except InvalidSignature:
            return False
        return True


def parse(jws: str) -> CardToken:
    """The card's header and inflated payload; every problem a `CardRejectedError` with its reason."""
    if not isinstance(jws, str) or len(jws) > MAX_JWS_CHARS:
        raise CardRejectedError(Refusal.MALFORMED, "a card is a compact JWS of at most 1 MiB")
    parts = jws.split(".")
    if len(parts) != 3:
        raise CardRejectedError(Refusal.MALFORMED, "a card is a compact JWS: three base64url parts joined by '.'")
    header_b64, payload_b64, signature_b64 = parts
    match = _B64URL.match(signature_b64)
    if (match is not None and match.end() < len(signature_b64)) or len(signature_b64) > _SIGNATURE_CHARS:
        raise CardRejectedError(Refusal.TRAILING_DATA, "characters follow the card's signature")
    header = _json_object(_unb64(header_b64, "header"), "header")
    if header.get("alg") != "ES256":
        raise CardRejectedError(Refusal.MALFORMED, "a card is signed with ES256 (header alg)")
    if header.get("zip") != "DEF":
        raise CardRejectedError(Refusal.BAD_COMPRESSION, "a card's header says zip: DEF (its payload compressed)")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise CardRejectedError(Refusal.MALFORMED, "a card's header names its key (kid)")
    signature = _unb64(signature_b64, "signature")
    if len(signature) != 64:
        raise CardRejectedError(Refusal.BAD_SIGNATURE, "an ES256 signature is 64 bytes")
    payload = _json_object(_inflate(_unb64(payload_b64, "payload")), "payload")
    return CardToken(jws, header, payload, f"{header_b64}.{payload_b64}".encode(), signature)
