"""Helpers shared by the tests (imported as ``from _support import ...``: pytest puts this folder on sys.path)."""

import contextlib
import signal


@contextlib.contextmanager
def time_limit(seconds):
    """Fail instead of hanging when a regression makes a refused input start a huge computation."""

    def alarm(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def require_extra(module: str):
    """Import an optional dependency for a test: skipped where it is not installed, but a failure when the environment
    promises every extra (``SMALE18_REQUIRE_EXTRAS=1``, set by ``.ci/run``), so CI never skips an adapter's test."""
    import importlib
    import os

    import pytest

    if os.environ.get("SMALE18_REQUIRE_EXTRAS") == "1":
        return importlib.import_module(module)
    return pytest.importorskip(module)
