"""medcred: patient-controlled health credentials on a permissioned Hyperledger Indy ledger.

This package holds what every part shares: the error tree (`errors`), the data folder and common
settings (`settings`) and the HTTP conventions every controller follows (`web`). It is the ground floor:
it imports nothing else of the project (the `medcred` command and the whole network are in `stack/`).
"""
