"""`python -m agents.launcher start ...`: ACA-Py's own `aca-py` entry point, with one runtime choice
made before ACA-Py is imported. Nothing else of ACA-Py changes.

No nest_asyncio. ACA-Py 1.7 calls `nest_asyncio.apply()` when its JSON-LD document loader is imported
(at start-up, whatever the agent does). That global patch swaps asyncio's C Task and Future for the
pure-Python ones in the whole process, so every coroutine step of the agent runs slower. It exists so
that pyld's synchronous document loader can run a nested event loop; medcred issues and proves
AnonCreds only and never loads JSON-LD documents, so that one call is made a no-op. It is the patch
`no_nest_asyncio` of `agents.acapy_plugin.switches`: `MEDCRED_PATCH_NO_NEST_ASYNCIO=off` in the agent's
environment leaves nest_asyncio as ACA-Py applies it. Either way one line on stderr (the agent's log)
says which.

Ledger reads keep indy-vdr's default of two validators at once: with one, a read that lands on a
validator that is down fails (see `ledger.client`).
"""

from __future__ import annotations

import sys

from agents.acapy_plugin.switches import Patches, configured


def _without_nested_loops() -> None:
    import nest_asyncio

    nest_asyncio.apply = lambda *args, **kwargs: None


def prepare(patches: Patches) -> None:
    """The launcher's own patch, if `patches` leave it on; one line on stderr says which."""
    if patches.no_nest_asyncio:
        _without_nested_loops()
        print("medcred launcher: no_nest_asyncio on: nest_asyncio.apply is a no-op", file=sys.stderr)
    else:
        variable = Patches.variable("no_nest_asyncio")
        print(f"medcred launcher: no_nest_asyncio off ({variable}=off): ACA-Py applies nest_asyncio", file=sys.stderr)


def main() -> None:
    try:
        patches = configured()
    except ValueError as exc:
        sys.exit(f"medcred launcher: {exc}")
    prepare(patches)
    from acapy_agent.__main__ import script_main

    sys.argv[0] = "aca-py"
    sys.exit(script_main())


if __name__ == "__main__":
    main()
