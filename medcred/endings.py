"""The one ending of each exchange across a role's instances: claimed, then recorded, repaired if its
instance died in between.

An exchange (an issuance, a verification) ends once, but two instances may end it at the same moment
(one's deadline timer, another's webhook). The store's atomic insert on the exchange's id is the claim:
who loses it records nothing. Recording an ending is several writes (the record, the audit entry), so
the claim holds the whole ending until the caller says it is `recorded`: an instance killed in between
leaves the claim unrecorded, and `orphans` gives it back, once, to whichever instance sweeps first
after `STALE_ENDING` s (or, alone on a store of its own, to the role's next start), which records it.

    endings = Endings(store, "verification_endings")
    if endings.claim(vid, done.state, done.model_dump(mode="json"), at=now):
        save(done); audit(done); endings.recorded(vid, done.state)
    for vid, document in endings.orphans(now):       # the sweep, and a start: this instance's to record
        done = Verification.model_validate(document)
        save(done); audit(done); endings.recorded(vid, done.state)

Claims written before this module (`{"state": ...}` alone) count as recorded.
"""

from __future__ import annotations

from medcred.store import Document, DocumentStore

__all__ = ["STALE_ENDING", "Endings"]

# s: a live instance records its ending within milliseconds of claiming it; one unrecorded this long
# after its claim was left by an instance that died. Repairing sooner risks auditing an ending twice
# (a paused instance resuming after its repair); later only delays the entry.
STALE_ENDING = 30.0


class Endings:
    def __init__(self, store: DocumentStore, collection: str, *, stale_after: float | None = None) -> None:
        """`collection` holds the claims; `<collection>_repairs` the claims of their repair. `stale_after`:
        STALE_ENDING on a store several instances share, else 0 (alone, a role looks for orphans only as it
        starts, when no ending of its own can be under way)."""
        self._store = store
        self._claims = collection
        self._repairs = f"{collection}_repairs"
        self._stale_after = stale_after if stale_after is not None else STALE_ENDING if store.shared else 0.0

    def claim(self, key: str, state: str, ending: Document, at: float) -> bool:
        """Take the one ending of exchange `key` (`state`, with `ending` what recording it needs), at `at`
        (epoch s): False if an ending was claimed before, by this instance or another."""
        return self._store.insert(self._claims, key, {"state": state, "at": at, "audited": False, "ending": ending})

    def recorded(self, key: str, state: str) -> None:
        """The claimed ending is saved and audited: its claim keeps only its state."""
        self._store.put(self._claims, key, {"state": state, "audited": True})

    def orphans(self, now: float) -> list[tuple[str, Document]]:
        """(key, ending) of each ending claimed more than `stale_after` s before `now` (epoch s) and never
        recorded, whose repair this call takes: each is given back to one caller, once, across instances."""
        older_than = now - self._stale_after
        stale = [
            (key, document) for key, document in self._store.all(self._claims)
            if document.get("audited") is False and float(document.get("at", 0)) < older_than
            and isinstance(document.get("ending"), dict)
        ]  # fmt: skip
        return [(key, document["ending"]) for key, document in stale if self._store.insert(self._repairs, key, {})]
