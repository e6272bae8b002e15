"""A second medcred network beside the session's, on ports of its own (for the tests that need a network
made otherwise: on another Indy pool, with its wallets in PostgreSQL).

    network = MedcredNetwork(home, issuer=role_settings(IssuerSettings, "issuer", records_kek=...), ...)
"""

from __future__ import annotations

from holder import HolderSettings
from issuer import IssuerSettings
from verifier import VerifierSettings

# (controller, agent DIDComm, agent admin) per role; the tails server's port is MEDCRED_TAILS_PORT's.
PORTS = {"issuer": (8101, 8120, 8121), "holder": (8102, 8130, 8131), "verifier": (8103, 8140, 8141)}
TAILS_PORT = 6643


def role_settings[S: (IssuerSettings, HolderSettings, VerifierSettings)](kind: type[S], role: str,
                                                                         **extra: object) -> S:  # fmt: skip
    port, inbound, admin = PORTS[role]
    return kind(port=port, agent_inbound_port=inbound, agent_admin_port=admin, audit_max_wait=1, **extra)
