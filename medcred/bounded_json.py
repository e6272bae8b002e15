"""JSON from outside, read within bounds: how large it is and how deeply it nests.

    value = loads(body, what="the webhook body")                 # InvalidInputError (400) saying what is wrong
    value = loads(data, what="FHIR JSON content", error=UnprocessableError, max_bytes=limit)   # 422 / 413
    problem = nesting_problem(body)                              # for a body someone else will parse

Python's parser recurses: a few thousand `[` raise RecursionError deep inside whatever parses them (a 500),
and pydantic models of `dict[str, Any]` recurse again. Every JSON input of every app passes here: request
bodies (`medcred.web` checks each JSON body before a route reads it), webhooks, and the JSON carried
inside invitations, SMART Health Links, shared files and records. Nothing of the input is repeated.
"""

from __future__ import annotations

import json
from typing import Any

from medcred.errors import InvalidInputError, PayloadTooLargeError

__all__ = ["MAX_BODY_BYTES", "MAX_DEPTH", "depth", "loads", "nesting_problem"]

# Deep enough for any FHIR Bundle, DIDComm message or ACA-Py record (they nest ~10-20 levels).
MAX_DEPTH = 64
# The largest JSON request body an app takes unless it says otherwise (record uploads are larger).
MAX_BODY_BYTES = 2 * 1024 * 1024


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed value: 0 for a scalar, 1 for `[]` or `{}`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _too_deep(what: str, max_depth: int) -> str:
    return f"{what} is nested too deeply (more than {max_depth} levels of arrays and objects)"


def loads(
    data: bytes | str,
    *,
    what: str,
    max_depth: int = MAX_DEPTH,
    max_bytes: int | None = None,
    error: type[InvalidInputError] = InvalidInputError,
    **options: Any,
) -> Any:
    """`data` parsed as JSON within the bounds; `error` (or 413 for the size) saying what is wrong.

    `options` go to `json.loads` (hooks refusing duplicate keys, say); an InvalidInputError a hook raises
    passes through as it is."""
    if max_bytes is not None and len(data) > max_bytes:
        raise PayloadTooLargeError(f"{what} is {len(data)} bytes; the limit is {max_bytes}")
    try:
        value = json.loads(data, **options)
    except InvalidInputError:
        raise
    except UnicodeDecodeError:
        raise error(f"{what} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        cut = exc.msg.startswith("Unterminated") or exc.pos >= len(exc.doc.rstrip())
        where = f"line {exc.lineno} column {exc.colno}{'; truncated?' if cut else ''}"
        raise error(f"{what} is not valid JSON ({exc.msg}: {where})") from None
    except RecursionError:
        raise error(_too_deep(what, max_depth)) from None
    except ValueError:  # e.g. an integer past Python's 4300-digit conversion limit
        raise error(f"{what} has a number too long to read") from None
    if depth(value) > max_depth:
        raise error(_too_deep(what, max_depth))
    return value


def nesting_problem(data: bytes, *, what: str, max_depth: int = MAX_DEPTH) -> str | None:
    """Why `data` nests too deeply, or None: also when it is not JSON at all (its reader says so its own way)."""
    try:
        value = json.loads(data)
    except RecursionError:
        return _too_deep(what, max_depth)
    except ValueError:
        return None
    return _too_deep(what, max_depth) if depth(value) > max_depth else None
