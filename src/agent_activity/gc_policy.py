"""The garbage collector's policy for a serving process.

A full (generation 2) collection walks every tracked object, and a server holds a great many
of them before its first request (modules, SQLAlchemy's mappers, pydantic's validators, the MCP
SDK); under a steady load those passes stopped the event loop long enough to be the tail of
every latency (figures in docs/design/performance-notes.md). Two changes:

- Objects that exist once the app has started live as long as the process, so they are moved
  out of the collector's sight (``gc.freeze``).
- A full pass runs after ``FULL_COLLECTION_EVERY`` middle-generation passes rather than 10.
  Reference counting frees almost everything at once anyway; what waits longer is garbage in
  reference cycles, which the benchmark's peak-memory figure includes.

The second change relies on the third threshold of ``gc.set_threshold``, which CPython 3.14's
incremental collector no longer reads, so it is applied only on the versions it was measured on
(``THRESHOLD_HONOURED``); ``gc.freeze`` is kept on every version.

Only ``serve`` does this (the uvicorn factory): tests build many apps in one process, and a
frozen object is never freed.
"""

from __future__ import annotations

import gc
import sys

# The interpreters whose collector reads the third threshold (CPython before 3.14).
THRESHOLD_HONOURED = sys.version_info < (3, 14)
FULL_COLLECTION_EVERY = 1000  # middle-generation collections per full one (CPython: 10)


def freeze_startup_objects() -> None:
    """Collect once, exempt every surviving object from later passes, make full passes rare."""
    gc.collect()
    gc.freeze()
    if THRESHOLD_HONOURED:
        young, middle, _old = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
