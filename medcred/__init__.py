"""medcred: patient-controlled health credentials on a permissioned Hyperledger Indy ledger.

This package holds what every part shares: the error tree (`errors`), the data folder and common
settings (`settings`), the command line (`cli`) and the HTTP conventions every controller follows (`web`).
"""
