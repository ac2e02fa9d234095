"""Keeps a token sent in the endpoint's path (``/otlp/t/<token>/...``) out of the server's log.

uvicorn's access log prints every request's path; this filter rewrites the token before the
line is formatted. The request log (activity records) never logs ``/otlp`` paths at all.
"""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"/otlp/t/[^/?\s]+")
HIDDEN = "/otlp/t/[token]"


class TokenRedaction(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                TOKEN_IN_PATH.sub(HIDDEN, arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        if isinstance(record.msg, str) and "/otlp/t/" in record.msg:
            record.msg = TOKEN_IN_PATH.sub(HIDDEN, record.msg)
        return True


def install_redaction() -> None:
    """On uvicorn's access and error loggers, once per process."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenRedaction) for f in logger.filters):
            logger.addFilter(TokenRedaction())
