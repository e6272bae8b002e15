"""The trustee that writes identities (NYMs) on a pool, and the pool it writes on.

`VON_TRUSTEE_SEED` is von-network's published development seed: the trustee of medcred's embedded local
pool (`ledger.pool.LocalPool`, whose genesis is made with it), and of no other. A pool named by a genesis
from elsewhere (another network's genesis file or URL) refuses it before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from ledger.identity import Signer, normalise_seed
from ledger.settings import VON_TRUSTEE_SEED
from medcred.errors import ConfigurationError

__all__ = ["Genesis", "trustee_signer"]


@dataclass(frozen=True)
class Genesis:
    """A pool's genesis transactions file, and whether that pool is the embedded local one."""

    path: Path
    local_pool: bool = False


def trustee_signer(seed: SecretStr, genesis: Genesis) -> Signer:
    """The trustee of the pool of `genesis`, from its seed; the development seed on the local pool only."""
    value = normalise_seed(seed.get_secret_value())
    if value == normalise_seed(VON_TRUSTEE_SEED) and not genesis.local_pool:
        raise ConfigurationError(
            f"the pool of {genesis.path} is not the embedded local pool: it refuses the well-known development "
            "trustee seed (von-network's); set MEDCRED_LEDGER_TRUSTEE_SEED to that network's trustee seed"
        )
    return Signer.from_seed(value)
