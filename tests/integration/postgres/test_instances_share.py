"""What a role's controller instances share through PostgreSQL, piece by piece: the event bus
(LISTEN/NOTIFY, its thin events) and the claim of webhook deliveries (one instance takes each)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter

from agents.bus import PostgresEventBus
from agents.deliveries import Claim, SharedDeliveries
from agents.events import WebhookEvent
from medcred.database import Database
from medcred.schema import open_pool


async def test_an_event_published_by_one_instance_is_heard_thin_by_the_others_only(database: Database) -> None:
    open_pool(database, name="schema").close()
    buses = [PostgresEventBus(database, "holder") for _ in range(3)]
    other_role = PostgresEventBus(database, "issuer")
    heard: list[list[WebhookEvent]] = [[] for _ in range(4)]
    for bus, inbox in zip([*buses, other_role], heard, strict=True):
        await bus.open(inbox.append)
    try:
        payload = {"pres_ex_id": "p1", "thread_id": "t1", "state": "request-received",
                   "by_format": {"pres_request": {"requested_attributes": {"name": "patient_name"}}}}  # fmt: skip
        buses[0].publish(WebhookEvent("present_proof_v2_0", payload, "wallet-1"))
        for _ in range(100):
            if all(heard[1:3]):
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # time for a wrong delivery to show too
        assert heard[0] == [] and heard[3] == []  # not to itself, not to another role
        for inbox in heard[1:3]:
            (event,) = inbox
            assert (event.topic, event.wallet_id) == ("present_proof_v2_0", "wallet-1")
            assert event.payload == {"pres_ex_id": "p1", "thread_id": "t1", "state": "request-received"}
    finally:
        for bus in [*buses, other_role]:
            await bus.close()


def test_each_delivery_is_claimed_by_exactly_one_of_the_instances(database: Database) -> None:
    instances = [SharedDeliveries(open_pool(database, name=f"d{n}"), "verifier") for n in range(2)]
    keys = [("", "present_proof_v2_0", f"p{n}", "done", "2026-12-06T00:00:00Z") for n in range(50)]
    taken: Counter[tuple[str, ...]] = Counter()
    lock = threading.Lock()

    def claim_all(instance: SharedDeliveries) -> None:
        for key in keys:
            if instance.claim(key) is Claim.NEW:
                with lock:
                    taken[key] += 1

    threads = [threading.Thread(target=claim_all, args=(instances[n % 2],)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert taken == Counter({key: 1 for key in keys})
        other_role = SharedDeliveries(open_pool(database, name="d-issuer"), "issuer")
        assert other_role.claim(keys[0]) is Claim.NEW  # the same key is another role's own delivery
        other_role.close()
    finally:
        for instance in instances:
            instance.close()


def test_an_unsettled_claim_is_busy_until_its_lease_runs_out_then_taken_over(database: Database) -> None:
    """An instance killed while handling a delivery never settles it: ACA-Py's retry is told to come back
    (BUSY) while the lease runs, then another instance takes it over; once settled, it is a duplicate."""
    dying = SharedDeliveries(open_pool(database, name="dying"), "holder", lease=0.5)
    other = SharedDeliveries(open_pool(database, name="other"), "holder", lease=0.5)
    key = ("w1", "issue_credential_v2_0", "c1", "credential-received", "2026-12-07T00:00:00Z")
    try:
        assert dying.claim(key) is Claim.NEW
        assert other.claim(key) is Claim.BUSY
        time.sleep(0.6)  # the lease, a wall-clock span by its nature
        assert other.claim(key) is Claim.NEW
        other.settle(key)
        time.sleep(0.6)
        assert dying.claim(key) is Claim.DUPLICATE and other.claim(key) is Claim.DUPLICATE
    finally:
        dying.close()
        other.close()
