"""Which webhook deliveries a role's controller instances have taken, in their shared database.

ACA-Py retries a delivery it believes failed, and behind a reverse proxy the retry may reach another
instance than the first try did; each instance's own memory of deliveries (`agents.webhooks`) cannot
see that. `claim(key)` inserts the delivery's key into `webhook_deliveries` (`medcred.schema`): the
instance whose insert lands handles it, every other sees a duplicate. Keys are digests of the
delivery's identity (never its payload); rows older than `keep` seconds are pruned now and then.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import TYPE_CHECKING

from medcred.database import Database
from medcred.store import StoreSettings

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

__all__ = ["SharedDeliveries", "open_deliveries"]

log = logging.getLogger(__name__)

PRUNE_EVERY = 1000  # claims between two prunes


class SharedDeliveries:
    def __init__(self, pool: ConnectionPool, role: str, keep: float = 3600.0) -> None:
        self._pool, self.role, self.keep = pool, role, keep
        self._claims = 0

    def claim(self, key: tuple[str, ...]) -> bool:
        """True if no instance took this delivery before (this one does now); True too if the database
        cannot say: an event handled twice (the handlers only move records forward) beats one lost."""
        import psycopg

        digest = hashlib.sha256("\x1f".join(key).encode()).hexdigest()
        try:
            with self._pool.connection() as db:
                taken = db.execute(
                    "INSERT INTO webhook_deliveries (role, key, at) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                    (self.role, digest, time.time()),
                ).rowcount == 1
                self._claims += 1
                if self._claims % PRUNE_EVERY == 0:
                    db.execute("DELETE FROM webhook_deliveries WHERE role = %s AND at < %s",
                               (self.role, time.time() - self.keep))  # fmt: skip
        except psycopg.Error as exc:
            log.warning("could not claim a webhook delivery in the database (%s): handling it", type(exc).__name__)
            return True
        return taken

    def close(self) -> None:
        self._pool.close()


def open_deliveries(settings: StoreSettings) -> SharedDeliveries | None:
    """The role's shared claims with a database URL (several instances may run); None: it runs alone."""
    if settings.database_url is None:
        return None
    from medcred.schema import open_pool

    return SharedDeliveries(open_pool(Database.parse(settings.database_url), name=f"{settings.role}-deliveries"),
                            settings.role)  # fmt: skip
