"""Indy identities: Ed25519 keys from seeds, and strict validation of seeds and verkeys (DIDs: medcred.identifiers)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import base58
from nacl.signing import SigningKey

from medcred.errors import InvalidInputError
from medcred.identifiers import IndyDid, base58_bytes

__all__ = ["Role", "Signer", "normalise_seed", "validate_verkey"]

SEED_BYTES = 32


class Role(StrEnum):
    """Ledger roles a NYM may carry. TRUST_ANCHOR is the old name of ENDORSER."""

    TRUSTEE = "TRUSTEE"
    STEWARD = "STEWARD"
    ENDORSER = "ENDORSER"
    NETWORK_MONITOR = "NETWORK_MONITOR"
    NONE = "NONE"

    @classmethod
    def parse(cls, value: str | None) -> Role:
        if value is None or value == "":
            return cls.ENDORSER
        name = value.strip().upper()
        if name == "TRUST_ANCHOR":
            return cls.ENDORSER
        try:
            return cls(name)
        except ValueError:
            allowed = ", ".join([*cls.__members__, "TRUST_ANCHOR"])
            raise InvalidInputError(f"unknown role {value!r}: use one of {allowed}") from None

    def ledger_value(self) -> str | None:
        """The role as indy-vdr's build_nym_request takes it (None: no role)."""
        return None if self is Role.NONE else self.value


def normalise_seed(seed: str) -> bytes:
    """A seed as von-network takes it: 32 characters; a shorter one is left-padded with '0'."""
    if not seed or len(seed) > SEED_BYTES or not seed.isascii() or not seed.isprintable():
        raise InvalidInputError(f"seed must be 1 to {SEED_BYTES} printable ASCII characters")
    return seed.rjust(SEED_BYTES, "0").encode()


def validate_verkey(verkey: str) -> str:
    """A full verkey (32 bytes base58) or an abbreviated one ('~' + 16 bytes base58)."""
    expected, body = (16, verkey[1:]) if verkey.startswith("~") else (32, verkey)
    if len(base58_bytes(body, "verkey")) != expected:
        raise InvalidInputError(f"verkey must encode {expected} bytes in base58")
    return verkey


@dataclass(frozen=True)
class Signer:
    """An Ed25519 key with its Indy DID (the first 16 bytes of the verkey)."""

    key: SigningKey

    @classmethod
    def from_seed(cls, seed: bytes) -> Signer:
        return cls(SigningKey(seed))

    @property
    def verkey(self) -> str:
        return base58.b58encode(bytes(self.key.verify_key)).decode()

    @property
    def did(self) -> IndyDid:
        return IndyDid(base58.b58encode(bytes(self.key.verify_key)[:16]).decode())

    def sign(self, message: bytes) -> bytes:
        return self.key.sign(message).signature

    def __repr__(self) -> str:  # never show the key
        return f"Signer(did={self.did})"
