"""Which hosts a patient's link may make the clinic call, and the one address each call goes to.

    hosts = ShareHosts(allowed=["http://127.0.0.1:8001"], own=[settings.url, settings.agent_admin_url])
    target = await hosts.pin("https://ehr.example.org/shl/abc")   # InvalidInputError (400) if refused
    client.stream("POST", target.url, headers={"Host": target.host_header}, extensions=target.extensions)

A link names whatever its author wants, so the clinic's server must not become their way into its own
network. A link's host is refused when it is one of this service's own origins (its API, its agent), or
when any address its name resolves to is loopback, private, link-local, multicast, reserved, shared
(CGNAT) or unspecified, unless its origin (scheme, host, port) is allowed explicitly
(`MEDCRED_VERIFIER_SHARE_ALLOWED_ORIGINS`; `medcred up` allows its own hospital, on this machine's
loopback). The name is resolved once per call and the connection made to the address checked, with the
name in `Host` and in TLS SNI (certificates are checked against the name): a DNS answer that changes
between the check and the connection (rebinding) cannot move the call elsewhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from medcred.errors import InvalidInputError, UpstreamError

__all__ = ["Origin", "PinnedTarget", "Resolver", "ShareHosts", "is_public_address", "origin_of"]

type Resolver = Callable[[str, int], Awaitable[list[str]]]
type Address = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str
    host: str  # lower case; an IPv6 address without brackets
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def origin_of(url: str) -> Origin:
    """The origin of an http(s) URL; ValueError if it has none."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError("not an http(s) URL")
    return Origin(scheme, parts.hostname.lower(), parts.port or DEFAULT_PORTS[scheme])


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_public_address(address: Address) -> bool:
    """A globally routable unicast address: not loopback, private, link-local, multicast, reserved..."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if mapped is not None and not is_public_address(mapped):
            return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_link_local)


@dataclass(frozen=True, slots=True)
class PinnedTarget:
    """Where one call goes: the URL with the checked address in place of the name, and the name to send."""

    url: str
    host_header: str
    sni_hostname: str | None

    @property
    def extensions(self) -> dict[str, Any]:
        return {"sni_hostname": self.sni_hostname} if self.sni_hostname else {}


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for a name (once; no cache of ours)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class ShareHosts:
    def __init__(
        self, *, allowed: Iterable[str] = (), own: Iterable[str] = (), resolver: Resolver = system_resolver
    ) -> None:
        self._allowed = frozenset(origin_of(url) for url in allowed)
        self._own = frozenset(origin_of(url) for url in own)
        self._resolver = resolver

    @property
    def allowed(self) -> frozenset[Origin]:
        return self._allowed

    async def pin(self, url: str) -> PinnedTarget:
        """The target of one call to `url`, or InvalidInputError saying why the link's host is refused."""
        try:
            origin = origin_of(url)
        except ValueError:
            raise InvalidInputError("a URL of the share is not an http(s) URL") from None
        if origin in self._own:
            raise InvalidInputError("the link names this service itself: not fetched")
        address = await self._address(origin)
        parts = urlsplit(url)
        host = f"[{address}]" if address.version == 6 else str(address)
        netloc = host if parts.port is None else f"{host}:{parts.port}"
        sni = origin.host if origin.scheme == "https" and _literal(origin.host) is None else None
        return PinnedTarget(urlunsplit(parts._replace(netloc=netloc)), parts.netloc.rsplit("@", 1)[-1], sni)

    async def _address(self, origin: Origin) -> Address:
        literal = _literal(origin.host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                found = await self._resolver(origin.host, origin.port)
            except (OSError, UnicodeError) as exc:
                raise UpstreamError("the share's host name does not resolve") from exc
            addresses = [address for text in found if (address := _literal(text.split("%", 1)[0])) is not None]
            if not addresses:
                raise UpstreamError("the share's host name does not resolve")
        if any(Origin(origin.scheme, str(address), origin.port) in self._own for address in addresses):
            raise InvalidInputError("the link names this service itself: not fetched")
        if origin in self._allowed:
            return addresses[0]
        if not all(is_public_address(address) for address in addresses):
            raise InvalidInputError(
                "the link's host is a loopback, private, link-local, multicast or reserved address: not fetched "
                "(a hospital on such an address must be allowed in MEDCRED_VERIFIER_SHARE_ALLOWED_ORIGINS)"
            )
        return addresses[0]
