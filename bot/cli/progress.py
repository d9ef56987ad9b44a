"""A one-line progress bar on stderr for long runs; silent when stderr is not a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_MIN_INTERVAL = 0.1
_MIN_TOTAL = 20


class ProgressBar:
    """Callable as `progress(done, total)`; draws at most ten times a second."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.width = width
        self.last = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < _MIN_TOTAL:
            return
        now = time.monotonic()
        if done < total and now - self.last < _MIN_INTERVAL:
            return
        self.last = now
        filled = self.width * done // max(total, 1)
        self.stream.write(f"\r[{'=' * filled}{' ' * (self.width - filled)}] {done}/{total} files")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Clear the bar so the report starts on a clean line."""
        if self.drawn:
            self.stream.write("\r" + " " * (self.width + 30) + "\r")
            self.stream.flush()
