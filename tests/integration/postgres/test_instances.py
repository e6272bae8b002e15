"""Two instances of every controller on one PostgreSQL network: each role's second instance is a second
app on the same agent, data folder and database, while the agents post their webhooks to the first.
The demo's scenario runs with its requests sent to the two instances in turn (as a reverse proxy would),
so a flow that waits on one instance hears its agent's events through the other (`agents.bus`), and the
audit logs the two share verify afterwards. A verification made at an instance that then goes away is
timed out by the other (its deadline sweep).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
from collections import Counter
from pathlib import Path

import httpx
from pydantic import SecretStr

from agents.bus import PostgresEventBus
from ledger.network import LedgerNetwork
from medcred.servers import EmbeddedServer
from stack.clients import VerifierClient
from stack.demo import scenario
from stack.postgres import PrivateCluster
from tests.integration.postgres.test_wallets import audit_verify, network_on
from tests.integration.second_network import role_settings
from verifier import VerifierSettings

EXPIRY = 12.0  # the verifier's request timeout here: the scenario's verifications end in about a second
SECOND = 100  # a second instance listens this many ports above the first


class Spread(httpx.AsyncBaseTransport):
    """Sends each role's requests to its instances in turn, as a round-robin reverse proxy does."""

    def __init__(self, instances: dict[int, list[int]]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.turns = {port: itertools.cycle(ports) for port, ports in instances.items()}
        self.sent: Counter[int] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        port = request.url.port
        if port in self.turns:
            target = next(self.turns[port])
            request.url = request.url.copy_with(port=target)
            self.sent[target] += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_the_demo_scenario_passes_with_its_requests_spread_over_two_instances_of_every_controller(
    ledger_network: LedgerNetwork, cluster: PrivateCluster, tmp_path: Path
) -> None:
    home, kek = tmp_path / "medcred", SecretStr(secrets.token_bytes(32).hex())
    verifier = role_settings(VerifierSettings, "verifier", request_timeout=EXPIRY, deadline_sweep=0.5)
    async with network_on(home, ledger_network, cluster, kek, verifier=verifier) as network:
        seconds = []
        try:
            for role in network.roles:  # one after another, as instances of a deployment come up
                server = EmbeddedServer(f"{role.name} controller 2", role.make_app(), role.settings.host,
                                        role.settings.port + SECOND)  # fmt: skip
                await server.start(timeout=180)
                seconds.append(server)
            spread = Spread({role.settings.port: [role.settings.port, role.settings.port + SECOND]
                             for role in network.roles})  # fmt: skip
            async with httpx.AsyncClient(timeout=60, transport=spread) as http:
                staff = network.staff_clients(http)
                first, eligibility, after = await asyncio.wait_for(scenario(
                    staff.hospital, staff.wallets, staff.clinic, http, network.holder.url,
                    ref=f"two-{secrets.token_hex(4)}"), 300)  # fmt: skip
            assert (first["state"], eligibility["state"], after["state"]) == ("verified", "verified", "failed")
            for role in network.roles:
                assert spread.sent[role.settings.port] >= 3 and spread.sent[role.settings.port + SECOND] >= 3, spread
            # The second instances heard their agents' events from the first: that is how their waits ended.
            heard = {server.name: server.app.state.link.bus.heard for server in seconds}
            assert all(isinstance(server.app.state.link.bus, PostgresEventBus) for server in seconds)
            assert all(count > 0 for count in heard.values()), heard

            # A verification made at the second clinic instance, which then goes away with its timer: the
            # first instance's sweep arms its expiry, and it ends timed out without anyone reading it.
            async with httpx.AsyncClient(timeout=60) as http:
                second = VerifierClient(http, f"http://{network.verifier.settings.host}:"
                                        f"{network.verifier.settings.port + SECOND}", network.verifier.api_key())
                made = await second.start("vaccination-status")
            await seconds.pop().stop()
            service = network.verifier.server.app.state.verifications  # type: ignore[union-attr]
            for _ in range(int((EXPIRY + 15) / 0.25)):
                (shown,) = [v for v in service.recent() if v.verification_id == made["verification_id"]]
                if not shown.pending:
                    break
                await asyncio.sleep(0.25)
            assert shown.state == "timed_out", shown
        finally:
            for server in reversed(seconds):
                await server.stop()

        # Both instances appended to one log per role, and anchored it: it verifies.
        output = await audit_verify(home, cluster.url)
        for role in ("holder", "issuer", "verifier"):
            assert re.search(rf"^{role} \(database\): OK - \d+ entries", output, re.M), output
