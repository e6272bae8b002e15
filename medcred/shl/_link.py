"""The `shlink:/` URI: `shlink:/` + base64url(minified JSON payload), optionally after a viewer URL and `#`.

    link = encode_link({"url": manifest_url, "key": new_key(), "flag": "P", "label": "..."}, viewer=...)
    payload = decode_link("https://viewer.example.org#shlink:/eyJ1...")   # or a bare "shlink:/eyJ1..."

Writing only ever uses the flags L, P and U; reading is `parse_payload`'s (see `_payload`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from medcred.errors import InvalidInputError
from medcred.shl._encoding import b64url_decode, b64url_encode, json_object
from medcred.shl._payload import KNOWN_FLAGS, ShlPayload, parse_payload, url_problem

__all__ = ["decode_link", "encode_link"]

SCHEME = "shlink:/"
MAX_LINK_CHARS = 8192  # a QR code holds < 3 kB: room for a viewer prefix and extensions, no more


def encode_link(payload: ShlPayload | Mapping[str, Any], viewer: str | None = None) -> str:
    """`shlink:/` + base64url(minified JSON), optionally after a viewer URL ending in `#`."""
    payload = payload if isinstance(payload, ShlPayload) else parse_payload(payload)
    if payload.flag and set(payload.flag) - KNOWN_FLAGS:
        raise InvalidInputError("flag: this code writes only the flags L, P and U")
    body = payload.model_dump_json(exclude_none=True).encode()  # minified, UTF-8, in field order
    link = SCHEME + b64url_encode(body)
    if viewer is None:
        return link
    viewer = viewer.removesuffix("#")
    if problem := url_problem(viewer) or ("must not have a fragment of its own" if "#" in viewer else None):
        raise InvalidInputError(f"the viewer URL {problem}")
    return viewer + "#" + link


def _bare(text: str) -> str:
    """The `shlink:/...` part of a bare link or of a viewer URL followed by `#shlink:/...`."""
    if text[: len(SCHEME)].lower() == SCHEME:
        return text
    viewer, hash_sign, rest = text.partition("#")
    if not hash_sign or rest[: len(SCHEME)].lower() != SCHEME:
        raise InvalidInputError("not a SMART Health Link: expected shlink:/... or a viewer URL then #shlink:/...")
    if problem := url_problem(viewer):
        raise InvalidInputError(f"not a SMART Health Link: the viewer URL before '#' {problem}")
    return rest


def decode_link(text: str) -> ShlPayload:
    """Read a SMART Health Link; anything malformed, truncated or out of spec is an `InvalidInputError`."""
    if not isinstance(text, str):
        raise InvalidInputError("a SMART Health Link must be text")
    text = text.strip()
    if len(text) > MAX_LINK_CHARS:
        raise InvalidInputError(f"a SMART Health Link is at most {MAX_LINK_CHARS} characters; this is {len(text)}")
    encoded = _bare(text)[len(SCHEME) :]
    if not encoded:
        raise InvalidInputError("the SMART Health Link has nothing after shlink:/")
    fields = json_object(b64url_decode(encoded, "the link's payload"), "the link's payload")
    return parse_payload(fields)
