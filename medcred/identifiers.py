"""Identifiers: Indy DIDs (nyms) and qualified DIDs, as value objects that pydantic fields can hold.

    IndyDid(str)          an Indy DID as its nym (16 bytes, base58); `did:sov:<nym>` and
                          `did:indy:<namespace>:<nym>` are accepted and kept as the bare nym
    IndyDid.parse(value)  the nym of anything that is an Indy DID, else None (another DID method, garbage)
    Did(pydid.DID)        a qualified DID (`did:<method>:<id>`); `.short` is the form both ends of a
                          connection agree on (did:peer:4's short form `did:peer:4<hash>`, others as they are)
    short_did(did)        that short form of a DID string as an agent stored it (a bare nym stays as it is)
    BASE58, NYM_PATTERN   regular expressions of a base58 character and of a nym, for ids that embed one

The nym is what the ledger's NYMs, schema and credential definition ids carry, and the only form
anoncreds-rs accepts in an `issuer_did` restriction (a legacy identifier tag). Malformed input is an
`InvalidInputError` (a `ValueError`, so pydantic turns it into a validation error naming the field).
"""

from __future__ import annotations

import re
from typing import Any, Self

import base58
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema
from pydid import DID
from pydid.common import DID_PATTERN

from medcred.errors import InvalidInputError

__all__ = ["BASE58", "NYM_PATTERN", "Did", "IndyDid", "base58_bytes", "short_did"]

BASE58 = "[1-9A-HJ-NP-Za-km-z]"
NYM_PATTERN = f"{BASE58}{{21,22}}"
NYM_BYTES = 16
INDY_PREFIXES = ("did:sov:", "did:indy:")
_BASE58 = re.compile(f"^{BASE58}+$")
PEER_4 = "did:peer:4"


def base58_bytes(value: str, what: str) -> bytes:
    """The bytes a base58 (bitcoin alphabet) string encodes; `InvalidInputError` naming `what` if it is not."""
    if not _BASE58.match(value):
        raise InvalidInputError(f"{what} must be base58 (no 0, O, I or l)")
    return base58.b58decode(value)


class IndyDid(str):
    """An Indy DID, held as its nym: `IndyDid("did:sov:<nym>") == "<nym>"`."""

    __slots__ = ()

    def __new__(cls, value: str) -> Self:
        if not isinstance(value, str):
            raise InvalidInputError("DID must be a string")
        nym = value.rsplit(":", 1)[-1] if value.startswith(INDY_PREFIXES) else value
        if len(nym) not in (21, 22) or len(base58_bytes(nym, "DID")) != NYM_BYTES:
            raise InvalidInputError("DID must be 21-22 base58 characters encoding 16 bytes")
        return super().__new__(cls, nym)

    @classmethod
    def parse(cls, value: object) -> IndyDid | None:
        """The nym of an Indy DID (`did:sov:`, `did:indy:` or bare); None for anything else."""
        if not isinstance(value, str) or (value.startswith("did:") and not value.startswith(INDY_PREFIXES)):
            return None
        try:
            return cls(value)
        except InvalidInputError:
            return None

    @property
    def qualified(self) -> str:
        """The nym as a `did:sov:` DID (how connection records name a public DID)."""
        return f"did:sov:{self}"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # A string (surrounding blanks dropped), then the nym; serialised as the plain string.
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(strip_whitespace=True), serialization=core_schema.to_string_ser_schema()
        )


class Did(DID):  # type: ignore[misc]  # pydid has no type hints: DID is Any to mypy
    """A qualified DID (pydid's `DID`: `did:<method>:<method-specific id>`), malformed -> `InvalidInputError`."""

    def __init__(self, did: str) -> None:
        if not isinstance(did, str) or not DID.is_valid(did):
            raise InvalidInputError("not a DID (did:<method>:<id>)")
        super().__init__(did)

    @property
    def short(self) -> Did:
        """The form both ends of a connection agree on: did:peer:4's short form, other DIDs as they are."""
        return Did(short_did(self))

    @classmethod
    def __get_pydantic_core_schema__(cls, source_type: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(), serialization=core_schema.to_string_ser_schema()
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # pydid's puts the compiled pattern object into the schema, which OpenAPI cannot serialise.
        return {**handler(schema), "pattern": DID_PATTERN.pattern}


def short_did(did: str) -> str:
    """A DID in the form both ends of a connection agree on: a long-form did:peer:4
    (`did:peer:4<hash>:<document>`) becomes its short form `did:peer:4<hash>`; every other DID, or a
    bare nym, is returned as it is."""
    if did.startswith(PEER_4):
        return ":".join(did.split(":", 3)[:3])
    return did
