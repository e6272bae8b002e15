"""Which hosts a link may make the clinic call (verifier.share_hosts), and the pinned address each call
goes to: a fake resolver and httpx.MockTransport stand in for DNS and the network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from medcred.errors import InvalidInputError, UpstreamError
from tests.unit.verifier.conftest import make_settings
from verifier.share_hosts import ShareHosts
from verifier.shl_client import ShlClient

PUBLIC = "93.184.215.14"


class Resolver:
    """Answers each name with the next of its answers (the last one repeats), counting the lookups."""

    def __init__(self, **answers: list[list[str]]) -> None:
        self.answers = {name.replace("_", "."): list(found) for name, found in answers.items()}
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        found = self.answers.get(host)
        if not found:
            raise OSError("no such name")
        return found.pop(0) if len(found) > 1 else found[0]


@pytest.fixture
def seen() -> list[httpx.Request]:
    return []


@pytest.fixture
def transport(seen: list[httpx.Request]) -> Iterator[httpx.MockTransport]:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"files": []})

    yield httpx.MockTransport(answer)


async def manifest(hosts: ShareHosts, transport: httpx.MockTransport, url: str) -> object:
    client = ShlClient(hosts, transport=transport)
    await client.open()
    try:
        return await client.manifest(url, recipient="Riverside Clinic", passcode=None)
    finally:
        await client.aclose()


async def test_a_public_name_is_called_at_the_address_checked_with_its_name_sent(
    transport: httpx.MockTransport, seen: list[httpx.Request]
) -> None:
    resolver = Resolver(ehr_example_org=[[PUBLIC]])
    await manifest(ShareHosts(resolver=resolver), transport, "https://ehr.example.org/shl/abc")
    (request,) = seen
    assert (request.url.host, request.url.path) == (PUBLIC, "/shl/abc")
    assert request.headers["host"] == "ehr.example.org"
    assert request.extensions["sni_hostname"] == "ehr.example.org"  # the certificate is checked for the name
    assert resolver.lookups == ["ehr.example.org"]


@pytest.mark.parametrize("answer", [["127.0.0.1"], ["10.0.0.7"], [PUBLIC, "192.168.0.2"], ["::1"], ["fe80::1%eth0"]])
async def test_a_name_with_any_private_address_is_refused(
    transport: httpx.MockTransport, seen: list[httpx.Request], answer: list[str]
) -> None:
    with pytest.raises(InvalidInputError, match="loopback, private, link-local"):
        await manifest(ShareHosts(resolver=Resolver(evil_example=[answer])), transport, "https://evil.example/shl/x")
    assert seen == []


async def test_a_name_rebound_to_a_private_address_is_refused_on_the_next_call(
    transport: httpx.MockTransport, seen: list[httpx.Request]
) -> None:
    hosts = ShareHosts(resolver=Resolver(rebind_example=[[PUBLIC], ["127.0.0.1"]]))
    await manifest(hosts, transport, "https://rebind.example/shl/x")
    with pytest.raises(InvalidInputError, match="not fetched"):
        await manifest(hosts, transport, "https://rebind.example/shl/x")
    assert [r.url.host for r in seen] == [PUBLIC]  # never a connection to the address the name moved to


async def test_an_allowed_origin_may_be_private_but_only_that_origin(
    transport: httpx.MockTransport, seen: list[httpx.Request]
) -> None:
    hosts = ShareHosts(allowed=["http://hospital.lan:8001"], resolver=Resolver(hospital_lan=[["10.0.0.7"]]))
    await manifest(hosts, transport, "http://hospital.lan:8001/shl/x")
    assert [(r.url.host, r.url.port, r.headers["host"]) for r in seen] == [("10.0.0.7", 8001, "hospital.lan:8001")]
    with pytest.raises(InvalidInputError, match="not fetched"):
        await manifest(hosts, transport, "http://hospital.lan:8021/wallet/did")


async def test_this_services_own_origins_are_refused_even_by_address(transport: httpx.MockTransport) -> None:
    hosts = ShareHosts(own=["http://203.0.113.9:8003"], resolver=Resolver(clinic_example=[["203.0.113.9"]]))
    for url in ("http://203.0.113.9:8003/shares/open", "http://clinic.example:8003/shares/open"):
        with pytest.raises(InvalidInputError, match="names this service itself"):
            await manifest(hosts, transport, url)


async def test_a_name_that_does_not_resolve_is_a_502(transport: httpx.MockTransport) -> None:
    with pytest.raises(UpstreamError, match="does not resolve"):
        await manifest(ShareHosts(resolver=Resolver()), transport, "https://nowhere.example/shl/x")


def test_allowed_origins_are_settings_of_origins_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDCRED_VERIFIER_SHARE_ALLOWED_ORIGINS", "http://127.0.0.1:8001, https://Hospital.LAN")
    settings = make_settings(tmp_path)
    assert settings.share_allowed_origins == ["http://127.0.0.1:8001", "https://hospital.lan:443"]
    for bad in (["http://127.0.0.1:8001/shl"], ["ftp://x"], ["http://127.0.0.1:8003"], ["http://127.0.0.1:8041"]):
        with pytest.raises(ValidationError):
            make_settings(tmp_path, share_allowed_origins=bad)  # a path; not http(s); our own API and agent
