"""What the ledger web server does, apart from HTTP: register NYMs, report status, page ledgers."""

from __future__ import annotations

import asyncio
import time

from ledger.client import LedgerClient, LedgerName
from ledger.identity import Role, Signer, normalise_seed, validate_verkey
from ledger.web.models import PoolStatus, RegisterRequest, RegisterResponse, TransactionPage, ValidatorStatus
from ledger.web.pool_status import pool_status, validator_status
from medcred.errors import ConflictError, InvalidInputError, LedgerError, LedgerRejectedError, NotFoundError
from medcred.identifiers import IndyDid

MAX_PAGE_SIZE = 100
_SIZE_TTL = 1.0


class LedgerService:
    def __init__(self, client: LedgerClient, status_timeout: float = 2.0) -> None:
        """`status_timeout`: how long `status()` waits for each validator's answer (all asked at once)."""
        self.client = client
        self.status_timeout = status_timeout
        self._sizes: dict[LedgerName, tuple[float, int]] = {}

    async def register(self, body: RegisterRequest) -> RegisterResponse:
        role = Role.parse(body.role)
        if body.seed is not None:
            if body.did is not None or body.verkey is not None:
                raise InvalidInputError("give `seed` alone, or `did` with `verkey`, not both")
            signer = Signer.from_seed(normalise_seed(body.seed))
            did, verkey = signer.did, signer.verkey
        elif body.did is not None and body.verkey is not None:
            did, verkey = IndyDid(body.did), validate_verkey(body.verkey)
        else:
            raise InvalidInputError("give either `seed`, or both `did` and `verkey`")
        # Registering twice is normal (an agent restarting); a different key is not. A read may reach
        # a node that has not applied a recent write yet, so a refused write is checked once more.
        existing = await self.client.get_nym(did, attempts=1)
        if existing is None:
            try:
                seq_no = await self.client.register_nym(did, verkey, body.alias, role)
                return RegisterResponse(did=did, seed=body.seed, verkey=verkey, seq_no=seq_no)
            except LedgerRejectedError:
                existing = await self.client.get_nym(did)
                if existing is None:
                    raise
        if existing.get("verkey") != verkey:
            raise ConflictError(f"DID {did} is already on the ledger with another verkey")
        return RegisterResponse(did=did, seed=body.seed, verkey=verkey, seq_no=existing.get("seqNo"))

    async def status(self) -> PoolStatus:
        """Each validator asked at once, each for at most `status_timeout` s: one down costs no more."""
        try:
            names = await self.client.node_names()
        except LedgerError as exc:
            return PoolStatus(ready=False, validators=[ValidatorStatus(name="pool", ready=False, problem=str(exc))])
        infos = await asyncio.gather(*(self.client.node_info(name, self.status_timeout) for name in names))
        return pool_status([validator_status(name, info) for name, info in zip(names, infos, strict=True)])

    async def _size(self, which: LedgerName) -> int:
        cached = self._sizes.get(which)
        if cached and time.monotonic() - cached[0] < _SIZE_TTL:
            return cached[1]
        size = await self.client.ledger_size(which)
        self._sizes[which] = (time.monotonic(), size)
        return size

    async def page(self, which: LedgerName, page: int, page_size: int) -> TransactionPage:
        if page < 1:
            raise InvalidInputError("page starts at 1")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidInputError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        total = await self._size(which)
        first = (page - 1) * page_size + 1
        if first > max(total, 1) or (total == 0 and page > 1):
            raise NotFoundError(f"page {page} is past the end of the {which} ledger ({total} transactions)")
        seq_nos = range(first, min(total, first + page_size - 1) + 1)
        txns = await asyncio.gather(*(self.client.get_txn(which, n) for n in seq_nos))
        results = [{"seq_no": n, "txn": t} for n, t in zip(seq_nos, txns, strict=True) if t is not None]
        return TransactionPage(ledger=which, page=page, page_size=page_size, total=total, results=results)

    async def transaction(self, which: LedgerName, seq_no: int) -> dict[str, object]:
        if seq_no < 1:
            raise InvalidInputError("seq_no starts at 1")
        txn = await self.client.get_txn(which, seq_no)
        if txn is None:
            raise NotFoundError(f"the {which} ledger has no transaction {seq_no}")
        return txn
