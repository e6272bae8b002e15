"""The ledger web server (port 9000), compatible with von-network: genesis, status, register, browser."""

from ledger.web.app import create_app

__all__ = ["create_app"]
