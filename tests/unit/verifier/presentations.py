"""Builders of what the verifier's agent reports: webhook payloads and `GET /present-proof-2.0/records/{id}`."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

_clock = itertools.count(1)


def webhook(pres_ex_id: str, state: str, **fields: Any) -> dict[str, Any]:
    """A present_proof_v2_0 webhook (state only: ACA-Py sends no presentation without --debug-webhooks)."""
    stamp = f"2026-05-09T07:36:{next(_clock) % 60:02d}.{next(_clock):06d}Z"  # each delivery a new event
    return {"pres_ex_id": pres_ex_id, "state": state, "role": "verifier", "updated_at": stamp, **fields}


def record(
    pres_ex_id: str,
    revealed: Mapping[str, str],
    *,
    verified: str = "true",
    state: str = "done",
    predicates: Mapping[str, int] | None = None,
    revealed_attrs: Mapping[str, tuple[str, str]] | None = None,
    verified_msgs: list[str] | None = None,
    cred_def_id: str | None = None,
) -> dict[str, Any]:
    """A record as the agent answers it: `revealed` in the `revealed` group (sub-proof 0);
    `predicates` referent -> sub-proof index; `revealed_attrs` referent -> (name, raw) as single-name referents;
    `cred_def_id`: the credential definition of the credential proven (its `identifiers`)."""
    identifiers = [{"schema_id": "x", "cred_def_id": cred_def_id}] if cred_def_id else []
    requested_attributes: dict[str, Any] = {"revealed": {"names": list(revealed)}}
    requested_attributes |= {ref: {"name": name} for ref, (name, _) in (revealed_attrs or {}).items()}
    requested_proof = {
        "revealed_attr_groups": {
            "revealed": {"sub_proof_index": 0, "values": {k: {"raw": v, "encoded": "1"} for k, v in revealed.items()}}
        },
        "revealed_attrs": {
            ref: {"sub_proof_index": 0, "raw": raw, "encoded": "1"} for ref, (_, raw) in (revealed_attrs or {}).items()
        },
        "predicates": {ref: {"sub_proof_index": index} for ref, index in (predicates or {}).items()},
        "unrevealed_attrs": {},
        "self_attested_attrs": {},
    }
    return {
        "pres_ex_id": pres_ex_id, "state": state, "verified": verified, "verified_msgs": verified_msgs or [],
        "by_format": {
            "pres_request": {"anoncreds": {"name": "x", "version": "1.0", "nonce": "1",
                                           "requested_attributes": requested_attributes}},
            "pres": {"anoncreds": {"requested_proof": requested_proof, "proof": {}, "identifiers": identifiers}},
        },
    }  # fmt: skip
