"""Running untrusted candidate code under a wall-clock limit, turning anything it does into a verdict."""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["CallOutcome", "call_with_limit"]


class _CandidateTimeout(BaseException):
    """Raised inside the candidate by the alarm; a BaseException so that ``except Exception`` does not swallow it."""


@dataclass(frozen=True)
class CallOutcome:
    """What a call did: its value, or the reason it produced none (``error`` is a one-line description)."""

    value: Any
    error: str | None
    seconds: float
    timed_out: bool = False


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"raised {type(exc).__name__}" + (f": {text}" if text else "")


def call_with_limit(fn: Callable[[], Any], seconds: float) -> CallOutcome:
    """Call ``fn()``; stop it after ``seconds`` of wall-clock time.

    In the main thread a ``SIGALRM`` timer interrupts the candidate (pure Python and most numpy/cvxpy code);
    elsewhere the call runs in a daemon thread that is abandoned at the limit. Exceptions (and ``SystemExit``) become
    errors; ``KeyboardInterrupt`` propagates.
    """
    t0 = time.perf_counter()
    use_alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if use_alarm:
        def _alarm(signum, frame):
            raise _CandidateTimeout()

        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            value = fn()
            return CallOutcome(value, None, time.perf_counter() - t0)
        except _CandidateTimeout:
            return CallOutcome(None, f"exceeded the wall-clock limit of {seconds:g} s", time.perf_counter() - t0, True)
        except KeyboardInterrupt:
            raise
        except (Exception, SystemExit) as exc:
            return CallOutcome(None, _describe(exc), time.perf_counter() - t0)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - judged, not crashed
            box["error"] = _describe(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        return CallOutcome(None, f"exceeded the wall-clock limit of {seconds:g} s", time.perf_counter() - t0, True)
    return CallOutcome(box.get("value"), box.get("error"), time.perf_counter() - t0)
