"""Request and response bodies of the ledger web server."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from medcred.identifiers import IndyDid


class RegisterRequest(BaseModel):
    """von-network's body: a seed, or a DID with its verkey; alias and role are optional."""

    seed: str | None = Field(default=None, max_length=64)
    did: str | None = Field(default=None, max_length=64)
    verkey: str | None = Field(default=None, max_length=64)
    alias: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=32)



class RegisterResponse(BaseModel):
    did: IndyDid
    seed: str | None = None
    verkey: str
    seq_no: int | None = Field(default=None, description="the NYM's place on the domain ledger")


class ValidatorStatus(BaseModel):
    name: str
    ready: bool
    mode: str | None = None
    ledgers_synced: bool | None = None
    transaction_count: dict[str, int] | None = None
    problem: str | None = None


class PoolStatus(BaseModel):
    """von-network's `ready` and `validators`, plus how many are ready and how many writes need."""

    ready: bool = Field(description="the pool orders writes: at least `write_quorum` validators are ready")
    validators: list[ValidatorStatus]
    validators_ready: int = 0
    write_quorum: int = Field(default=0, description="n - f of the n validators (3 of 4)")


class TransactionPage(BaseModel):
    ledger: str
    page: int
    page_size: int
    total: int
    results: list[dict[str, Any]]
