"""The issuer's ES256 (P-256) signing key: made once, kept as a private JWK file, named by its thumbprint.

    key = load_or_create(folder / "health-card-key.jwk")   # the same key at every start
    key.kid                                                  # RFC 7638 SHA-256 thumbprint, base64url
    key.public_jwk(crl_version=2)                            # {"kty","crv","x","y","kid","use":"sig","alg":"ES256",...}
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jwcrypto import jwk  # type: ignore[import-untyped]
from jwcrypto.common import JWException  # type: ignore[import-untyped]

from medcred.errors import ConfigurationError

__all__ = ["SigningKey", "load_or_create", "public_key"]

PUBLIC_MEMBERS = ("kty", "crv", "x", "y")


class SigningKey:
    def __init__(self, key: jwk.JWK) -> None:
        if key.get("kty") != "EC" or key.get("crv") != "P-256" or not key.has_private:
            raise ConfigurationError("a SMART Health Card signing key is a private EC P-256 key")
        self.key = key
        self.kid: str = str(key.thumbprint())  # RFC 7638, SHA-256, base64url without padding

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(jwk.JWK.generate(kty="EC", crv="P-256"))

    def public_jwk(self, crl_version: int = 0) -> dict[str, Any]:
        """The public key as the issuer's key set lists it (`crlVersion` once a card was revoked)."""
        public = {name: self.key.get(name) for name in PUBLIC_MEMBERS}
        extra = {"crlVersion": crl_version} if crl_version > 0 else {}
        return {**public, "kid": self.kid, "use": "sig", "alg": "ES256", **extra}


def public_key(member: dict[str, Any]) -> jwk.JWK | None:
    """A key set member as a public EC P-256 key, or None if it is not one (other members are skipped)."""
    if not isinstance(member, dict) or member.get("kty") != "EC" or member.get("crv") != "P-256":
        return None
    try:
        return jwk.JWK(**{name: member[name] for name in PUBLIC_MEMBERS})
    except (KeyError, TypeError, ValueError, JWException):
        return None


def load_or_create(path: Path) -> SigningKey:
    """The key kept at `path` (owner-only), generated there the first time."""
    if path.exists():
        try:
            return SigningKey(jwk.JWK.from_json(path.read_text()))
        except (ValueError, TypeError, JWException) as exc:
            raise ConfigurationError(f"{path} is not a private EC P-256 JWK") from exc
    key = SigningKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(json.dumps(key.key.export_private(as_dict=True)))
    os.replace(temporary, path)
    return key
