"""ACA-Py reuses its marshmallow schema instances instead of building a new one for every (de)serialisation.

ACA-Py 1.7's `BaseModel.serialize` and `BaseModel.deserialize` construct a new schema instance on every
call. Building one deep-copies all of its declared fields and, at first use, builds every nested
schema: ~0.05-0.2 ms per model, and a full flow (connect, issue, verify) makes hundreds of such calls
across the agents. In the profiles, marshmallow's `Schema.__init__` was 7-12% of each agent's main
thread. A/B in one network (the patch switched at run time; 4 interleaved rounds of 12 direct flows
each way): CPU per flow across all processes 974 -> 901 ms, flows/s 1.86 -> 2.06.

A marshmallow schema instance may serve any number of loads and dumps, with one exception in ACA-Py:
`AgentMessageSchema` keeps a `DecoratorSet` on the instance, created in `__init__` and filled by its
pre-load hook, and hands that very set to the message it loads. So:

1. that pre-load hook starts from a new, empty `DecoratorSet` at every load: exactly the state a new
   instance has, so no two messages ever share decorators;
2. `serialize` and `deserialize` borrow an instance from a pool kept per (schema class, `unknown`) and
   give it back when done. An instance is only ever used by one call at a time: a nested or concurrent
   call of the same class (another thread, or a model that deserialises its own kind while being
   loaded) borrows another or builds one. The pool never holds more instances than were in use at once.

Everything else is ACA-Py's own code, error handling included. The patch is applied only to the ACA-Py
source it was written against: `FINGERPRINTS` holds the SHA-256 of the source it replaces or relies
on, and on any other version `install()` leaves ACA-Py as it is and logs why.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from acapy_agent.messaging.agent_message import AgentMessageSchema
from acapy_agent.messaging.decorators.default import DecoratorSet
from acapy_agent.messaging.models.base import BaseModel, BaseModelError, BaseModelSchema, resolve_meta_property
from marshmallow import EXCLUDE, Schema, ValidationError

from agents.acapy_plugin.fingerprints import differing, written_against

__all__ = ["FINGERPRINTS", "SchemaPool", "differing_sources", "install"]

LOGGER = logging.getLogger(__name__)
ACAPY_LOGGER = logging.getLogger(BaseModel.__module__)  # where ACA-Py logs its own (de)serialisation errors

# SHA-256 of the source this module replaces or relies on (the two schema classes whole: their hooks
# hold the per-instance state), as in acapy-agent 1.7.0.
FINGERPRINTS: dict[str, str] = {
    "BaseModel.serialize": "937c77c9c96db3f086be34712dddd672a4d0ed5705c66d76e911f665545986d6",
    "BaseModel.deserialize": "fff5571af3e3960f36932eb2f9d794784b0b7357a9025899c74b1ca9523c1986",
    "BaseModelSchema": "eb03160445b4fb8553f298ec153b8aeb2e262a130c6045ce82f74d30de4f4c6b",
    "AgentMessageSchema": "581eb7016980dae64b40c7861716c7699cae7c299e18f566eb504f7eb5655cbb",
}


def _relied_on() -> dict[str, Any]:
    return {
        "BaseModel.serialize": BaseModel.serialize,
        "BaseModel.deserialize": BaseModel.deserialize.__func__,
        "BaseModelSchema": BaseModelSchema,
        "AgentMessageSchema": AgentMessageSchema,
    }


def differing_sources() -> list[str]:
    """The names of what this patch relies on whose source differs from what it was written against."""
    return differing(_relied_on(), FINGERPRINTS)


class SchemaPool:
    """Schema instances per (class, unknown); each lent to one call at a time."""

    def __init__(self) -> None:
        self._idle: dict[tuple[type[Schema], str], list[Schema]] = {}

    @contextmanager
    def borrow(self, schema_class: type[Schema], unknown: str) -> Iterator[Schema]:
        idle = self._idle.setdefault((schema_class, unknown), [])
        try:
            schema = idle.pop()  # atomic under the GIL: no two callers get the same instance
        except IndexError:
            schema = schema_class(unknown=unknown)
        try:
            yield schema
        finally:
            idle.append(schema)

    def idle(self, schema_class: type[Schema]) -> int:
        """Instances of `schema_class` waiting to be lent (tests)."""
        return sum(len(found) for (cls, _), found in self._idle.items() if cls is schema_class)


POOL = SchemaPool()


def _unknown(schema_class: type[Schema], unknown: str | None) -> str:
    return unknown or resolve_meta_property(schema_class, "unknown", EXCLUDE)


def deserialize(cls: type[BaseModel], obj: Any, *, unknown: str | None = None, none2none: bool = False) -> Any:
    """`BaseModel.deserialize`, on a pooled schema instance."""
    if obj is None and none2none:
        return None
    schema_class = cls._get_schema_class()
    with POOL.borrow(schema_class, _unknown(schema_class, unknown)) as schema:
        try:
            return schema.loads(obj) if isinstance(obj, str) else schema.load(obj)
        except (AttributeError, ValidationError) as err:
            ACAPY_LOGGER.exception(f"{cls.__name__} message validation error:")
            raise BaseModelError(f"{cls.__name__} schema validation failed") from err


def serialize(self: BaseModel, *, as_string: bool = False, unknown: str | None = None) -> Any:
    """`BaseModel.serialize`, on a pooled schema instance."""
    schema_class = self._get_schema_class()
    with POOL.borrow(schema_class, _unknown(schema_class, unknown)) as schema:
        try:
            return schema.dumps(self, separators=(",", ":")) if as_string else schema.dump(self)
        except (AttributeError, ValidationError, TypeError) as err:
            ACAPY_LOGGER.exception(f"{self.__class__.__name__} message serialization error:")
            raise BaseModelError(f"{self.__class__.__name__} schema validation failed") from err


def _fresh_decorators(extract: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(extract)  # keeps marshmallow's hook registration (`__marshmallow_hook__`)
    def extract_decorators(self: AgentMessageSchema, data: Any, **kwargs: Any) -> Any:
        self._decorators = DecoratorSet()
        return extract(self, data, **kwargs)

    return extract_decorators


def install() -> bool:
    """Apply the patch if ACA-Py is the version it was written against; True if applied (or already)."""
    if getattr(BaseModel.serialize, "__module__", None) == __name__:
        return True
    if not written_against("schema reuse", _relied_on(), FINGERPRINTS, LOGGER):
        return False
    AgentMessageSchema.extract_decorators = _fresh_decorators(AgentMessageSchema.extract_decorators)
    BaseModel.deserialize = classmethod(deserialize)
    BaseModel.serialize = serialize
    LOGGER.info("medcred plugin: marshmallow schema instances reused")
    return True
