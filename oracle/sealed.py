"""The sealed judge's engine side: run an untrusted candidate in processes of its own and collect only plain numbers.

:class:`CandidateHost` starts a fresh interpreter (never a fork of the engine, so it holds none of the engine's
state), loads the candidate there — from a spec (``path/file.py:fn``, ``package.module:fn``) that is imported only in
that process, or from a pickle made before any secret of the game exists — and then runs it any number of times,
in children forked from that process, each with its own socket; a child that answered its run may serve the next
one, any other ending ends it. The engine

- answers the child's ``A(n)``, ``y(n)`` (or training-sample) queries from an answer function it keeps, enforcing the
  precision cap and a query budget, and logs every query on its own side;
- reads the output as plain numbers (:func:`smale18.oracle._protocol.decode_output`: JSON, size-limited, decoded by the
  engine's own code), so nothing the candidate returns is ever called;
- enforces a wall-clock limit by killing the child (``SIGKILL``: C code cannot ignore it), and lets the kernel
  enforce memory (``RLIMIT_AS``), CPU time (``RLIMIT_CPU``) and file size (``RLIMIT_FSIZE``);
- turns every way a run can end — exception, ``sys.exit``, ``os._exit``, a signal, a crash, out of memory, a limit,
  a closed socket, a broken protocol — into a one-line reason plus the tail of the candidate's traceback.

Runs may proceed in parallel (``workers``); each run's answers depend only on its own request, so results do not
depend on the number of workers. The trust model, and what it does not cover, is in ``proofs_notes/smale18_game.md``.

>>> import numpy as np
>>> from smale18.oracle.sealed import CandidateHost, Limits, Run
>>> def zero(inp):
...     return np.zeros(inp.N)
>>> with CandidateHost(zero, Limits(wall_seconds=10)) as host:
...     [out] = host.run([Run.inexact(lambda kind, n: None, (2, 3))])
>>> out.error, out.value
(None, array([0., 0., 0.]))
"""

from __future__ import annotations

import atexit
import json
import math
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._errors import Smale18Error, check_positive_number, short_repr
from .inexact import DEFAULT_PRECISION_CAP
from ._protocol import Channel, ProtocolError, decode_output, dyadic_to_wire, send_frame
from .dyadic import DyadicArray

__all__ = ["Limits", "Run", "RunOutcome", "CandidateHost", "InProcessHost", "open_host", "candidate_payload"]

_MAX_REASON = 300
_MAX_TAIL = 2000


@dataclass(frozen=True)
class Limits:
    """Limits of a candidate's run, enforced by the engine (wall clock) and the kernel (the rest).

    ``wall_seconds`` per run (the child is killed at the limit); ``memory_bytes`` of address space (``RLIMIT_AS``);
    ``cpu_seconds`` of CPU time per run (``RLIMIT_CPU``; default: twice the wall clock plus one, rounded up);
    ``load_seconds`` to import or unpickle the candidate; ``max_queries`` per run; ``file_bytes`` that a run may
    write (its log included); ``workers`` runs at once (default: the number of cores).
    """

    wall_seconds: float = 60.0
    memory_bytes: int = 4 << 30
    cpu_seconds: float | None = None
    load_seconds: float = 60.0
    max_queries: int = 100_000
    file_bytes: int = 64 << 20
    workers: int | None = None

    def __post_init__(self):
        check_positive_number(self.wall_seconds, "time_limit", 86400)
        check_positive_number(self.memory_bytes, "memory_bytes", 1 << 50)
        if self.cpu_seconds is not None:
            check_positive_number(self.cpu_seconds, "cpu_seconds", 86400)
        check_positive_number(self.load_seconds, "load_seconds", 86400)
        for name in ("max_queries", "file_bytes"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise Smale18Error(f"{name}={v!r} must be a positive integer")
        if self.workers is not None and (isinstance(self.workers, bool) or not isinstance(self.workers, int)
                                         or not 1 <= self.workers <= 256):
            raise Smale18Error(f"workers={short_repr(self.workers)} must be an integer in [1, 256]")

    @property
    def cpu(self) -> int:
        return int(math.ceil(self.cpu_seconds if self.cpu_seconds is not None else 2 * self.wall_seconds + 1))

    @property
    def parallel(self) -> int:
        return self.workers or os.cpu_count() or 1

    def for_child(self) -> dict:
        """The run's process gets a hard CPU limit of twice a run's budget; it serves another run only while at least
        one budget is left (:meth:`CandidateHost._reusable`)."""
        return {"memory_bytes": int(self.memory_bytes), "cpu_seconds": self.cpu, "cpu_hard_seconds": 2 * self.cpu,
                "file_bytes": int(self.file_bytes)}


@dataclass(frozen=True)
class Run:
    """One run of the candidate. ``answer(kind, *args)`` is the engine's answer function (it never leaves the
    engine): ``answer("A", n)``/``answer("y", n)`` return :class:`DyadicArray` for an inexact input, and
    ``answer("sample", k, n)`` a triple ``(y, A, x)`` for a training set. ``rng`` is ``(entropy, spawn_key)`` of the
    candidate's own :class:`numpy.random.SeedSequence` (used when the candidate takes ``rng``)."""

    input: str
    answer: Callable
    shape_A: tuple[int, int]
    cap: int = DEFAULT_PRECISION_CAP
    problem: dict | None = None
    samples: int = 0
    rng: tuple | None = None
    output: str = "vector"

    @classmethod
    def inexact(cls, answer, shape_A, cap=DEFAULT_PRECISION_CAP, problem=None, rng=None) -> "Run":
        return cls("inexact", answer, tuple(shape_A), cap, problem, 0, rng, "vector")

    @classmethod
    def training(cls, answer, shape_A, samples, cap, rng=None) -> "Run":
        return cls("training", answer, tuple(shape_A), cap, None, samples, rng, "indexed")


@dataclass(frozen=True)
class RunOutcome:
    """What a run produced, decoded by the engine: ``value`` (a fresh float64 array or :class:`DyadicArray`) and
    ``index`` (for indexed outputs), or ``error``, a one-line reason, with ``tail``, the last lines the candidate's
    process printed or its traceback. ``queries`` lists ``(kind, args, seconds, answer or None if refused)`` as
    the engine logged them."""

    value: np.ndarray | DyadicArray | None
    index: int | None
    error: str | None
    tail: str
    queries: tuple
    seconds: float
    timed_out: bool = False
    sealed: bool = True


def candidate_payload(candidate) -> dict:
    """What the host process needs to load ``candidate``: a spec string (imported there only) or a pickle.

    A callable is serialised with cloudpickle here, in the engine, before any secret of a game exists; it runs only
    in the candidate's processes."""
    base = {"sys_path": [p for p in sys.path if isinstance(p, str)], "cwd": os.getcwd()}
    if isinstance(candidate, str):
        from .candidates import check_spec

        check_spec(candidate)
        return dict(base, kind="spec", spec=candidate)
    from .adapters import is_candidate

    if not is_candidate(candidate):
        raise Smale18Error(f"candidate={short_repr(candidate)} must be callable as candidate(inp), an estimator, or a "
                           "spec string")
    import cloudpickle

    try:
        data = cloudpickle.dumps(candidate)
    except Exception as exc:  # noqa: BLE001 - an unpicklable candidate is bad input
        raise Smale18Error(f"cannot send the candidate to its own process: {type(exc).__name__}: {exc}; define it "
                           "in a module and pass 'path/file.py:name'") from None
    return dict(base, kind="pickle", pickle=data)


def _one_line(text, limit=_MAX_REASON) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in str(text).splitlines()[0] if text) if text else ""
    return text[:limit]


def _printable_tail(text) -> str:
    if not isinstance(text, str):
        return ""
    return "".join(ch if ch.isprintable() or ch == "\n" else "?" for ch in text[-_MAX_TAIL:])


def _read_tail(path: str) -> str:
    """The last bytes of a run's log file (written by the candidate: opened without following links, regular files
    only, bounded)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return ""
    try:
        st = os.fstat(fd)
        if not (st.st_mode & 0o170000 == 0o100000):
            return ""
        os.lseek(fd, max(0, st.st_size - _MAX_TAIL), os.SEEK_SET)
        text = os.read(fd, _MAX_TAIL).decode("utf-8", "replace")
        return _printable_tail("\n".join(line for line in text.split("\n")
                                         if not line.startswith("Extension modules:")))
    finally:
        os.close(fd)


def _status_reason(status: int | None, limits: Limits) -> str:
    if status is None:
        return "its process ended without an answer"
    if os.WIFEXITED(status):
        return f"its process exited with status {os.WEXITSTATUS(status)} without an answer"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGXCPU:
            return f"exceeded the CPU-time limit of {limits.cpu} s ({name})"
        if sig == signal.SIGSEGV:
            return f"its process crashed ({name}, a segmentation fault)"
        if sig == signal.SIGXFSZ:
            return f"wrote more than {limits.file_bytes} bytes ({name})"
        return f"its process was killed by {name}"
    return f"its process ended (status {status}) without an answer"


class _Template:
    """A blank interpreter that imports the common heavy modules once and forks a fresh host per candidate. It runs
    only this package's code (never a candidate's), so the host pids it reports are trusted."""

    def __init__(self, blas_threads: int | None):
        engine_end, template_end = socket.socketpair()
        env = dict(os.environ)
        if blas_threads is not None:
            for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                env[var] = str(blas_threads)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "import sys; from smale18.oracle._worker import template_main; "
                 "template_main(int(sys.argv[1]))", str(template_end.fileno())],
                pass_fds=[template_end.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, env=env, cwd=tempfile.gettempdir(), start_new_session=True)
        except OSError as exc:
            raise Smale18Error(f"cannot start the candidates' template process: {exc}") from None
        finally:
            template_end.close()
        self.sock = engine_end

    def alive(self) -> bool:
        return self.proc.poll() is None

    def spawn(self, log_path: str, timeout: float = 120.0) -> tuple[socket.socket, int]:
        """A fresh host: its control socket and pid."""
        self.sock.settimeout(timeout)
        try:
            send_frame(self.sock, ("spawn", log_path), b"P")
            data, fds = b"", []
            while len(data) < 5 or len(data) < 5 + int.from_bytes(data[:4], "big"):
                chunk, more, _, _ = socket.recv_fds(self.sock, 1 << 12, 4)
                if not chunk:
                    raise OSError("the template process ended")
                data, fds = data + chunk, fds + list(more)
        except OSError as exc:
            self.close()
            raise Smale18Error(f"the candidates' template process failed: {exc}") from None
        reply = json.loads(data[5:])
        if len(fds) != 1 or reply.get("op") != "spawned":
            for fd in fds:
                os.close(fd)
            self.close()
            raise Smale18Error("the candidates' template process broke the protocol")
        sock = socket.socket(fileno=fds[0])
        sock.setblocking(True)
        return sock, int(reply["pid"])

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
        self.sock.close()


_TEMPLATES: dict = {}
_TEMPLATE_LOCK = threading.Lock()


def _template(blas_threads: int | None) -> _Template:
    with _TEMPLATE_LOCK:
        t = _TEMPLATES.get(blas_threads)
        if t is None or not t.alive():
            t = _TEMPLATES[blas_threads] = _Template(blas_threads)
        return t


@atexit.register
def _close_templates() -> None:
    for t in list(_TEMPLATES.values()):
        t.close()
    _TEMPLATES.clear()


class _Child:
    """A process forked by a host to serve runs, one at a time, over its own socket."""

    def __init__(self, pid: int, channel: Channel, host: "_HostProcess"):
        self.pid, self.channel, self.host = pid, channel, host
        self.status: int | None = None
        self.run: "_Active | None" = None


class _Active:
    """The engine's record of one run in flight."""

    def __init__(self, index: int, run: Run, started: float, log_path: str, host: "_HostProcess"):
        self.index, self.run, self.started, self.log_path, self.host = index, run, started, log_path, host
        self.child: _Child | None = None
        self.queries: list = []
        self.cache: dict = {}
        self.outcome: RunOutcome | None = None
        self.eof_at: float | None = None
        self.answered = False  # the run ended with a message (result, raised, bad-output): its process may serve on

    @property
    def channel(self) -> Channel | None:
        return self.child.channel if self.child is not None else None

    @property
    def pid(self) -> int | None:
        return self.child.pid if self.child is not None else None

    @property
    def status(self) -> int | None:
        return self.child.status if self.child is not None else None


class _HostProcess:
    """One host: a process forked from the template that loaded the candidate; it forks the children that serve runs."""

    def __init__(self, payload: dict, limits: Limits, blas_threads, log_path: str):
        self.ctl, self.pid = _template(blas_threads).spawn(log_path)
        self.alive = True
        self.active = 0
        self.fd_queue: list[int] = []
        self.by_pid: dict[int, _Child] = {}
        self.idle: list[_Child] = []  # children that answered their last run and wait for another
        self.pending: dict[int, _Active] = {}  # runs asked for and not yet ended, by index
        self.channel = Channel(self.ctl, max_frame=1 << 16)
        self.randomised, self.name, self.load_error, self.load_tail = False, None, None, ""
        send_frame(self.ctl, ("load", dict(payload, limits=limits.for_child())), b"P")
        reply = self._wait(limits.load_seconds)
        if reply is None:
            self.load_error = f"did not load within {limits.load_seconds:g} s"
        elif reply.get("op") == "loaded" and isinstance(reply.get("randomised"), bool):
            self.randomised = reply["randomised"]
            self.name = _one_line(reply.get("name", ""), 200) or None
            return
        elif reply.get("op") == "load-failed":
            self.load_error = f"failed to load: {_one_line(reply.get('reason', ''))}"
            self.load_tail = _printable_tail(reply.get("tail", ""))
        else:
            self.load_error = "failed to load (its process broke the protocol)"
        if not self.load_tail:
            self.load_tail = _read_tail(log_path)
        self.kill()

    def _wait(self, seconds) -> dict | None:
        """One control frame within ``seconds`` (None on timeout, EOF or a broken frame)."""
        deadline = time.monotonic() + seconds
        self.ctl.setblocking(False)
        sel = selectors.DefaultSelector()
        sel.register(self.ctl, selectors.EVENT_READ)
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                try:
                    frames = self.channel.feed()
                except ProtocolError:
                    return None
                if frames:
                    return frames[0] if isinstance(frames[0], dict) else {}
                if self.channel.closed:
                    return None
        finally:
            sel.close()

    def kill(self) -> None:
        """End the host and its process group (it calls setsid first thing)."""
        if self.pid is not None:
            for kill in (os.killpg, os.kill):
                try:
                    kill(self.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        for fd in self.fd_queue:
            os.close(fd)
        self.fd_queue = []
        for c in self.idle:
            c.channel.sock.close()
        self.idle = []
        if self.ctl is not None:
            self.ctl.close()
            self.ctl = None
        self.alive = False

    def on_ctl(self, sel) -> None:
        """Handle control frames; the host is marked dead once it is gone or breaks the protocol."""
        try:
            data, fds, _, _ = socket.recv_fds(self.ctl, 1 << 16, 16)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, fds = b"", []
        self.fd_queue.extend(fds)
        if not data:
            self.alive = False
            return
        self.channel._buf += data
        try:
            frames = self.channel.feed_buffered()
        except ProtocolError:
            self.alive = False
            return
        for f in frames:
            if not isinstance(f, dict):
                self.alive = False
                return
            if f.get("op") == "forked":
                a = self.pending.get(f.get("run")) if type(f.get("run")) is int else None
                if a is None or a.channel is not None or not self.fd_queue or type(f.get("pid")) is not int:
                    self.alive = False
                    return
                fd = self.fd_queue.pop(0)
                try:
                    sock = socket.socket(fileno=fd)
                    sock.settimeout(0)
                except OSError:
                    os.close(fd)
                    self.alive = False
                    return
                a.child = _Child(f["pid"], Channel(sock), self)
                a.child.run = a
                self.by_pid[a.child.pid] = a.child
                sel.register(sock, selectors.EVENT_READ, a.child)
            elif f.get("op") == "exited" and type(f.get("pid")) is int and type(f.get("status")) is int:
                c = self.by_pid.pop(f["pid"], None)
                if c is not None:
                    c.status = f["status"]


class CandidateHost:
    """A candidate loaded in processes of its own; :meth:`run` plays runs against it. Use as a context manager.

    One host process is started at once (it tells whether the candidate takes ``rng``); :meth:`run` with several runs
    starts up to ``limits.parallel`` hosts, so that forking (which costs milliseconds for a process with numpy, cvxpy
    and python-flint loaded) proceeds in parallel too. Raises :class:`Smale18Error` only for the engine's own failures
    (it cannot start a process); a candidate that fails to load makes every run a judged loss with the reason
    (``load_error``)."""

    def __init__(self, candidate, limits: Limits = Limits(), blas_threads: int | None = None):
        self.limits = limits
        self._payload = candidate_payload(candidate)
        self._blas = blas_threads
        self._tmp = tempfile.TemporaryDirectory(prefix="smale18-judge-")
        first = _HostProcess(self._payload, limits, blas_threads, os.path.join(self._tmp.name, "host-0.log"))
        self._hosts = [first] if first.load_error is None else []
        self.randomised, self.name = first.randomised, first.name
        self.load_error, self.load_tail = first.load_error, first.load_tail

    def close(self):
        """End every host and every process it started (their process groups)."""
        for h in self._hosts:
            h.kill()
        self._hosts = []
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _grow(self, wanted: int) -> None:
        while len(self._hosts) < wanted:
            h = _HostProcess(self._payload, self.limits, self._blas,
                             os.path.join(self._tmp.name, f"host-{len(self._hosts)}.log"))
            if h.load_error is not None:  # loads differently the second time: run on the hosts we have
                return
            self._hosts.append(h)

    # -- runs -----------------------------------------------------------------------------------------------------
    def run(self, runs: list[Run], progress: Callable[[int], None] | None = None,
            on_result: Callable[[int, RunOutcome], None] | None = None) -> list[RunOutcome]:
        """Play ``runs``, ``limits.parallel`` at a time; return their outcomes in order. ``on_result(i, outcome)`` is
        called as each run ends (so that judging overlaps with the runs still going).

        A run goes to a child process that answered its previous run (result or exception) and has at least one CPU
        budget left, or else to a freshly forked one; a run that ends any other way (a limit, a crash, a broken
        protocol) ends its process."""
        results: list[RunOutcome | None] = [None] * len(runs)
        if self.load_error is not None:
            if on_result is not None:
                for i in range(len(runs)):
                    on_result(i, RunOutcome(None, None, self.load_error, self.load_tail, (), 0.0))
            return [RunOutcome(None, None, self.load_error, self.load_tail, (), 0.0) for _ in runs]
        self._grow(min(self.limits.parallel, len(runs)))
        sel = selectors.DefaultSelector()
        for h in self._hosts:
            h.pending.clear()
            if h.alive:
                sel.register(h.ctl, selectors.EVENT_READ, h)
                for c in h.idle:
                    sel.register(c.channel.sock, selectors.EVENT_READ, c)
        pending = list(range(len(runs)))[::-1]
        active: dict[int, _Active] = {}
        done = 0
        try:
            while pending or active:
                live = [h for h in self._hosts if h.alive]
                while pending and len(active) < self.limits.parallel and live:
                    host = min(live, key=lambda h: h.active)
                    i = pending.pop()
                    a = _Active(i, runs[i], time.monotonic(), os.path.join(self._tmp.name, f"run-{i}.log"), host)
                    active[i] = host.pending[i] = a
                    host.active += 1
                    self._start(a, sel)
                    live = [h for h in self._hosts if h.alive]
                if not live:
                    for i in pending:
                        results[i] = RunOutcome(None, None, "its host process ended", "", (), 0.0)
                        if on_result is not None:
                            on_result(i, results[i])
                    pending = []
                now = time.monotonic()
                timeout = min([a.started + self.limits.wall_seconds - now for a in active.values()], default=0.1)
                for key, _ in sel.select(max(0.0, min(timeout, 0.5))):
                    if isinstance(key.data, _HostProcess):
                        key.data.on_ctl(sel)
                        if not key.data.alive:
                            sel.unregister(key.fileobj)
                    elif key.data.run is None:  # an idle child may not speak: it is ended
                        self._drop(key.data, sel)
                    else:
                        self._on_child(key.data.run)
                now = time.monotonic()
                for i, a in list(active.items()):
                    if a.outcome is None and now - a.started > self.limits.wall_seconds:
                        self._kill(a)
                        a.outcome = self._finish(a, f"exceeded the wall-clock limit of {self.limits.wall_seconds:g} s",
                                                 timed_out=True)
                    if a.outcome is None and a.eof_at is not None and (a.status is not None or now - a.eof_at > 1.0):
                        a.outcome = self._finish(a, _status_reason(a.status, self.limits))
                    if a.outcome is None and not a.host.alive and a.channel is None:
                        a.outcome = self._finish(a, "its host process ended before the run started")
                    if a.outcome is not None:
                        if a.child is not None:
                            if a.answered and self._reusable(a.child):
                                a.child.run = None
                                a.host.idle.append(a.child)
                            else:
                                self._kill(a)
                                self._drop(a.child, sel)
                        results[i] = a.outcome
                        if on_result is not None:
                            on_result(i, a.outcome)
                        del active[i]
                        a.host.pending.pop(i, None)
                        a.host.active -= 1
                        done += 1
                        if progress is not None:
                            progress(done)
        finally:
            for a in active.values():
                self._kill(a)
                if a.child is not None:
                    self._drop(a.child, sel)
            sel.close()
        return results

    def _start(self, a: _Active, sel) -> None:
        """Hand run ``a`` to an idle child of its host, or ask the host to fork one."""
        host = a.host
        while host.idle:
            child = host.idle.pop()
            try:
                child.channel.sock.settimeout(1.0)
                send_frame(child.channel.sock, ("run", self._config(a)), b"P")
            except OSError:  # it died or stopped reading while idle
                self._kill_pid(child.pid, host)
                self._drop(child, sel)
                continue
            finally:
                if child.channel.sock.fileno() >= 0:
                    child.channel.sock.settimeout(0)
            child.run, a.child = a, child
            return
        try:
            send_frame(host.ctl, ("fork", a.index, self._config(a)), b"P")
        except OSError:  # the host stopped reading (or is gone): its runs end unstarted
            host.alive = False
            sel.unregister(host.ctl)

    def _reusable(self, child: _Child) -> bool:
        """A child may serve another run if its host lives, its socket is clean, and the CPU time it has used leaves
        at least one run's budget under its hard limit of two (read from ``/proc``, not from the child)."""
        if not child.host.alive or child.status is not None or child.channel.closed or child.channel._buf:
            return False
        try:
            with open(f"/proc/{child.pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            ppid, used = int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return False
        return ppid == child.host.pid and used <= self.limits.cpu - 1

    def _drop(self, child: _Child, sel) -> None:
        """Forget a child: end it if it is still the host's, unregister and close its socket."""
        self._kill_pid(child.pid, child.host)
        if child in child.host.idle:
            child.host.idle.remove(child)
        sock = child.channel.sock
        if sock.fileno() >= 0:
            try:
                sel.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()

    def _config(self, a: _Active) -> dict:
        r = a.run
        return {"input": r.input, "shape_A": list(r.shape_A), "cap": r.cap, "problem": r.problem,
                "samples": r.samples, "rng": r.rng, "output": r.output, "limits": self.limits.for_child(),
                "log_path": a.log_path}

    def _on_child(self, a: _Active) -> None:
        if a.outcome is not None:
            return
        try:
            frames = a.channel.feed()
        except ProtocolError as exc:
            self._kill(a)
            a.outcome = self._finish(a, f"broke the protocol: {exc}")
            return
        for f in frames:
            if a.outcome is not None:
                self._kill(a)  # it spoke after its answer
                a.answered = False
                break
            self._on_frame(a, f)
        if a.channel.closed and a.outcome is None and a.eof_at is None:
            a.eof_at = time.monotonic()

    def _on_frame(self, a: _Active, f) -> None:
        op = f.get("op") if isinstance(f, dict) else None
        if op in ("query", "sample"):
            if len(a.queries) >= self.limits.max_queries:
                self._kill(a)
                a.outcome = self._finish(a, f"made more than {self.limits.max_queries} queries")
                return
            try:
                reply = self._serve(a, f)
            except ProtocolError as exc:
                self._kill(a)
                a.outcome = self._finish(a, f"broke the protocol: {exc}")
                return
            sock = a.channel.sock
            sock.settimeout(max(0.01, a.started + self.limits.wall_seconds - time.monotonic()))
            try:
                send_frame(sock, reply, b"P")
            except OSError:  # the child stopped reading (timeout) or closed its end
                self._kill(a)
                a.outcome = self._finish(a, "stopped reading the oracle's answers", timed_out=True)
            finally:
                sock.settimeout(0)
        elif op == "result":
            index = f.get("index")
            if index is not None and type(index) is not int:
                self._kill(a)
                a.outcome = self._finish(a, "broke the protocol: index is not an integer")
                return
            try:
                value = decode_output(f.get("value"))
            except ProtocolError as exc:
                self._kill(a)
                a.outcome = self._finish(a, f"output could not be read: {exc}")
                return
            a.answered = True
            a.outcome = RunOutcome(value, index, None, "", tuple(a.queries), time.monotonic() - a.started)
        elif op in ("raised", "bad-output"):
            a.answered = True
            a.outcome = self._finish(a, _one_line(f.get("reason", "raised")), tail=_printable_tail(f.get("tail", "")))
        else:
            self._kill(a)
            a.outcome = self._finish(a, "broke the protocol: unknown message")

    def _serve(self, a: _Active, f: dict):
        r = a.run
        n = f.get("n")
        if type(n) is not int or n < 0:
            raise ProtocolError("n must be a non-negative integer")
        elapsed = time.monotonic() - a.started
        if f["op"] == "query":
            kind = f.get("kind")
            if r.input != "inexact" or kind not in ("A", "y"):
                raise ProtocolError("query kind must be 'A' or 'y'")
            key = (kind, n)
        else:
            k = f.get("k")
            if r.input != "training" or type(k) is not int or not 0 <= k < r.samples:
                raise ProtocolError(f"sample index must be an integer in [0, {r.samples})")
            key = ("sample", k, n)
        if n > r.cap:
            a.queries.append((key[0], key[1:], elapsed, None))
            return ("refused", n, r.cap)
        if key not in a.cache:
            answer = r.answer(*key)
            wire = tuple(dyadic_to_wire(d) for d in answer) if key[0] == "sample" else dyadic_to_wire(answer)
            a.cache[key] = (answer, wire)
        answer, wire = a.cache[key]
        a.queries.append((key[0], key[1:], elapsed, answer))
        return ("answer", wire)

    def _kill(self, a: _Active) -> None:
        """SIGKILL the run's child (see :meth:`_kill_pid`)."""
        a.answered = False
        if a.child is not None:
            self._kill_pid(a.child.pid, a.host)

    @staticmethod
    def _kill_pid(pid: int, host: "_HostProcess") -> None:
        """SIGKILL ``pid`` after checking that it is still a child of ``host`` (a pid a host reported could be
        anything)."""
        if pid is None or pid <= 1 or pid == os.getpid() or host.pid is None:
            return
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return
        if ppid == host.pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def _finish(self, a: _Active, reason: str, tail: str = "", timed_out: bool = False) -> RunOutcome:
        return RunOutcome(None, None, reason, tail or _read_tail(a.log_path), tuple(a.queries),
                          time.monotonic() - a.started, timed_out)


class InProcessHost:
    """The same interface as :class:`CandidateHost`, running the candidate in *this* process — for debugging only.
    Results are marked ``sealed=False``; a verdict built on them does not hold against a hostile candidate."""

    def __init__(self, candidate, limits: Limits = Limits(), blas_threads: int | None = None):
        from ._worker import has_rng_parameter
        from .candidates import load_candidate

        self.limits = limits
        self.load_error, self.load_tail = None, ""
        try:
            from .adapters import adapt_candidate

            self._candidate = adapt_candidate(load_candidate(candidate) if isinstance(candidate, str) else candidate)
        except Smale18Error as exc:
            self._candidate, self.load_error = None, f"failed to load: {exc}"
        if self._candidate is not None and not callable(self._candidate):
            raise Smale18Error(f"candidate={candidate!r} must be callable as candidate(inp), or a spec string")
        self.randomised = self._candidate is not None and has_rng_parameter(self._candidate)
        self.name = getattr(self._candidate, "__name__", None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def close(self):
        pass

    def run(self, runs: list[Run], progress: Callable[[int], None] | None = None,
            on_result: Callable[[int, RunOutcome], None] | None = None) -> list[RunOutcome]:
        outs = []
        for i, r in enumerate(runs):
            outs.append(self._run_one(r, i, progress))
            if on_result is not None:
                on_result(i, outs[-1])
        return outs

    def _run_one(self, r: Run, i: int, progress) -> RunOutcome:
        from ._errors import PrecisionCapExceeded
        from ._limits import call_with_limit
        from ._protocol import encode_output
        from .inexact import InexactInput
        from .training import TrainingSetOracle

        if self.load_error is not None:
            return RunOutcome(None, None, self.load_error, "", (), 0.0, sealed=False)
        queries: list = []
        t0 = time.monotonic()

        def answer(*key):
            n = key[-1]
            if n > r.cap:
                queries.append((key[0], key[1:], time.monotonic() - t0, None))
                raise PrecisionCapExceeded("n", n, r.cap)
            value = r.answer(*key)
            queries.append((key[0], key[1:], time.monotonic() - t0, value))
            return value

        if r.input == "training":
            inp = TrainingSetOracle(lambda k, n: answer("sample", k, n), r.samples, r.shape_A, r.cap)
        else:
            inp = InexactInput(lambda n: answer("A", n), lambda n: answer("y", n), r.shape_A, (r.shape_A[0],),
                               r.cap, problem=r.problem)
        inp._source_enforces_cap = True
        if self.randomised:
            rng = np.random.default_rng(np.random.SeedSequence(r.rng[0], spawn_key=tuple(r.rng[1])))
            call = call_with_limit(lambda: self._candidate(inp, rng=rng), self.limits.wall_seconds)
        else:
            call = call_with_limit(lambda: self._candidate(inp), self.limits.wall_seconds)
        if progress is not None:
            progress(i + 1)
        if call.error is not None:
            return RunOutcome(None, None, call.error, "", tuple(queries), call.seconds, call.timed_out, sealed=False)
        raw, index = call.value, None
        if r.output == "indexed" and isinstance(raw, tuple) and len(raw) == 2 and type(raw[0]) is int:
            index, raw = raw
        try:
            value = decode_output(encode_output(raw))
        except Exception as exc:  # noqa: BLE001 - a bad output is a judged loss
            return RunOutcome(None, None, f"output is not an array of numbers ({type(exc).__name__}: {exc})", "",
                              tuple(queries), call.seconds, sealed=False)
        return RunOutcome(value, index, None, "", tuple(queries), call.seconds, sealed=False)


def open_host(candidate, limits: Limits, sealed: bool = True, blas_threads: int | None = None):
    """A :class:`CandidateHost` (``sealed=True``) or an :class:`InProcessHost` for debugging."""
    return (CandidateHost if sealed else InProcessHost)(candidate, limits, blas_threads)
