"""The process's root logger: plain lines to stderr, each error class's traceback once a minute.

The MCP SDK, when it builds its server, gives the root logger a ``RichHandler`` with rich
tracebacks if the root has none. That handler renders a highlighted traceback (source read from
disk, tens of kilobytes of output) on the event loop for every logged exception, so a burst of
errors froze every other request. ``configure_logging`` takes the root logger back: one line a
record, and a plain traceback at most once per exception class per interval (later ones of the
class within the interval log their line, naming how many tracebacks were left out). A record that
keeps its traceback is rendered and written by a thread of its own, so even that one traceback
(source lines read from disk, Python 3.11's carets) is not rendered on the event loop.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sys
import time
from collections.abc import Callable
from logging.handlers import QueueHandler, QueueListener

TRACEBACK_INTERVAL_S = 60.0
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class TracebackThrottle(logging.Filter):
    """Drops a record's traceback when one of its exception class was written lately."""

    def __init__(
        self,
        interval_s: float = TRACEBACK_INTERVAL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.monotonic = monotonic
        self.last_written: dict[str, float] = {}
        self.left_out: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or record.exc_info[0] is None:
            return True
        kind = record.exc_info[0]
        name = f"{kind.__module__}.{kind.__qualname__}"
        now = self.monotonic()
        last = self.last_written.get(name)
        if last is None or now - last >= self.interval_s:
            self.last_written[name] = now
            skipped = self.left_out.pop(name, 0)
            if skipped:
                record.msg = f"{record.msg} ({skipped} earlier tracebacks of {name} left out)"
            return True
        self.left_out[name] = self.left_out.get(name, 0) + 1
        detail = str(record.exc_info[1]).replace("%", "%%") if record.args else record.exc_info[1]
        record.msg = f"{record.msg} [{name}: {detail}; traceback shown lately]"
        record.exc_info = None
        record.exc_text = None
        return True


class ServiceHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes the root logger's records (``OffLoopHandler`` hands them over).

    It writes to whatever ``sys.stderr`` is at the time, as logging's last-resort handler does,
    so a replaced stderr (a test's capture) never leaves it writing to a closed stream.
    """

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


class OffLoopHandler(QueueHandler):
    """The root's handler: throttles a record's traceback where it is logged; a record that
    still carries one goes, unformatted, to the thread that renders and writes it, any other
    line is written at once by ``writer``."""

    def __init__(self, records: queue.SimpleQueue[logging.LogRecord], writer: logging.Handler):
        super().__init__(records)
        self.writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            super().emit(record)
        else:
            self.writer.handle(record)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


def configure_logging(level: str = "info", interval_s: float = TRACEBACK_INTERVAL_S) -> None:
    """Make the root logger ours: drop handlers that render on the event loop, add our own."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler).__name__ == "RichHandler":
            root.removeHandler(handler)
    if not any(isinstance(handler, OffLoopHandler) for handler in root.handlers):
        writer = ServiceHandler()
        writer.setFormatter(logging.Formatter(LINE_FORMAT))
        records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        handler = OffLoopHandler(records, writer)
        handler.addFilter(TracebackThrottle(interval_s))
        listener = QueueListener(records, writer)
        listener.start()
        atexit.register(listener.stop)  # what was logged is written before the process ends
        root.addHandler(handler)
    root.setLevel(level.upper())
