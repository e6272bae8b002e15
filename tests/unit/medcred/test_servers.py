"""Embedded servers keep a client's idle connection open longer than the Retry-After the controllers give,
so a client that comes back when told to does not send on a connection the server is closing."""

from __future__ import annotations

from fastapi import FastAPI

from agents.settings import RoleSettings
from medcred.servers import EmbeddedServer


def test_an_idle_connection_outlives_the_retry_after_a_503_gives() -> None:
    server = EmbeddedServer("server", FastAPI(), "127.0.0.1", 8999)
    retry_after = RoleSettings.model_fields["agent_retry_after"].default
    # uvicorn's own default (5 s) equalled it: a client retrying after 5 s found its connection dropped.
    assert server._new_server().config.timeout_keep_alive >= 4 * retry_after
