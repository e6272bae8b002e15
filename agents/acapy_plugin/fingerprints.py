"""Run-time patches of the plugin apply only to the source they were written against.

Each patch names what it replaces or relies on and the SHA-256 of that source as it was written
against it; `differing` lists the names whose installed source is not that one, and the patch then
leaves everything as it is and logs why.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Mapping
from typing import Any

__all__ = ["differing", "fingerprint", "written_against"]


def fingerprint(code: Any) -> str:
    """SHA-256 of the source of a function or class."""
    return hashlib.sha256(inspect.getsource(code).encode()).hexdigest()


def differing(relied_on: Mapping[str, Any], expected: Mapping[str, str]) -> list[str]:
    """The names in `relied_on` whose source's fingerprint is not the one in `expected`."""
    return [name for name, code in relied_on.items() if fingerprint(code) != expected.get(name)]


def written_against(
    patch: str, relied_on: Mapping[str, Any], expected: Mapping[str, str], logger: logging.Logger
) -> bool:
    """True if every source `patch` relies on is the one it was written against; else log which differ."""
    found = differing(relied_on, expected)
    if found:
        logger.warning("medcred plugin: %s not applied, the source differs in %s", patch, ", ".join(found))
    return not found
