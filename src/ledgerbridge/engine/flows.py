"""The old import path of the mapping vocabulary; new code imports it from ``engine.streams``.

(Entity flows are declared as :class:`~ledgerbridge.engine.streams.Stream` subclasses now; the
``EntityFlow`` dataclass of callables is gone.)
"""

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record

__all__ = ["MapContext", "MappingError", "Payload", "Record"]
