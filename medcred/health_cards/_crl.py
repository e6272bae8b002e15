"""Revocation by `rid` (the specification's one method): a card's revocation id, and the issuer's CRL.

    rid = rid_for(secret, card_id)          # base64url of the first 64 bits of HMAC-SHA-256: 11 characters
    crl = Crl(kid=kid, ctr=2, rids=["abc", "def.1668545475"])
    crl.revokes(rid, nbf)                   # "rid" revokes every card with it; "rid.t" those with nbf <= t
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MAX_RID_CHARS", "Crl", "rid_for"]

MAX_RID_CHARS = 24


def rid_for(secret: bytes, identifier: str) -> str:
    digest = hmac.new(secret, identifier.encode(), hashlib.sha256).digest()[:8]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Crl(BaseModel):
    """`GET {iss}/.well-known/crl/{kid}.json`: the revoked `rid`s of one key, `ctr` its version."""

    model_config = ConfigDict(extra="ignore")

    kid: str = Field(max_length=100)
    method: Literal["rid"] = "rid"
    ctr: int = Field(ge=1)
    rids: list[str] = Field(default_factory=list, max_length=1_000_000)

    def revokes(self, rid: str, nbf: float) -> bool:
        for entry in self.rids:
            revoked, _, before = entry.partition(".")
            if revoked != rid:
                continue
            if not before:
                return True
            if before.isdigit() and int(nbf) <= int(before):
                return True
        return False
