"""Where the hospital's records key-encryption key (KEK) comes from, and which data folder it belongs to.

    source = kek_source(settings)              # MEDCRED_ISSUER_RECORDS_KEK, or MEDCRED_ISSUER_RECORDS_KEK_FILE
    folder_id = data_folder_id(settings.folder())            # random, made once in the folder (`folder-id`)
    new_key_file(config / "records-keks" / folder_id, folder_id)   # what `medcred up` makes for a folder

A key file names the data folder it was made for, and the records index keeps that folder's id beside
the KEK's check value (`issuer.health_records.store`):

    # medcred records key-encryption key of one data folder: keep it out of that folder's backups
    folder-id=3f2c...
    kek=<43 characters, base64url>

so a key file of another data folder, or records moved under another data folder, are refused at start
with a ConfigurationError that says which. A KEK given as a value (MEDCRED_ISSUER_RECORDS_KEK) names no
folder: its check value alone binds it to the records. A file holding nothing but a key (as
`~/.config/medcred/records-kek` did before keys were per folder) is read the same way. Start-up says
which key is used (the setting's name or the file's path, never the key).
"""

from __future__ import annotations

import os
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from issuer.health_records import crypto
from issuer.settings import IssuerSettings
from medcred.errors import ConfigurationError

__all__ = ["FOLDER_ID_FILE", "KEK_FILE_SETTING", "KekSource", "data_folder_id", "kek_source", "new_key_file"]

FOLDER_ID_FILE = "folder-id"
KEK_FILE_SETTING = "MEDCRED_ISSUER_RECORDS_KEK_FILE"
_FOLDER_ID = re.compile(r"[0-9a-f]{32}")
_HEADER = "# medcred records key-encryption key of one data folder: keep it out of that folder's backups"


@dataclass(frozen=True)
class KekSource:
    kek: bytes
    described: str  # what start-up says: the setting's name, or the key file's path
    folder_id: str | None  # the data folder a key file was made for; None for a bare key


def _create(path: Path, text: str) -> None:
    """Write `text` to a new file readable by its owner only; nothing if the file exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as file:
        file.write(text)


def data_folder_id(folder: Path) -> str:
    """The data folder's identifier, made (random) on first use and kept in `<folder>/folder-id`."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / FOLDER_ID_FILE
    _create(path, uuid.uuid4().hex + "\n")
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the data folder's id {path}: {exc.strerror}") from exc
    if not _FOLDER_ID.fullmatch(text):
        raise ConfigurationError(f"the data folder's id {path} is damaged (32 hexadecimal digits expected)")
    return text


def new_key_file(path: Path, folder_id: str) -> Path:
    """A new random KEK in a key file made for data folder `folder_id` (0600); an existing file is kept."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _create(path, f"{_HEADER}\nfolder-id={folder_id}\nkek={secrets.token_urlsafe(crypto.KEY_BYTES)}\n")
    return path


def _read_key_file(path: Path) -> tuple[SecretStr, str | None]:
    try:
        lines = [line.strip() for line in path.read_text().splitlines()]
    except OSError as exc:
        raise ConfigurationError(f"cannot read the records key file {path}: {exc.strerror}") from exc
    fields = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    bare = [line for line in lines if line and not line.startswith("#") and "=" not in line]
    if "kek" not in fields:  # a file with the key alone
        return SecretStr(bare[0] if len(bare) == 1 else ""), None
    return SecretStr(fields["kek"]), fields.get("folder-id")


def kek_source(settings: IssuerSettings) -> KekSource:
    """The KEK from MEDCRED_ISSUER_RECORDS_KEK, else from the key file MEDCRED_ISSUER_RECORDS_KEK_FILE."""
    if settings.records_kek is None and settings.records_kek_file is None:
        raise ConfigurationError(f"{crypto.KEK_SETTING} is not set, nor {KEK_FILE_SETTING}: {crypto.HOW_TO}")
    if settings.records_kek is not None:
        return KekSource(crypto.load_kek(settings.records_kek), crypto.KEK_SETTING, None)
    assert settings.records_kek_file is not None
    path = settings.records_kek_file.expanduser().resolve()
    if path.is_relative_to(settings.folder()):
        raise ConfigurationError(f"the records key file {path} cannot be kept inside the data folder it protects")
    value, folder_id = _read_key_file(path)
    try:
        kek = crypto.load_kek(value)
    except ConfigurationError:
        raise ConfigurationError(f"the records key file {path} holds no 32-byte key (base64url or hex)") from None
    return KekSource(kek, f"the key file {path}", folder_id)
