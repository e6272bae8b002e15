"""`python -m agents.launcher start ...`: ACA-Py's own `aca-py` entry point, with two runtime choices
made before ACA-Py is imported. Nothing else of ACA-Py changes.

1. No nest_asyncio. ACA-Py 1.7 calls `nest_asyncio.apply()` when its JSON-LD document loader is
   imported (at start-up, whatever the agent does). That global patch swaps asyncio's C Task and Future
   for the pure-Python ones in the whole process, so every coroutine step of the agent runs slower. It
   exists so that pyld's synchronous document loader can run a nested event loop; medcred issues and
   proves AnonCreds only and never loads JSON-LD documents, so that one call is made a no-op.
2. One validator per ledger read (`ledger.client.read_from_one_validator`, which medcred's own ledger
   clients use too). indy-vdr sends each read to two validators by default, although the first answer
   carries a state proof (the pool's BLS multi-signature over the state root) that indy-vdr verifies,
   and without a valid proof it asks more validators until f+1 agree, as before. Measured on the local
   pool: the validators' CPU per read falls from ~4.7 ms to ~2.9 ms, latency the same.
"""

from __future__ import annotations

import sys


def _without_nested_loops() -> None:
    import nest_asyncio

    nest_asyncio.apply = lambda *args, **kwargs: None


def main() -> None:
    _without_nested_loops()
    from ledger.client import read_from_one_validator

    read_from_one_validator()
    from acapy_agent.__main__ import script_main

    sys.argv[0] = "aca-py"
    sys.exit(script_main())


if __name__ == "__main__":
    main()
