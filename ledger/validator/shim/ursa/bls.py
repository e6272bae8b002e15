"""python-ursa's BLS API, served by indy-bls (same classes and method signatures)."""
from indy_bls import lib as _lib
from indy_bls.bls import Bls, BlsEntity, Generator, MultiSignature, ProofOfPossession, Signature, SignKey, VerKey

# Load the native library ourselves so indy-bls never installs its TRACE-level log callback,
# which would log (and pay for) every BLS operation.
if not hasattr(_lib._cdll, "cdll"):
    _lib._cdll.cdll = _lib._load_cdll()

__all__ = ["Bls", "BlsEntity", "Generator", "MultiSignature", "ProofOfPossession", "Signature", "SignKey", "VerKey"]
