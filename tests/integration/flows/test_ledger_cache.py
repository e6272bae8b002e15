"""Every agent of the network runs with `agents.ledger_cache` set up (its definitions read once per
10 minutes); the flows in the other tests, revocation included, run through it."""

from __future__ import annotations

import httpx

from medcred.network import MedcredNetwork


async def test_every_agent_has_the_ledger_cache_plugin_set_up(network: MedcredNetwork, http: httpx.AsyncClient) -> None:
    for role in network.roles:
        config = role.agent.config
        key = config.admin_api_key.get_secret_value()
        answer = await http.get(f"{config.admin_url}/plugins", headers={"X-API-Key": key})
        assert answer.status_code == 200
        assert "agents.ledger_cache" in answer.json()["result"], role.name
        log = config.log_file.read_text(errors="replace")
        assert "agents.ledger_cache: ledger definitions cached for 600 s" in log, role.name
