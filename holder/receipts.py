"""Consent receipts: compact JWS signed by a key of the patient's own sub-wallet, checkable by anyone.

The patient's sub-wallet holds an Ed25519 did:key (`POST /wallet/did/create` with method `key`); the
controller has ACA-Py 1.7 sign with it (`POST /wallet/jwt/sign`):

    {"did": "did:key:z6Mk...", "headers": {"typ": "medcred-consent+jwt"}, "payload": {...claims}}
    -> header {"typ": "medcred-consent+jwt", "alg": "EdDSA", "kid": "did:key:z6Mk...#z6Mk..."}

`verify_receipt()` needs no agent: the public key is in the did:key itself (multibase base58btc `z`,
multicodec `0xed 0x01`, then the 32 raw key bytes), and jwcrypto checks the EdDSA signature with it as
an OKP JWK. A receipt stays verifiable after its consent ends: its `exp` is the consent's end, not the
receipt's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime
from typing import Any

import base58
from jwcrypto import jwk, jws  # type: ignore[import-untyped]
from jwcrypto.common import JWException  # type: ignore[import-untyped]

from holder.consent import Grant
from medcred.bounded_json import loads
from medcred.errors import InvalidInputError

__all__ = ["GRANT", "TYP", "WITHDRAWAL", "grant_claims", "public_jwk", "verify_receipt", "withdrawal_claims"]

TYP = "medcred-consent+jwt"
GRANT = "medcred-consent-grant"
WITHDRAWAL = "medcred-consent-withdrawal"
ED25519_MULTICODEC = b"\xed\x01"
DID_KEY = "did:key:"

type Json = dict[str, Any]


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def grant_claims(grant: Grant) -> Json:
    """What the patient signs when granting (ids, names and times: no attribute values)."""
    return {
        "type": GRANT, "jti": grant.grant_id, "grant_id": grant.grant_id, "patient": grant.patient_did,
        "verifier_did": grant.verifier_did, "credential_types": [str(t) for t in grant.credential_types],
        "reveal": list(grant.reveal), "prove": list(grant.prove), "purpose": grant.purpose,
        "auto_answer": grant.auto_answer, "iat": _epoch(grant.created_at), "exp": _epoch(grant.expires_at),
    }  # fmt: skip


def withdrawal_claims(grant: Grant, withdrawn_at: datetime) -> Json:
    """What the patient signs when withdrawing: the grant's terms, when, and the grant receipt's digest."""
    return {
        **grant_claims(grant), "type": WITHDRAWAL, "jti": f"{grant.grant_id}/withdrawal",
        "iat": _epoch(withdrawn_at), "withdrawn_at": _epoch(withdrawn_at),
        "grant_receipt_sha256": hashlib.sha256(grant.receipt.encode()).hexdigest(),
    }  # fmt: skip


def public_jwk(did_key: str) -> jwk.JWK:
    """The Ed25519 public key of a `did:key:z6Mk...` as an OKP JWK."""
    multibase = did_key.removeprefix(DID_KEY)
    if not did_key.startswith(DID_KEY) or not multibase.startswith("z"):
        raise InvalidInputError("the receipt's signer is not a base58btc did:key")
    try:
        raw = base58.b58decode(multibase[1:])
    except ValueError as exc:
        raise InvalidInputError("the receipt's did:key is not valid base58") from exc
    if not raw.startswith(ED25519_MULTICODEC) or len(raw) != len(ED25519_MULTICODEC) + 32:
        raise InvalidInputError("the receipt's did:key is not an Ed25519 key")
    x = base64.urlsafe_b64encode(raw[len(ED25519_MULTICODEC) :]).decode().rstrip("=")
    return jwk.JWK(kty="OKP", crv="Ed25519", x=x)


def _header(token: str) -> Json:
    encoded = token.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidInputError("the receipt's header is not base64url JSON") from exc
    header = loads(raw, what="the receipt's header")
    if not isinstance(header, dict):
        raise InvalidInputError("the receipt's header is not a JSON object")
    return header


def verify_receipt(token: str) -> Json:
    """The claims of a consent receipt whose signature the did:key in its `kid` verifies.

    Raises `InvalidInputError` for anything malformed, a signer other than the receipt's `patient`, or a
    signature that does not verify.
    """
    token = token.strip()
    if token.count(".") != 2:
        raise InvalidInputError("a receipt is a compact JWS: three base64url parts")
    header = _header(token)
    if header.get("alg") != "EdDSA" or header.get("typ") != TYP:
        raise InvalidInputError(f"the receipt's header must say alg EdDSA and typ {TYP}")
    kid = header.get("kid")
    did, _, fragment = kid.partition("#") if isinstance(kid, str) else ("", "", "")
    key = public_jwk(did)
    if fragment and fragment != did.removeprefix(DID_KEY):
        raise InvalidInputError("the receipt's kid is not a key of its did:key")
    checked = jws.JWS()
    try:
        checked.deserialize(token)
        checked.allowed_algs = ["EdDSA"]
        checked.verify(key)
        payload = checked.payload
    except (JWException, ValueError) as exc:
        raise InvalidInputError("the receipt's signature does not verify") from exc
    claims = loads(payload, what="the receipt's claims")
    if not isinstance(claims, dict) or claims.get("type") not in (GRANT, WITHDRAWAL):
        raise InvalidInputError("not a medcred consent receipt")
    if claims.get("patient") != did:
        raise InvalidInputError("the receipt was not signed by the patient it names")
    return claims
