"""Independent jobs over index ranges: in this process, on a local process pool, or on an existing Dask cluster.

A computation over the indices ``0 .. total - 1`` whose parts do not depend on each other is cut into contiguous
ranges, and ``fn(shared, start, count)`` is run once per range -- the same function with the same arguments whichever
way it runs. :func:`map_ranges` returns the results in range order, so a caller that combines them in that order gets
the same answer for every number of workers, every chunking and every completion order (the tests of
:func:`smale18.verify.rnsp.certify` and :func:`smale18.verify.rnsp.nsp_constant` pin this bit for bit).

``shared`` (the large argument, e.g. the matrix) is pickled once per range for the local pool (the ranges are few:
:data:`CHUNKS_PER_WORKER` per worker, at least :data:`MIN_CHUNKS`) and scattered once to every worker of a Dask
cluster. With ``workers = n > 1`` the pool has ``n - 1`` clean interpreters (``spawn``, as the audit's runner) and
this process is the n-th worker; a script that calls this with more than one worker therefore needs the usual
``if __name__ == "__main__":`` guard. Nothing here is specific to
one computation: ``smale18.app.audit`` may use it too (the import direction app -> verify allows it).

>>> map_ranges(_example_sum, 10, 5, workers=1)       # five ranges of one index each: 10 * i
[0, 10, 20, 30, 40]
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import socket
import sys

from smale18.oracle import Smale18Error
from smale18.oracle._errors import short_repr
from smale18.oracle._extras import require

__all__ = ["MAX_WORKERS", "CHUNKS_PER_WORKER", "MIN_CHUNKS", "DASK_CONNECT_SECONDS", "check_workers",
           "check_progress", "check_dask", "local_workers", "split_ranges", "map_ranges"]

#: the largest number of local worker processes (the toolkit's bound, as smale18.oracle.sealed.Limits' workers)
MAX_WORKERS = 256
#: ranges per worker: enough to keep every worker busy on a machine shared with other jobs, few enough that sending
#: ``shared`` with every range costs little next to the work
CHUNKS_PER_WORKER = 8
#: the fewest ranges (when there are that many indices): progress is reported at least this finely
MIN_CHUNKS = 32
#: seconds to wait for a Dask scheduler given by its address
DASK_CONNECT_SECONDS = 10.0


def _example_sum(factor: int, start: int, count: int) -> int:
    return sum(factor * i for i in range(start, start + count))


def check_workers(workers, name: str = "workers") -> int | None:
    """``workers`` as an int in ``[1, MAX_WORKERS]``, or None (the caller's default); else :class:`Smale18Error`."""
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise Smale18Error(f"{name}={short_repr(workers)} must be an integer in [1, {MAX_WORKERS}] "
                           "(the number of worker processes) or None")
    return int(workers)


def check_progress(progress, name: str = "progress"):
    """``progress`` if it is None or callable (called as ``progress(done, total)``), else :class:`Smale18Error`."""
    if progress is not None and not callable(progress):
        raise Smale18Error(f"{name}={short_repr(progress)} must be None or a callable progress(done, total)")
    return progress


def check_dask(dask, name: str = "dask"):
    """None, a scheduler address (a string such as ``tcp://host:8786``; tcp and tls addresses must name a port) or a
    ``dask.distributed.Client``; else :class:`Smale18Error`. The address is not contacted here."""
    if dask is None:
        return None
    if isinstance(dask, str):
        if not dask.strip() or len(dask) > 300 or any(c.isspace() for c in dask):
            raise Smale18Error(f"{name}={short_repr(dask)} must be a Dask scheduler address such as "
                               "tcp://host:8786 (no spaces, at most 300 characters)")
        return dask
    distributed = sys.modules.get("distributed")  # a Client exists only if its module was imported
    if distributed is None or not isinstance(dask, distributed.Client):
        raise Smale18Error(f"{name}={short_repr(dask)} must be a dask.distributed.Client or a scheduler address "
                           "such as tcp://host:8786")
    return dask


def local_workers(workers: int | None, worth_a_pool: bool) -> int:
    """The number of local processes to use: ``workers`` if given; by default all cores (``os.cpu_count()``) when
    ``worth_a_pool`` (starting a process costs about a second: small jobs run faster here), else 1. Inside a daemon
    process (a Dask worker, a pool worker of another library), which may not start children, always 1."""
    n = (os.cpu_count() or 1) if workers is None and worth_a_pool else (workers or 1)
    if n > 1 and multiprocessing.current_process().daemon:
        return 1
    return n


def split_ranges(total: int, parts: int) -> list[tuple[int, int]]:
    """``(start, count)`` of ``min(parts, total)`` contiguous ranges covering ``0 .. total - 1``, sizes differing by
    at most one (the larger ones first).

    >>> split_ranges(10, 4)
    [(0, 3), (3, 3), (6, 2), (8, 2)]
    """
    parts = max(1, min(parts, total))
    size, extra = divmod(total, parts)
    out, start = [], 0
    for k in range(parts):
        count = size + (k < extra)
        out.append((start, count))
        start += count
    return [r for r in out if r[1] > 0]


def _chunk_count(workers: int) -> int:
    return max(MIN_CHUNKS, CHUNKS_PER_WORKER * workers)


def map_ranges(fn, shared, total: int, *, workers: int = 1, dask=None, progress=None, stop=None) -> list:
    """``[fn(shared, start, count) for each range]`` in range order, the ranges from :func:`split_ranges`.

    ``fn``: a module-level function (pickled by reference); ``workers``: local processes (1 runs every range in this
    process, in order; more starts a ``spawn`` pool of ``workers - 1`` processes, and this process works too, see
    :func:`_map_pool`); ``dask``: None, a scheduler address or a ``dask.distributed.Client`` (then ``workers`` is
    not used: the cluster's workers run the ranges; an address is connected for this call and closed after it, a
    client is used and left open);
    ``progress(done, total)``: called in this process as ranges finish (``done`` counts indices; it ends at
    ``total``); ``stop(result)``: when it is true for the result of range ``k``, the ranges after ``k`` are not needed
    -- they are cancelled (or not started) and their entries are None, while every range before ``k`` still runs, so
    the result up to the first stopping range is the same as in order. A job's exception is raised here.
    """
    if total <= 0:
        return []
    if dask is not None:
        return _map_dask(fn, shared, total, dask, progress, stop)
    ranges = split_ranges(total, _chunk_count(workers))
    if workers <= 1 or len(ranges) == 1:
        return _map_here(fn, shared, ranges, total, progress, stop)
    return _map_pool(fn, shared, ranges, total, min(workers, len(ranges)), progress, stop)


class _Collector:
    """Results by range index, the progress count and the first stopping range."""

    def __init__(self, ranges, total, progress, stop):
        self.ranges, self.total, self.progress, self.stop = ranges, total, progress, stop
        self.results = [None] * len(ranges)
        self.cut = len(ranges) - 1  # the last range still needed
        self.waiting = set(range(len(ranges)))
        self.done = 0

    def add(self, k: int, result) -> bool:
        """Store range k's result; True if the ranges after the (new) cut should be cancelled."""
        self.waiting.discard(k)
        if k > self.cut:
            return False
        self.results[k] = result
        self.done += self.ranges[k][1]
        cancel = False
        if self.stop is not None and self.stop(result) and k < self.cut:
            self.cut = k
            self.results[k + 1:] = [None] * (len(self.ranges) - k - 1)
            self.waiting = {j for j in self.waiting if j <= k}
            cancel = True
        if self.progress is not None:
            self.progress(self.total if self.finished else min(self.done, self.total), self.total)
        return cancel

    @property
    def finished(self) -> bool:
        return not self.waiting


def _map_here(fn, shared, ranges, total, progress, stop) -> list:
    col = _Collector(ranges, total, progress, stop)
    for k, (start, count) in enumerate(ranges):
        if k > col.cut:
            break
        col.add(k, fn(shared, start, count))
    return col.results


def _map_pool(fn, shared, ranges, total, workers, progress, stop) -> list:
    """``workers - 1`` spawned processes take the ranges from the front while this process takes them from the back
    (a range still pending in the pool is cancelled there first, so each range runs exactly once): no core waits
    while the pool's interpreters start (about a second each), and the two ends meet without a long tail."""
    from concurrent.futures.process import BrokenProcessPool

    col = _Collector(ranges, total, progress, stop)
    pool = cf.ProcessPoolExecutor(max_workers=workers - 1, mp_context=multiprocessing.get_context("spawn"))
    clean = False
    try:
        futures = [pool.submit(fn, shared, start, count) for start, count in ranges]
        reported: set[int] = set()

        def collect(ready) -> None:
            for k in ready:
                reported.add(k)
                if k <= col.cut and col.add(k, futures[k].result()):
                    for f in futures[col.cut + 1:]:
                        f.cancel()

        for k in reversed(range(len(ranges))):
            collect([j for j, f in enumerate(futures) if j not in reported and f.done() and not f.cancelled()])
            if col.finished or k > col.cut:
                continue
            if not futures[k].cancel():  # already running or done in the pool, and so is every range before it
                break
            reported.add(k)
            start, count = ranges[k]
            if col.add(k, fn(shared, start, count)):
                for f in futures[col.cut + 1:]:
                    f.cancel()
        index = {f: j for j, f in enumerate(futures)}
        for future in cf.as_completed([f for j, f in enumerate(futures) if j not in reported and j <= col.cut]):
            if col.finished:
                break
            collect([index[future]])
        clean = True
    except BrokenProcessPool:
        raise Smale18Error("a worker process died (out of memory, killed, or started from a script without an "
                           "`if __name__ == '__main__':` guard); rerun with workers=1 to run in this process") \
            from None
    finally:
        pool.shutdown(wait=clean, cancel_futures=True)  # after a stop: waits for at most one range per process
        if not clean:  # an error or an interrupt: no process keeps running for nothing
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                if process.is_alive():
                    process.terminate()
    return col.results


def connect_scheduler(distributed, address: str, name: str = "dask"):
    """A client of the scheduler at ``address``, or :class:`Smale18Error` naming the option ``name`` if it cannot be
    reached in ``DASK_CONNECT_SECONDS`` (tcp/tls addresses are probed with a plain socket first: a failed
    ``distributed.Client`` blocks again while it is garbage-collected). Also used by ``smale18.app.audit``."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls"):
            host, port = parse_host_port(location)
            with socket.create_connection((host, port), timeout=DASK_CONNECT_SECONDS):
                pass
    except (ValueError, TypeError) as exc:
        raise Smale18Error(f"{name}={address!r} is not a scheduler address ({exc}); expected e.g. "
                           "tcp://host:8786") from None
    except OSError as exc:
        raise Smale18Error(f"{name}={address!r}: cannot reach a Dask scheduler there ({exc.strerror or exc}); start "
                           "one (dask scheduler) or drop the option to run on local processes") from None
    try:
        return distributed.Client(address, timeout=DASK_CONNECT_SECONDS, set_as_default=False)
    except (OSError, ValueError, TimeoutError) as exc:
        raise Smale18Error(f"{name}={address!r}: cannot connect to a Dask scheduler there: {type(exc).__name__}: "
                           f"{str(exc)[:120]}") from None


def _map_dask(fn, shared, total, dask, progress, stop) -> list:
    distributed = require("distributed", "dask")
    own = isinstance(dask, str)
    client = connect_scheduler(distributed, dask) if own else dask
    try:
        workers = max(1, sum(client.nthreads().values()))
        ranges = split_ranges(total, _chunk_count(workers))
        col = _Collector(ranges, total, progress, stop)
        [shared_future] = client.scatter([shared], broadcast=True, hash=False)  # sent once to every worker
        futures = [client.submit(fn, shared_future, start, count, pure=False) for start, count in ranges]
        index = {f.key: k for k, f in enumerate(futures)}
        try:
            for future in distributed.as_completed(futures, loop=client.loop):
                k = index[future.key]
                if k > col.cut:
                    continue
                if col.add(k, future.result()):
                    client.cancel(futures[col.cut + 1:])
                if col.finished:
                    break
        finally:
            client.cancel([f for f in futures if not f.done()])
        return col.results
    finally:
        if own:
            client.close()
