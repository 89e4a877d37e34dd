"""Run a function in a child process under a time and a memory limit.

The reader is bounded in rows, cells and elements while it streams; this is the second wall
around it: whatever a file makes the reader do, it does it in a forked child whose address
space is limited (`RLIMIT_AS`) and which is killed when its time is up. The web worker only
waits on a pipe meanwhile (holding no GIL), so its other threads keep answering, and a
reader's memory is given back when the child exits.

Where the system cannot fork (Windows), the function runs in the calling process.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import TypeVar, cast

T = TypeVar("T")


class OverTime(Exception):
    """The function ran longer than it was given."""


class OverMemory(Exception):
    """The function needed more memory than it was given (or its process died)."""


def _address_space() -> int:
    """The bytes of address space this process holds now (Linux), 0 when unknown."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def call_bounded(function: Callable[[], T], *, seconds: float, memory_bytes: int) -> T:
    """`function()`, run in a child process given `seconds` and `memory_bytes` more memory
    than this process holds.

    Its value (pickled) or its exception comes back and is returned or raised here; raises
    OverTime when the time is up (the child is killed) and OverMemory when it ran out of
    memory or died.
    """
    if not hasattr(os, "fork"):
        return function()
    import resource

    limit = _address_space() + memory_bytes
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's cleanup
        status = 1
        try:
            os.close(read_end)
            _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
            try:
                outcome: tuple[str, object] = ("value", function())
            except MemoryError:
                outcome = ("memory", None)
            except Exception as error:  # raised again in the parent
                outcome = ("error", error)
            try:
                payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as error:  # an exception that does not pickle
                payload = pickle.dumps(("error", RuntimeError(repr(error))))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)

    os.close(write_end)
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OverTime
            ready, _, _ = select.select([read_end], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    if not chunks:
        raise OverMemory  # killed by the system or failed to say anything: out of memory
    # The payload is what our own child pickled, never bytes from the upload.
    kind, value = pickle.loads(b"".join(chunks))  # noqa: S301
    if kind == "memory":
        raise OverMemory
    if kind == "error":
        assert isinstance(value, BaseException)  # noqa: S101 - the child sends only these
        raise value
    return cast(T, value)
