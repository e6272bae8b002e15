"""JSON read within bounds, and every app's JSON request bodies bounded before a route sees them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI, Request
from pydantic import BaseModel

from medcred.bounded_json import MAX_DEPTH, depth, loads, nesting_problem
from medcred.errors import InvalidInputError, PayloadTooLargeError, UnprocessableError
from medcred.web import install_error_handlers

TOO_DEEP = "is nested too deeply (more than 64 levels of arrays and objects)"


def nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def test_depth_counts_arrays_and_objects() -> None:
    assert [depth(1), depth([]), depth({"a": [1, {"b": None}]}), depth(json.loads(nested(500)))] == [0, 1, 3, 500]


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 5000, 200_000])
def test_too_deep_is_refused_saying_so(levels: int) -> None:
    with pytest.raises(InvalidInputError) as caught:
        loads(nested(levels), what="the body")
    assert caught.value.message == f"the body {TOO_DEEP}"
    assert nesting_problem(nested(levels), what="the body") == caught.value.message


def test_within_the_bounds_is_read() -> None:
    assert depth(loads(nested(MAX_DEPTH), what="x")) == MAX_DEPTH
    assert nesting_problem(nested(MAX_DEPTH), what="x") is None
    assert nesting_problem(b"{not json", what="x") is None  # not ours to judge: its reader says so


def test_the_error_class_and_the_size_bound_are_the_callers() -> None:
    with pytest.raises(UnprocessableError, match="nested too deeply"):
        loads(nested(100), what="FHIR", error=UnprocessableError)
    with pytest.raises(PayloadTooLargeError, match="is 11 bytes; the limit is 10"):
        loads(b'"' + b"a" * 9 + b'"', what="x", max_bytes=10)
    with pytest.raises(InvalidInputError, match=r"not valid JSON \(Expecting value: line 1 column 1\)"):
        loads(b"nope", what="x")


class Body(BaseModel):
    value: Any = None


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app, max_json_bytes=1000)

    @app.post("/model")
    async def model(body: Body) -> dict[str, int]:
        return {"depth": depth(body.value)}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
        yield client


@pytest.mark.parametrize("content_type", ["application/json", "application/fhir+json; charset=utf-8", None])
async def test_a_json_body_nested_too_deeply_never_reaches_the_route(
    http: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    body = b'{"value": ' + nested(300) + b"}"  # pydantic and FastAPI would take it
    response = await http.post("/raw" if content_type is None else "/model", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["detail"] == f"the request body {TOO_DEEP}"


async def test_a_json_body_over_the_apps_limit_is_a_413(http: httpx.AsyncClient) -> None:
    response = await http.post("/model", json={"value": "x" * 2000})
    assert response.status_code == 413 and "the limit is 1000" in response.json()["detail"]


async def test_bodies_within_the_bounds_reach_the_route_whole(http: httpx.AsyncClient) -> None:
    as_json = {"content-type": "application/json"}
    deep_enough = b'{"value": ' + nested(60) + b"}"
    assert (await http.post("/model", content=deep_enough, headers=as_json)).json() == {"depth": 60}
    sent = json.dumps({"value": "x" * 900})
    assert (await http.post("/raw", content=sent, headers=as_json)).json() == {"size": len(sent)}
    # Not JSON: left to the route (a tails file, a multipart upload), with its own limits.
    octets = {"content-type": "application/octet-stream"}
    assert (await http.post("/raw", content=b"[" * 5000, headers=octets)).json() == {"size": 5000}
    assert (await http.post("/model", content=b"{not json", headers=as_json)).status_code == 422  # FastAPI's, as before
