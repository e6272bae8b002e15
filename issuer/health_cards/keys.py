"""The hospital's card signing key and issuer URL.

The key is generated once into the data folder (`health-card-key.jwk`, owner-only) and read back at
every start; its `kid` is its RFC 7638 thumbprint. `iss` is MEDCRED_ISSUER_HEALTH_CARD_ISS (default: the
public URL): https, or plain http only on a loopback address (`check_iss`), since verifiers fetch
`{iss}/.well-known/jwks.json` and trust what it says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from medcred.errors import ConfigurationError
from medcred.health_cards import SigningKey, is_loopback_http, load_or_create

__all__ = ["KEY_FILE", "CardKeys", "check_iss"]

KEY_FILE = "health-card-key.jwk"


def check_iss(url: str) -> str:
    """`url` as a card's `iss`: https (or http on loopback), no query, fragment or trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigurationError("MEDCRED_ISSUER_HEALTH_CARD_ISS must be an https URL without query or fragment")
    if parts.username or parts.password:
        raise ConfigurationError("MEDCRED_ISSUER_HEALTH_CARD_ISS must not carry a user name or password")
    if parts.scheme == "http" and not is_loopback_http(url):
        raise ConfigurationError("MEDCRED_ISSUER_HEALTH_CARD_ISS must be https (plain http only on a loopback address)")
    return url.rstrip("/")


class CardKeys:
    def __init__(self, folder: Path, iss: str) -> None:
        self.iss = check_iss(iss)
        self.key: SigningKey = load_or_create(folder / KEY_FILE)

    @property
    def kid(self) -> str:
        return self.key.kid

    def jwks(self, crl_version: int) -> dict[str, Any]:
        return {"keys": [self.key.public_jwk(crl_version)]}
