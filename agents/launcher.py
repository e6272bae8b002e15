"""`python -m agents.launcher start ...`: ACA-Py's own `aca-py` entry point, without nest_asyncio.

ACA-Py 1.7 calls `nest_asyncio.apply()` when its JSON-LD document loader is imported (at start-up,
whatever the agent does). That global patch swaps asyncio's C Task and Future for the pure-Python ones
in the whole process, so every coroutine step of the agent runs slower: measured here, the agents spent
~10% less CPU per flow without it. It exists so that pyld's synchronous document loader can run a
nested event loop; medcred issues and proves AnonCreds only and never loads JSON-LD documents, so the
launcher makes that one call a no-op before ACA-Py is imported, and changes nothing else.
"""

from __future__ import annotations

import sys


def _without_nested_loops() -> None:
    import nest_asyncio

    nest_asyncio.apply = lambda *args, **kwargs: None


def main() -> None:
    _without_nested_loops()
    from acapy_agent.__main__ import script_main

    sys.argv[0] = "aca-py"
    sys.exit(script_main())


if __name__ == "__main__":
    main()
