"""Run the audit's jobs: a local process pool by default, or an existing Dask cluster (``scheduler`` = its address),
with the same functions and arguments, so the records are the same. Progress goes to ``progress(done, total, name)``;
past ``deadline`` (``time.monotonic()``) no job is started and the unfinished ones are reported as not run."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import time
from dataclasses import dataclass

__all__ = ["Job", "run_jobs"]


@dataclass(frozen=True)
class Job:
    """``fn`` (a function of :mod:`smale18.app.audit._jobs`, by name) called with ``kwargs``."""

    fn: str
    kwargs: dict
    label: str


def _call(job: Job) -> dict:
    from . import _jobs

    return getattr(_jobs, job.fn)(**job.kwargs)


def _failed(job: Job, exc: BaseException) -> dict:
    first = str(exc).splitlines()[0] if str(exc) else ""
    return {"test": job.label, "section": "error", "verdict": "error", "status": "observed", "numbers": {},
            "summary": f"the job failed: {type(exc).__name__}: {first}", "evidence": None, "command": ""}


def _collect(completed, futures: dict, jobs: list[Job], results: list, progress) -> None:
    """Store each finished future's record (or the failure) in ``results`` as ``completed`` yields it."""
    for done, future in enumerate(completed, 1):
        i = futures[future]
        try:
            results[i] = future.result()
        except Exception as exc:  # noqa: BLE001 - a failed job is reported, not raised
            results[i] = _failed(jobs[i], exc)
        if progress:
            progress(done, len(jobs), jobs[i].label)


def run_jobs(jobs: list[Job], deadline: float, scheduler: str | None = None, workers: int = 2,
             progress=None) -> list[dict | None]:
    """Records in the order of ``jobs`` (None: not run before the deadline)."""
    results: list[dict | None] = [None] * len(jobs)
    if scheduler is not None:
        from smale18.oracle._extras import require

        from smale18.verify._parallel import connect_scheduler

        distributed = require("distributed", "dask")
        with connect_scheduler(distributed, scheduler, name="scheduler") as client, client.as_current():
            futures = {client.submit(_call, job, pure=False, key=f"smale18-audit-{i}-{job.fn}"): i
                       for i, job in enumerate(jobs)}
            try:
                _collect(distributed.as_completed(futures, timeout=max(1.0, deadline - time.monotonic())), futures,
                         jobs, results, progress)
            except distributed.TimeoutError:
                pass
            for future in futures:
                future.cancel()
        return results
    context = multiprocessing.get_context("spawn")  # a clean interpreter per worker: no state shared with this one
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        futures = {pool.submit(_call, job): i for i, job in enumerate(jobs)}
        try:
            _collect(cf.as_completed(futures, timeout=max(1.0, deadline - time.monotonic())), futures, jobs, results,
                     progress)
        except cf.TimeoutError:
            pass
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list((getattr(pool, "_processes", None) or {}).values()):  # a job still running past the budget
            if process.is_alive():
                process.terminate()
    return results
