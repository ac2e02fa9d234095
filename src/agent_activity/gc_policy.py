"""The garbage collector's policy for a serving process.

A full (generation 2) collection walks every tracked object, and a server holds some 200,000
of them before its first request: modules, SQLAlchemy's mappers and compiled statements,
pydantic's validators, the MCP SDK. Under a steady load the collector ran a full pass every
few seconds, each one stopping the event loop for 200-260 ms (measured at 1,000 MCP clients):
that pause, not any request's work, was the tail of every latency. Two changes:

- Objects that exist once the app has started live as long as the process, so they are moved
  out of the collector's sight (``gc.freeze``): a full pass then walked ~90,000 objects, still
  80-110 ms, every 2-3 s.
- A full pass runs after ``FULL_COLLECTION_EVERY`` middle-generation passes rather than 10:
  about once a minute under that load instead of every few seconds. Reference counting frees
  almost everything at once anyway; what waits longer is garbage in reference cycles (one pass
  found ~56,000 such objects, a few MiB), which the benchmark's peak-memory figure includes.

Only ``serve`` does this (the uvicorn factory): tests build many apps in one process, and a
frozen object is never freed.
"""

from __future__ import annotations

import gc

FULL_COLLECTION_EVERY = 1000  # middle-generation collections per full one (CPython: 10)


def freeze_startup_objects() -> None:
    """Collect once, exempt every surviving object from later passes, make full passes rare."""
    gc.collect()
    gc.freeze()
    young, middle, _old = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
