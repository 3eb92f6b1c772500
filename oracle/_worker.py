"""The candidate's side of the sealed judge: a blank template, hosts forked from it that load one candidate each,
and children forked from the host that serve runs, one at a time.

The template is started by :mod:`smale18.oracle.sealed` as a new interpreter (never a fork of the engine), so neither it
nor anything forked from it holds the engine's state; it imports the heavy common modules once and never runs candidate
code. A host receives the candidate (a spec to import, or a pickle of it), loads it, says whether it takes an explicit
``rng`` parameter, and then serves ``fork`` requests: each child gets a socket of its own (passed to the engine with
``SCM_RIGHTS``), OS limits (address space, CPU time, file size; soft and hard), a log file per run for its
stdout/stderr, and an input object whose only source of data is that socket. After answering a run, a child waits for
the engine's next ``("run", config)`` on its socket (the engine decides whether it may serve again). The host reports
children's exit statuses.

Hosts and children run candidate code and are untrusted by the engine: this is the reference client, not part of
the judge. The template runs only this package's code, so the engine trusts the host pids it reports.
"""

from __future__ import annotations

import faulthandler
import gc
import inspect
import os
import resource
import select
import socket
import sys
import traceback

from ._protocol import _frame, dyadic_from_wire, encode_output, recv_frame, send_frame

_TAIL_CHARS = 2000


def _tail(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc))
    return text[-_TAIL_CHARS:]


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"raised {type(exc).__name__}" + (f": {text}" if text else "")


def has_rng_parameter(fn) -> bool:
    """True if ``fn``'s signature names a parameter ``rng`` (keyword-passable). ``**kwargs`` alone does not count."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    p = params.get("rng")
    return p is not None and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def _load(payload: dict):
    sys.path[:0] = [p for p in payload.get("sys_path", []) if p not in sys.path]
    if payload.get("cwd"):
        os.chdir(payload["cwd"])
    from .adapters import adapt_candidate

    if payload["kind"] == "spec":
        from .candidates import load_candidate

        return adapt_candidate(load_candidate(payload["spec"]))
    import cloudpickle

    return adapt_candidate(cloudpickle.loads(payload["pickle"]))


def _set_limits(limits: dict) -> None:
    """Lower soft *and* hard limits (code in this process cannot raise a hard limit again). ``cpu_hard_seconds``
    may exceed ``cpu_seconds``: the soft CPU limit is reset before each run of a reused child (:func:`_start_run`)."""
    def lower(which, value, soft_value=None):
        soft, hard = resource.getrlimit(which)
        value = int(value)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (min(value, int(soft_value)) if soft_value is not None else value, value))

    if limits.get("memory_bytes"):
        lower(resource.RLIMIT_AS, limits["memory_bytes"])
    if limits.get("cpu_hard_seconds"):
        lower(resource.RLIMIT_CPU, limits["cpu_hard_seconds"], limits.get("cpu_seconds"))
    if limits.get("file_bytes"):
        lower(resource.RLIMIT_FSIZE, limits["file_bytes"])
    lower(resource.RLIMIT_CORE, 0)


def _start_run(config: dict) -> None:
    """Per run: the run's own log file on stdout/stderr, and a soft CPU limit of the run's budget from now on."""
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(config["log_path"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    cpu = config["limits"].get("cpu_seconds")
    if cpu:
        used = resource.getrusage(resource.RUSAGE_SELF)
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        want = int(used.ru_utime + used.ru_stime) + 1 + int(cpu)
        resource.setrlimit(resource.RLIMIT_CPU, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))


class _Remote:
    """The child's end of its socket: one request, one reply."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def ask(self, request: dict):
        from ._errors import PrecisionCapExceeded, Smale18Error

        send_frame(self.sock, request)
        reply = recv_frame(self.sock, allow_pickle=True)
        if reply[0] == "answer":
            return reply[1]
        if reply[0] == "refused":
            raise PrecisionCapExceeded("n", reply[1], reply[2])
        raise Smale18Error(str(reply[1]))


def _make_input(remote: _Remote, config: dict):
    from .inexact import InexactInput
    from .training import TrainingSetOracle

    if config["input"] == "training":
        def sample(k, n):
            y, A, x = remote.ask({"op": "sample", "k": k, "n": n})
            return dyadic_from_wire(y), dyadic_from_wire(A), dyadic_from_wire(x)

        ora = TrainingSetOracle(sample, config["samples"], tuple(config["shape_A"]), config["cap"])
        ora._source_enforces_cap = True
        return ora

    def answer(kind):
        return lambda n: dyadic_from_wire(remote.ask({"op": "query", "kind": kind, "n": n}))

    m, N = config["shape_A"]
    inp = InexactInput(answer("A"), answer("y"), (m, N), (m,), config["cap"], problem=config.get("problem"))
    inp._source_enforces_cap = True
    return inp


def _encode(raw, output: str) -> dict:
    if output == "indexed" and isinstance(raw, tuple) and len(raw) == 2 and type(raw[0]) is int:
        return {"op": "result", "index": raw[0], "value": encode_output(raw[1])}
    return {"op": "result", "index": None, "value": encode_output(raw)}


def _child(sock: socket.socket, candidate, randomised: bool, config: dict) -> None:
    """Serve runs on ``sock``: the first with ``config``, then one per ``("run", config)`` frame, until the engine
    closes the socket (it ends this process instead whenever a run did not end with an answer)."""
    _set_limits(config["limits"])
    faulthandler.enable(file=sys.stderr)  # writes to fd 2, which _start_run points at each run's log
    remote = _Remote(sock)
    while True:
        _start_run(config)
        _run_once(remote, candidate, randomised, config)
        try:
            message = recv_frame(sock, allow_pickle=True)
        except EOFError:
            return
        if not (isinstance(message, tuple) and message[0] == "run"):
            return
        config = message[1]


def _run_once(remote: _Remote, candidate, randomised: bool, config: dict) -> None:
    sock = remote.sock
    try:
        inp = _make_input(remote, config)
        if randomised:
            import numpy as np

            entropy, key = config["rng"]
            raw = candidate(inp, rng=np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=tuple(key))))
        else:
            raw = candidate(inp)
    except BaseException as exc:  # noqa: BLE001 - anything the candidate does is reported, then judged
        send_frame(sock, {"op": "raised", "reason": _describe(exc), "tail": _tail(exc)})
        return
    try:
        message = _encode(raw, config["output"])
    except BaseException as exc:  # noqa: BLE001
        send_frame(sock, {"op": "bad-output", "reason": f"output is not an array of numbers ({_describe(exc)})",
                          "tail": _tail(exc)})
        return
    send_frame(sock, message)


def _reap(children: set, ctl: socket.socket | None = None) -> None:
    """Collect ended children; report each exit status on ``ctl`` when given."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        if ctl is not None:
            send_frame(ctl, {"op": "exited", "pid": pid, "status": status})


def host_main(ctl: socket.socket) -> None:
    """Load the candidate, then fork a child for each ``fork`` request until told to exit."""
    _, payload = recv_frame(ctl, allow_pickle=True)
    # memory and file size bind the host too; CPU time only each run (a host forks for the whole game, and its
    # CPU time would otherwise add up across runs until an honest candidate's later runs were killed)
    _set_limits(dict(payload["limits"], cpu_seconds=None, cpu_hard_seconds=None))
    try:
        candidate = _load(payload)
        if not callable(candidate):
            raise TypeError(f"{type(candidate).__name__} object is not callable")
        randomised = has_rng_parameter(candidate)
        name = getattr(candidate, "__name__", None) or type(candidate).__name__
    except BaseException as exc:  # noqa: BLE001
        send_frame(ctl, {"op": "load-failed", "reason": _describe(exc), "tail": _tail(exc)})
        return
    send_frame(ctl, {"op": "loaded", "randomised": randomised, "name": str(name)[:200]})
    gc.freeze()  # the loaded state is shared with every child: keep the collector from touching (copying) its pages

    def fork_run(message):
        _, run_id, config = message
        pid, theirs = _fork_with_socket(lambda sock: _child(sock, candidate, randomised, config), ctl)
        return pid, theirs, {"op": "forked", "run": run_id, "pid": pid}

    _serve_forks(ctl, fork_run, 0.01, report_exits=True)


def _serve_forks(ctl: socket.socket, fork, poll: float, report_exits: bool) -> None:
    """Until the engine closes ``ctl`` or says "exit": reap children, and for each request fork one and pass its
    socket to the engine (``SCM_RIGHTS``) with the reply ``fork(request)`` made."""
    children: set[int] = set()
    while True:
        ready, _, _ = select.select([ctl], [], [], poll)
        _reap(children, ctl if report_exits else None)
        if not ready:
            continue
        try:
            message = recv_frame(ctl, allow_pickle=True)
        except EOFError:
            return
        if message[0] == "exit":
            return
        pid, theirs, reply = fork(message)
        children.add(pid)
        socket.send_fds(ctl, [_frame(reply, b"J")], [theirs.fileno()])
        theirs.close()


def _fork_with_socket(body, *close_in_child):
    """Fork; the child runs ``body(its socket)`` and exits; the parent gets ``(pid, the other end)``."""
    mine, theirs = socket.socketpair()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        try:
            for s in close_in_child:
                s.close()
            theirs.close()
            body(mine)
        finally:
            os._exit(0)
    mine.close()
    return pid, theirs


def _host(log_path: str, sock: socket.socket) -> None:
    os.setsid()  # the engine ends a host and everything it started with one killpg
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    host_main(sock)


def template_main(fd: int) -> None:
    """A blank host template: imports what every candidate's process needs once (numpy, python-flint, cvxpy, this
    package), loads no candidate ever, and forks a fresh host for each candidate the engine sends."""
    import numpy  # noqa: F401
    import scipy.optimize  # noqa: F401

    from . import candidates  # noqa: F401  (imports the package, flint, sympy)

    try:
        import cvxpy

        # one tiny solve loads cvxpy's lazily imported solver interfaces, so that every forked run starts warm
        x = cvxpy.Variable(2)
        cvxpy.Problem(cvxpy.Minimize(cvxpy.norm1(x) + cvxpy.norm2(x - 1) + cvxpy.sum_squares(x)),
                      [cvxpy.norm2(x) <= 3]).solve()
    except Exception:  # noqa: BLE001 - warming is an optimisation only
        pass
    gc.freeze()
    ctl = socket.socket(fileno=fd)

    def fork_host(message):
        log_path = message[1]
        pid, theirs = _fork_with_socket(lambda sock: _host(log_path, sock), ctl)
        return pid, theirs, {"op": "spawned", "pid": pid}

    _serve_forks(ctl, fork_host, 0.05, report_exits=False)


if __name__ == "__main__":  # pragma: no cover
    template_main(int(sys.argv[1]))
