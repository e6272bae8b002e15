"""Which webhook deliveries a role's controller instances have taken, in their shared database.

ACA-Py retries a delivery it believes failed (any answer but 2xx or 409, up to four times, 10 s apart),
and behind a reverse proxy the retry may reach another instance than the first try did; each instance's
own memory of deliveries (`agents.webhooks`) cannot see that. With several instances a delivery is
answered only once it was handled, and:

    claim(key)    inserts the delivery's key into `webhook_deliveries` (`medcred.schema`), unsettled:
                  NEW, this instance handles it; DUPLICATE, one did already (settled); BUSY, another is
                  handling it now (the delivery is answered 503, and its retry comes back later). A claim
                  left unsettled for `LEASE` seconds is taken over (NEW): its instance died handling it.
    settle(key)   once handled: every later try of it is a DUPLICATE.

Keys are digests of the delivery's identity (never its payload); rows older than `keep` seconds are
pruned now and then.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import time
from typing import TYPE_CHECKING, Protocol

from medcred.database import Database
from medcred.store import StoreSettings

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

__all__ = ["LEASE", "Claim", "DeliveryClaims", "SharedDeliveries", "open_deliveries"]

log = logging.getLogger(__name__)

PRUNE_EVERY = 1000  # claims between two prunes
LEASE = 5.0  # seconds an unsettled claim is kept for its instance (a handler takes milliseconds)


class Claim(enum.Enum):
    NEW = "new"
    DUPLICATE = "duplicate"
    BUSY = "busy"


class DeliveryClaims(Protocol):
    """What the webhook receiver needs of the shared claims (`SharedDeliveries`; unit tests fake it)."""

    def claim(self, key: tuple[str, ...]) -> Claim: ...

    def settle(self, key: tuple[str, ...]) -> None: ...


class SharedDeliveries:
    def __init__(self, pool: ConnectionPool, role: str, keep: float = 3600.0, lease: float = LEASE) -> None:
        self._pool, self.role, self.keep, self.lease = pool, role, keep, lease
        self._claims = 0

    def claim(self, key: tuple[str, ...]) -> Claim:
        """Whether this instance handles the delivery (NEW), or another did (DUPLICATE) or does now (BUSY).
        NEW too if the database cannot say: an event handled twice (the handlers only move records forward)
        beats one lost."""
        import psycopg

        now = time.time()
        try:
            with self._pool.connection() as db:
                taken = db.execute(
                    "INSERT INTO webhook_deliveries (role, key, at, done) VALUES (%s, %s, %s, FALSE) "
                    "ON CONFLICT (role, key) DO UPDATE SET at = excluded.at "
                    "WHERE NOT webhook_deliveries.done AND webhook_deliveries.at < %s",
                    (self.role, _digest(key), now, now - self.lease),
                ).rowcount == 1
                if not taken:
                    row = db.execute("SELECT done FROM webhook_deliveries WHERE role = %s AND key = %s",
                                     (self.role, _digest(key))).fetchone()  # fmt: skip
                self._claims += 1
                if self._claims % PRUNE_EVERY == 0:
                    db.execute("DELETE FROM webhook_deliveries WHERE role = %s AND at < %s",
                               (self.role, now - self.keep))  # fmt: skip
        except psycopg.Error as exc:
            log.warning("could not claim a webhook delivery in the database (%s): handling it", type(exc).__name__)
            return Claim.NEW
        if taken:
            return Claim.NEW
        return Claim.DUPLICATE if row is None or row[0] else Claim.BUSY

    def settle(self, key: tuple[str, ...]) -> None:
        """The delivery was handled: later tries of it are duplicates."""
        import psycopg

        try:
            with self._pool.connection() as db:
                db.execute("UPDATE webhook_deliveries SET done = TRUE WHERE role = %s AND key = %s",
                           (self.role, _digest(key)))  # fmt: skip
        except psycopg.Error as exc:  # its lease runs out: a retry is handled again, harmlessly
            log.warning("could not settle a webhook delivery in the database (%s)", type(exc).__name__)

    def close(self) -> None:
        self._pool.close()


def _digest(key: tuple[str, ...]) -> str:
    return hashlib.sha256("\x1f".join(key).encode()).hexdigest()


def open_deliveries(settings: StoreSettings) -> SharedDeliveries | None:
    """The role's shared claims with a database URL (several instances may run); None: it runs alone."""
    if settings.database_url is None:
        return None
    from medcred.schema import open_pool

    return SharedDeliveries(open_pool(Database.parse(settings.database_url), name=f"{settings.role}-deliveries"),
                            settings.role)  # fmt: skip
