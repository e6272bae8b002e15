"""Free TCP ports for tests that start their own servers or agents.

A port the kernel hands out for `bind(0)` comes from the ephemeral range, the same range every
outgoing connection takes its source port from: with a live stack busy beside the test, another
connection can take it between the probe and the server's own bind. These ports come from below that
range (20000-31999 here), picked at random and checked free.
"""

from __future__ import annotations

import random
import socket

LOW, HIGH = 20000, 31999  # below Linux's default ephemeral range (32768-60999)

_given: set[int] = set()


def given(port: int) -> bool:
    """Whether `port` was already handed out (or reserved) in this process."""
    return port in _given


def reserve(ports: range) -> None:
    """Keep `ports` from being handed out by `free_port` (a range taken as a whole, say)."""
    _given.update(ports)


def free_port() -> int:
    """A port on 127.0.0.1 that is free now and was not given to another caller of this process."""
    for _ in range(200):
        port = random.randint(LOW, HIGH)
        if port in _given:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port
    raise RuntimeError(f"no free port found in {LOW}-{HIGH}")
