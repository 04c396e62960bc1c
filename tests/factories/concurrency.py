"""together(calls): run each call in its own thread, all released at once by a barrier — two people acting on
the same thing at the same moment. Returns the calls' results in order (the test client's responses are
buffered: read them after)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any


def together(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def go(i: int) -> None:
        barrier.wait(10)
        results[i] = calls[i]()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a call hung"
    return results
