"""Strict base64url (RFC 4648 §5, unpadded, as JOSE writes it) and strict JSON objects.

Both refuse rather than guess: a wrong alphabet, padding, a truncated length, non-canonical trailing
bits, invalid UTF-8, duplicate keys or anything but an object is an `InvalidInputError` naming `what`.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from medcred.bounded_json import loads
from medcred.errors import InvalidInputError

__all__ = ["b64url_decode", "b64url_encode", "json_object"]

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean",
               type(None): "null"}  # fmt: skip


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str, what: str) -> bytes:
    if not _B64URL.fullmatch(text):
        bad = "padding ('=')" if "=" in text else "characters outside the base64url alphabet (A-Z a-z 0-9 - _)"
        raise InvalidInputError(f"{what} is not base64url: it has {bad}")
    if len(text) % 4 == 1:
        raise InvalidInputError(f"{what} is not base64url: its length is impossible (truncated?)")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidInputError(f"{what} is not base64url") from exc
    if b64url_encode(data) != text:  # unused trailing bits set: another encoder's bytes, or damage
        raise InvalidInputError(f"{what} is not base64url as JOSE writes it: stray bits at its end (truncated?)")
    return data


def json_object(data: bytes, what: str) -> dict[str, Any]:
    """`data` as a JSON object; duplicate keys are refused (two parsers could read them differently)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{what} is not UTF-8 text") from exc

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys):
            raise InvalidInputError(f"{what} is not acceptable JSON: a JSON key appears twice")
        return dict(pairs)

    def no_constants(name: str) -> None:
        raise InvalidInputError(f"{what} is not acceptable JSON: {name} is not JSON")

    # Not valid JSON, a number too long, nested too deeply: bounded_json says which.
    value = loads(text, what=what, object_pairs_hook=no_duplicates, parse_constant=no_constants)
    if not isinstance(value, dict):
        raise InvalidInputError(f"{what} must be a JSON object, not {_JSON_KINDS.get(type(value), 'that')}")
    return value
