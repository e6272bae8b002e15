"""Revocation by `rid` (the specification's one method): a card's revocation id, and the issuer's CRL.

    rid = new_rid()                         # 64 random bits, base64url: 11 characters, linked to nothing
    crl = Crl(kid=kid, ctr=2, rids=["abc", "def.1668545475"])
    crl.revokes(rid, nbf)                   # "rid" revokes every card with it; "rid.t" those with nbf <= t
"""

from __future__ import annotations

import base64
import secrets
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MAX_RID_CHARS", "Crl", "new_rid"]

MAX_RID_CHARS = 24


def new_rid() -> str:
    """A card's revocation id: random, so that it says nothing of the patient or of other cards (the
    specification's HMAC of an internal id serves issuers that must re-derive it; we keep it instead)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(8)).rstrip(b"=").decode()


class Crl(BaseModel):
    """`GET {iss}/.well-known/crl/{kid}.json`: the revoked `rid`s of one key, `ctr` its version."""

    model_config = ConfigDict(extra="ignore")

    kid: str = Field(max_length=100)
    method: Literal["rid"] = "rid"
    ctr: int = Field(ge=0)
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
