"""The controllers' clients: a non-2xx answer is a ControllerError with its status, detail and Retry-After."""

from __future__ import annotations

import httpx
import pytest

from stack.clients import ControllerError, HospitalClient


def _answering(response: httpx.Response) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda request: response))


@pytest.mark.parametrize(
    ("headers", "retry_after"), [({"Retry-After": "5"}, 5), ({}, None), ({"Retry-After": "soon"}, None)]
)
async def test_a_503_carries_the_seconds_its_retry_after_asks_for(
    headers: dict[str, str], retry_after: int | None
) -> None:
    answer = httpx.Response(503, headers=headers, json={"detail": "the agent is down or restarting"})
    async with _answering(answer) as http:
        with pytest.raises(ControllerError) as raised:
            await HospitalClient(http, "http://hospital", "key").invite("p-1")
    assert (raised.value.status_code, raised.value.detail) == (503, "the agent is down or restarting")
    assert raised.value.retry_after == retry_after
