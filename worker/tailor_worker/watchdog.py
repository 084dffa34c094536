"""The worker never outlives the process that started it.

A worker busy in a long op (a training step, a batch of hidden states) only sees its stdin close when
it next reads, which can be minutes after ``kill -9`` of the CLI: minutes of full CPU and gigabytes
of memory for nobody. A daemon thread watches the parent instead: when the worker is re-parented (the
parent died), it exits at once.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable


def exit_when_orphaned(
    parent: int,
    interval: float = 0.5,
    current_parent: Callable[[], int] = os.getppid,
    exit_now: Callable[[int], None] = os._exit,
) -> threading.Thread:
    """Start the watch; ``exit_now(1)`` runs once ``current_parent()`` is no longer ``parent``."""

    def watch() -> None:
        while True:
            if current_parent() != parent:
                exit_now(1)
                return
            time.sleep(interval)

    thread = threading.Thread(target=watch, name="tailor-parent-watch", daemon=True)
    thread.start()
    return thread
