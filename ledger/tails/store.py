"""Content-addressed storage of tails files on disk; nothing is kept only in memory.

Layout under `root`:

    by-hash/<tails hash>       every stored file, named by the base58 SHA-256 of its bytes
    by-rev-reg/<rev_reg_id>    files uploaded by registry id (hard links to the same bytes)
    .incoming/                 files being written; never served

Every name is validated against a strict pattern before it comes near the filesystem, so `..`, `/`,
NUL or an absolute path is an `InvalidInputError`, never a path. A file is written to `.incoming`,
fsynced, then hard-linked under its name: `os.link` refuses an existing name, so a crash never leaves
a half-written file under a served name, and of two concurrent uploads of one name exactly one wins.
Files are never overwritten or deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import base58

from medcred.errors import ConflictError, InvalidInputError, NotFoundError
from medcred.identifiers import BASE58, NYM_PATTERN

log = logging.getLogger(__name__)

_TAG = "[A-Za-z0-9_.-]{1,64}"
_TAILS_HASH = re.compile(f"{BASE58}{{32,64}}")
_REV_REG_ID = re.compile(f"{NYM_PATTERN}:4:{NYM_PATTERN}:3:CL:[0-9]{{1,20}}:{_TAG}:CL_ACCUM:{_TAG}")


def tails_hash_of(data: bytes) -> str:
    """The tails hash of a file: base58 (bitcoin alphabet) of the SHA-256 of its bytes."""
    return base58.b58encode(hashlib.sha256(data).digest()).decode("ascii")


def check_tails_hash(name: str) -> str:
    """`name` if it is a well-formed tails hash (the base58 form of 32 bytes), else `InvalidInputError`."""
    if not (isinstance(name, str) and _TAILS_HASH.fullmatch(name)):
        raise InvalidInputError("a tails hash is 32 to 64 base58 characters")
    digest = base58.b58decode(name)
    if len(digest) != 32 or base58.b58encode(digest).decode("ascii") != name:
        raise InvalidInputError("a tails hash is the base58 form of a 32-byte SHA-256 digest")
    return name


def check_rev_reg_id(name: str) -> str:
    """`name` if it is an Indy revocation registry id, else `InvalidInputError`."""
    if not (isinstance(name, str) and _REV_REG_ID.fullmatch(name)):
        raise InvalidInputError("not a revocation registry id <did>:4:<did>:3:CL:<seqno>:<tag>:CL_ACCUM:<tag>")
    return name


class TailsStore:
    """Tails files kept under `root`, addressed by tails hash or by revocation registry id."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._by_hash = root / "by-hash"
        self._by_rev_reg = root / "by-rev-reg"
        self._incoming = root / ".incoming"
        for folder in (self._by_hash, self._by_rev_reg, self._incoming):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def put_by_hash(self, tails_hash: str, data: bytes) -> None:
        """Store `data` as `tails_hash`: 400 unless its hash is that name, 409 if already present."""
        name = check_tails_hash(tails_hash)
        if tails_hash_of(data) != name:
            raise InvalidInputError("the SHA-256 of the file does not match the tails hash")
        with self._written(data) as temp:
            self._link(temp, self._by_hash / name)
        log.info("stored tails file %s (%d bytes)", name, len(data))

    def put_by_rev_reg_id(self, rev_reg_id: str, data: bytes) -> str:
        """Store `data` under a registry id (409 if present), also reachable by its hash; returns the hash.

        The hash is not checked against the registry's `tailsHash`: that needs the ledger, and the
        holder checks it anyway before using the file.
        """
        name = check_rev_reg_id(rev_reg_id)
        digest = tails_hash_of(data)
        with self._written(data) as temp:
            self._link(temp, self._by_rev_reg / name)
            with contextlib.suppress(ConflictError):  # the same hash, so the same bytes
                self._link(temp, self._by_hash / digest)
        log.info("stored tails file %s for %s (%d bytes)", digest, name, len(data))
        return digest

    def get_by_hash(self, tails_hash: str) -> Path:
        return self._existing(self._by_hash / check_tails_hash(tails_hash))

    def get_by_rev_reg_id(self, rev_reg_id: str) -> Path:
        return self._existing(self._by_rev_reg / check_rev_reg_id(rev_reg_id))

    @staticmethod
    def _existing(path: Path) -> Path:
        if not path.is_file():
            raise NotFoundError(f"no tails file {path.name}")
        return path

    @contextlib.contextmanager
    def _written(self, data: bytes) -> Iterator[Path]:
        """A fully written, fsynced temp file holding `data`, removed on exit (its links remain)."""
        fd, temp_name = tempfile.mkstemp(dir=self._incoming, prefix="upload-")
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            yield temp
        finally:
            temp.unlink(missing_ok=True)

    @staticmethod
    def _link(temp: Path, final: Path) -> None:
        """Give `temp` the name `final`, atomically; `ConflictError` if that name exists."""
        try:
            os.link(temp, final)
        except FileExistsError as exc:
            raise ConflictError(f"tails file {final.name} already exists") from exc
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
