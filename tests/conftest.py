"""Options of a test run: where the session's network keeps its data and on which ports it listens.

    pytest                                                   # SQLite files, the default ports
    pytest tests/integration/flows --stack-database postgresql --stack-port-offset 1000

The second runs beside the first (`scripts/test.sh` runs both at once): every port of its network, the
validators' among them, is 1000 higher, and its wallets and records are in a private PostgreSQL cluster.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("medcred", "the session's network")
    group.addoption(
        "--stack-database", choices=("sqlite", "postgresql"), default="sqlite",
        help="where the session's network keeps its wallets and records: SQLite files (the default) or a "
             "private PostgreSQL cluster made for the run",
    )  # fmt: skip
    group.addoption(
        "--stack-port-offset", type=int, default=0,
        help="added to every port of the session's network (validators, tails, agents, controllers), so that "
             "a second run can go on beside another",
    )  # fmt: skip
