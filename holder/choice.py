"""Choosing which stored credential answers each referent of an AnonCreds proof request.

ACA-Py lists, per referent, the credentials matching its restrictions; it checks neither revocation
nor predicate values, and left to itself picks one at random (docs/ACAPY.md). Here, for each referent:

1. drop revoked candidates; one whose revocation could not be established is kept, after the others;
2. for a predicate, drop candidates whose value does not satisfy it (integers; >=, >, <=, <);
3. prefer the credential that covers the most referents still open, so revealed attributes and
   predicates come from the same credential (the dose-2 vaccination's date, not the dose-1's).

When a referent has nothing left, `choose()` raises `ConflictError` whose message is the reason the
verifier is told, one of:
`predicate-not-met: <attr> <p_type> <value>`, `revoked: every matching credential is revoked`,
`no-credential: nothing matches <referent name>`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from medcred.errors import ConflictError

__all__ = ["Candidate", "Referent", "candidates", "choose", "presentation", "referents"]

PREDICATES: Mapping[str, Callable[[int, int], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
}  # fmt: skip
REVOKED = "revoked: every matching credential is revoked"


def normalise(name: str) -> str:
    """Attribute names as AnonCreds compares them: case and spaces do not count."""
    return name.replace(" ", "").lower()


@dataclass(frozen=True, slots=True)
class Referent:
    key: str
    names: tuple[str, ...]
    p_type: str | None = None  # set for a predicate
    p_value: int | None = None

    @property
    def is_predicate(self) -> bool:
        return self.p_type is not None

    @property
    def label(self) -> str:
        return ", ".join(self.names)

    def predicate_text(self) -> str:
        return f"{self.names[0]} {self.p_type} {self.p_value}"

    def satisfied_by(self, attributes: Mapping[str, str]) -> bool:
        if not self.is_predicate:
            return True
        compare = PREDICATES.get(self.p_type or "")
        value = attributes.get(normalise(self.names[0]))
        try:
            return compare is not None and self.p_value is not None and compare(int(str(value)), self.p_value)
        except ValueError:
            return False


@dataclass(frozen=True, slots=True)
class Candidate:
    cred_id: str
    attributes: Mapping[str, str]  # normalised names
    referents: frozenset[str]
    revoked: bool | None


def referents(request: Mapping[str, Any]) -> list[Referent]:
    """The referents of an AnonCreds proof request, attributes first, in the request's order."""
    found: list[Referent] = []
    for key, spec in (request.get("requested_attributes") or {}).items():
        names = spec.get("names") or [spec.get("name")]
        found.append(Referent(key, tuple(str(name) for name in names)))
    for key, spec in (request.get("requested_predicates") or {}).items():
        try:
            p_value = int(spec.get("p_value"))
        except (TypeError, ValueError):
            p_value = None
        found.append(Referent(key, (str(spec.get("name")),), str(spec.get("p_type")), p_value))
    return found


def candidates(listed: Iterable[Mapping[str, Any]], revoked: Mapping[str, bool | None]) -> list[Candidate]:
    """ACA-Py's `/present-proof-2.0/records/{id}/credentials` answer, with each one's revocation status."""
    found = []
    for entry in listed:
        info = entry.get("cred_info")
        if not isinstance(info, dict) or not isinstance(info.get("referent"), str):
            continue  # a DIF (JSON-LD) candidate: not for an AnonCreds request
        attributes = {normalise(k): str(v) for k, v in (info.get("attrs") or {}).items()}
        found.append(Candidate(info["referent"], attributes, frozenset(entry.get("presentation_referents") or ()),
                               revoked.get(info["referent"])))  # fmt: skip
    return found


def _refusal(referent: Referent, listed: Sequence[Candidate], alive: Sequence[Candidate]) -> str:
    if not listed:
        return f"no-credential: nothing matches {referent.label}"
    if not alive or any(c.revoked is True and referent.satisfied_by(c.attributes) for c in listed):
        # Only revoked credentials would have answered: say so, rather than blaming the predicate.
        return REVOKED
    return f"predicate-not-met: {referent.predicate_text()}"


def choose(wanted: Sequence[Referent], offered: Sequence[Candidate]) -> dict[str, str]:
    """Referent key -> credential id, or `ConflictError(reason)` for the first referent left unanswered."""
    usable: dict[str, list[Candidate]] = {}
    for referent in wanted:
        listed = [c for c in offered if referent.key in c.referents]
        alive = [c for c in listed if c.revoked is not True]
        fitting = [c for c in alive if referent.satisfied_by(c.attributes)]
        if not fitting:
            raise ConflictError(_refusal(referent, listed, alive))
        usable[referent.key] = fitting
    chosen: dict[str, str] = {}
    open_keys = [referent.key for referent in wanted]
    while open_keys:
        pool = {c.cred_id: c for key in open_keys for c in usable[key]}

        def covers(candidate: Candidate, key: str) -> bool:
            return any(c.cred_id == candidate.cred_id for c in usable[key])

        def rank(candidate: Candidate) -> tuple[bool, int]:
            return candidate.revoked is None, -sum(covers(candidate, key) for key in open_keys)

        best = min(pool.values(), key=rank)  # min keeps the first of equals: the agent's order
        for key in [key for key in open_keys if covers(best, key)]:
            chosen[key] = best.cred_id
            open_keys.remove(key)
    return chosen


def presentation(
    wanted: Sequence[Referent], chosen: Mapping[str, str], *, hidden: Collection[str] = ()
) -> dict[str, Any]:
    """The `send-presentation` specification: each predicate proven, every attribute revealed but `hidden` ones."""
    return {
        "requested_attributes": {
            r.key: {"cred_id": chosen[r.key], "revealed": r.key not in hidden} for r in wanted if not r.is_predicate
        },
        "requested_predicates": {r.key: {"cred_id": chosen[r.key]} for r in wanted if r.is_predicate},
        "self_attested_attributes": {},
    }
