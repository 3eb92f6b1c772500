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
