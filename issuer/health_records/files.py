"""The record store's ciphertext files: written atomically, and strays left by an interruption removed."""

from __future__ import annotations

import os
from pathlib import Path

from medcred.errors import MedcredError

__all__ = ["remove_strays", "write_atomically"]


def write_atomically(path: Path, blob: bytes) -> None:
    """A temporary file (0600), fsync'd, renamed over `path`, the folder fsync'd: all of it or nothing."""
    temp = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(blob)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise MedcredError(f"cannot write {path.name}: {exc.strerror}") from exc


def remove_strays(folder: Path, live: set[str]) -> None:
    """Delete temporary files, and ciphertexts no index entry names (never indexed, or erased mid-way)."""
    for path in folder.iterdir():
        if path.name.endswith(".tmp") or (path.suffix == ".bin" and path.stem not in live):
            path.unlink(missing_ok=True)
