#!/usr/bin/env python3
"""Write the hospital's public DID to a file, for the verifier controller (docker-compose's `issuer-did`).

    MEDCRED_ISSUER_URL=http://issuer-controller:8001 MEDCRED_ISSUER_API_KEY=... issuer_did.py /shared/issuer-did

The verifier restricts every proof request to credentials that this DID issued, which is what `medcred up`
does in process (`MedcredNetwork._issuer_did`). Only this one-shot container holds the hospital's staff
key; the verifier receives the DID alone. Standard library only: it runs in the controllers' image.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

RETRY_SECONDS = 2.0


def fetch_did(url: str, api_key: str, timeout: float) -> str:
    """GET {url}/issuer until it answers its DID; a refused key fails at once, anything else is retried."""
    if not url.startswith(("http://", "https://")):
        raise SystemExit(f"issuer-did: {url!r} is not an http(s) URL")
    request = urllib.request.Request(f"{url.rstrip('/')}/issuer", headers={"X-API-Key": api_key})  # noqa: S310
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - checked above
                did = json.load(response)["did"]
            if not isinstance(did, str) or not did:
                raise ValueError("no DID in the answer")
            return did
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise SystemExit(f"issuer-did: the issuer refused the key ({exc.code}): check ISSUER_API_KEY") from exc
            error: Exception = exc
        except (urllib.error.URLError, OSError, KeyError, ValueError) as exc:
            error = exc
        if time.monotonic() > deadline:
            raise SystemExit(f"issuer-did: no DID from {url} within {timeout:g} s ({error})")
        time.sleep(RETRY_SECONDS)


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/shared/issuer-did")
    url = os.environ.get("MEDCRED_ISSUER_URL", "http://issuer-controller:8001")
    api_key = os.environ.get("MEDCRED_ISSUER_API_KEY", "")
    if not api_key:
        raise SystemExit("issuer-did: MEDCRED_ISSUER_API_KEY is not set")
    did = fetch_did(url, api_key, float(os.environ.get("MEDCRED_ISSUER_DID_TIMEOUT", "120")))
    partial = target.with_name(f".{target.name}.tmp")
    partial.write_text(f"{did}\n")
    partial.replace(target)  # the verifier never reads a half-written file
    print(f"issuer-did: the hospital's DID {did} is in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
