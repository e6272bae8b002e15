"""The revocation tails server, compatible with bcgov/indy-tails-server (ACA-Py's `--tails-server-base-url`).

Run it with `uvicorn --factory ledger.tails:create_app`; settings come from `MEDCRED_TAILS_*`.
"""

from __future__ import annotations

from ledger.tails.app import create_app
from ledger.tails.settings import TailsSettings
from ledger.tails.store import TailsStore

__all__ = ["TailsSettings", "TailsStore", "create_app"]
