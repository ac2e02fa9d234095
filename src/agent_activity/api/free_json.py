"""What every store can hold, checked in request bodies: free-form JSON objects (metadata, an
agent's configuration) and text stored as it is sent (``StoredText``).

JSON can spell what no database stores and no response can carry: the NUL character
(``"\\u0000"``, which PostgreSQL's text and JSON refuse), a lone surrogate
(``"\\ud800"``, which is no character, so UTF-8 cannot encode it), and Python's JSON reader
also takes ``NaN``, ``Infinity`` and integers of any size (the JSON encoder that stores and
serves these objects stops at 64 bits). Typed fields get the first refused by pydantic; free-form
objects are checked here, so such input is a 422 (or the family's 400) naming the field,
instead of a 500 from the driver or the response's encoder.

Nesting is bounded too (``MAX_DEPTH``, documented in docs/errors.md): the encoders and database
JSON functions that store, filter and serve these objects each stop somewhere past 250 levels,
so an object nested that deep was stored and then broke every page that held it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AfterValidator

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Levels of objects and arrays a free-form field may nest, the field's own object counting one.
MAX_DEPTH = 32


def depth_of(value: Any) -> int:
    """How deep objects and arrays nest in ``value``, walked without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def leaves(value: Any) -> Iterator[Any]:
    """Every key and scalar inside ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def plain_json(value: Any) -> Any:
    if depth_of(value) > MAX_DEPTH:
        raise ValueError(f"must not nest objects and arrays more than {MAX_DEPTH} levels deep")
    for leaf in leaves(value):
        if isinstance(leaf, str):
            plain_text(leaf)
        elif isinstance(leaf, float) and not math.isfinite(leaf):
            raise ValueError("must hold only finite numbers (JSON has no NaN or Infinity)")
        elif isinstance(leaf, int) and not INT64_MIN <= leaf <= INT64_MAX:
            raise ValueError("must hold only integers of at most 64 bits")
    return value


def plain_text(value: str) -> str:
    """Text every store holds: no NUL character (PostgreSQL's text and JSON refuse it; refused
    on every engine alike) and no lone surrogate."""
    if "\x00" in value:
        raise ValueError("must not hold the NUL character (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (it holds a lone surrogate)") from None
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(plain_json)]
# A string field of a request body that is stored as it is sent. (A validator after ``str``
# also makes pydantic pass a lone surrogate through, which plain ``str`` refuses: checked here.)
StoredText = Annotated[str, AfterValidator(plain_text)]
