"""python-ursa's error types, mapped onto indy-bls's."""
from enum import IntEnum

from indy_bls.error import IndyBlsError


class ErrorCode(IntEnum):
    Success = 0
    CommonInvalidParam1 = 100
    CommonInvalidStructure = 113


IndyCryptoError = IndyBlsError
