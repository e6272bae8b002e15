"""What a card's `iss` may be: https, or plain http only to this machine (development)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["is_loopback_http"]


def is_loopback_http(url: str) -> bool:
    """Plain http to this machine (localhost, 127.0.0.0/8, ::1): allowed for development only."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "http":
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
