"""The SMART Health Link payload: the JSON object a `shlink:/` URI carries (HL7 SMART Health Cards and
Links IG, STU1): `url`, `key`, and optionally `exp`, `flag`, `label`, `v`.

Reading follows the spec's own rules where it sets them: unknown properties (`extension`, `_x`...) are
ignored, and so are flag letters it does not define ("SHL Receiver Application SHALL ignore flag values
they don't recognize"); everything it does define is checked strictly. A `v` other than 1 is refused, as
the spec advises receivers not to proceed with a version they do not know.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medcred.errors import InvalidInputError
from medcred.shl._encoding import b64url_decode, b64url_encode

__all__ = ["KEY_BYTES", "KNOWN_FLAGS", "ShlFlag", "ShlPayload", "new_key", "parse_payload", "url_problem"]

KEY_BYTES = 32
MAX_REPORTED_PROBLEMS = 5
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class ShlFlag(StrEnum):
    LONG_TERM = "L"  # the manifest may change over time
    PASSCODE = "P"  # the manifest request needs the passcode
    DIRECT_FILE = "U"  # `url` is the single encrypted file itself (GET), no manifest


KNOWN_FLAGS = frozenset(ShlFlag)


def new_key() -> str:
    """A fresh link key: 32 random bytes, base64url (43 characters)."""
    return b64url_encode(secrets.token_bytes(KEY_BYTES))


def url_problem(value: str) -> str | None:
    """Why `value` is not an acceptable link URL, or None."""
    if any(unicodedata.category(char)[0] in "CZ" for char in value):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("https", "http") or not host:
        return "must be an absolute https URL"
    if parts.scheme == "http" and host not in _LOOPBACK:
        return "must use https (plain http only on this machine's loopback)"
    return None


class ShlPayload(BaseModel):
    """The JSON inside a `shlink:/` URI. Fields are in the spec's examples' order, so encoding matches them."""

    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")

    url: str = Field(max_length=128, description="manifest URL (with U: the encrypted file itself)")
    flag: str | None = Field(default=None, min_length=1, description="flag letters in alphabetical order")
    key: str = Field(description="32 random bytes, base64url: decrypts the files")
    label: str | None = Field(default=None, max_length=80, description="what the link shares, for display")
    exp: int | float | None = Field(default=None, description="expiry hint, epoch seconds")
    v: int | None = Field(default=None, description="protocol version; absent means 1")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if problem := url_problem(value):
            raise ValueError(problem)
        return value

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if len(value) != 43:
            raise ValueError(f"must be 43 base64url characters (32 bytes), not {len(value)}")
        b64url_decode(value, "the key")
        return value

    @field_validator("flag")
    @classmethod
    def _flag(cls, value: str | None) -> str | None:
        if value is None:  # an explicit null: the same as no flags
            return None
        if not value.isascii() or not value.isalpha() or not value.isupper():
            raise ValueError("must be single capital letters (L, P, U)")
        if len(set(value)) != len(value) or list(value) != sorted(value):
            raise ValueError("letters must appear once each, in alphabetical order")
        if ShlFlag.PASSCODE in value and ShlFlag.DIRECT_FILE in value:
            raise ValueError("P (passcode) cannot be combined with U (direct file)")
        return value

    @field_validator("label")
    @classmethod
    def _label(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if any(unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS for char in value):
            raise ValueError("must not contain control characters or text-direction overrides")
        return value

    @field_validator("exp", mode="before")
    @classmethod
    def _exp(cls, value: object) -> object:
        if value is None:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number (epoch seconds)")
        if not 0 <= value < 2**63:  # also refuses NaN and infinities
            raise ValueError("must be a non-negative number of epoch seconds that fits in 64 bits")
        return value

    @field_validator("v")
    @classmethod
    def _version(cls, value: int) -> int:
        if value != 1:
            raise ValueError(f"version {value} is not supported: this reader knows version 1")
        return value

    @property
    def flags(self) -> frozenset[ShlFlag]:
        """The flags this code knows; any other letter is ignored, as the spec requires."""
        return frozenset(ShlFlag(char) for char in self.flag or "" if char in KNOWN_FLAGS)

    @property
    def key_bytes(self) -> bytes:
        return b64url_decode(self.key, "the key")

    @property
    def expires_at(self) -> datetime | None:
        if self.exp is None:
            return None
        try:
            return datetime.fromtimestamp(self.exp, UTC)
        except (OverflowError, OSError, ValueError):  # past year 9999: never, in practice
            return datetime.max.replace(tzinfo=UTC)

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or datetime.now(UTC))


def _reasons(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False)[:MAX_REPORTED_PROBLEMS]:
        where = ".".join(str(part) for part in error["loc"]) or "payload"
        problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(problems)


def parse_payload(fields: Mapping[str, Any]) -> ShlPayload:
    """Validate a payload's fields; every problem is named (the key's value is never repeated)."""
    try:
        return ShlPayload.model_validate(dict(fields))
    except ValidationError as exc:
        raise InvalidInputError(f"invalid SMART Health Link payload: {_reasons(exc)}") from None
