"""`medcred.endings`: one ending per exchange; an ending claimed and never recorded is given back once."""

from __future__ import annotations

import time
from pathlib import Path

from medcred.endings import STALE_ENDING, Endings
from medcred.store import SqliteDocumentStore


def test_an_exchange_has_one_ending_and_an_unrecorded_one_is_given_back_once(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "t.db")
    endings = Endings(store, "endings", stale_after=STALE_ENDING)
    now = time.time()
    assert endings.claim("a", "done", {"id": "a"}, at=now - STALE_ENDING - 1)
    assert not endings.claim("a", "abandoned", {"id": "a"}, at=now)  # one ending, whoever asks
    assert endings.claim("b", "done", {"id": "b"}, at=now - STALE_ENDING - 1)
    endings.recorded("b", "done")
    assert endings.claim("c", "done", {"id": "c"}, at=now - 1)  # under way: its instance may be recording it
    store.put("endings", "d", {"state": "done"})  # a claim of before this module: recorded

    assert endings.orphans(now) == [("a", {"id": "a"})]
    assert endings.orphans(now) == []  # taken: another sweep (or instance) gets nothing
    assert Endings(store, "endings", stale_after=STALE_ENDING).orphans(now + STALE_ENDING) == [("c", {"id": "c"})]
    assert not endings.claim("a", "done", {}, at=now)  # repaired or not, still ended
    store.close()


def test_alone_on_its_store_a_role_takes_every_unrecorded_ending_as_it_starts(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "t.db")  # not shared: looked at only at start, none under way
    assert Endings(store, "endings").claim("a", "done", {"id": "a"}, at=time.time())
    assert Endings(store, "endings").orphans(time.time()) == [("a", {"id": "a"})]
    store.close()
