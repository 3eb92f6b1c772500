"""Attacks on reconstruction maps from other libraries: PyTorch models, smale18 networks and black boxes, with foreign
forward operators (deepinv physics, scipy/pylops linear operators, matrices).

:func:`attack` has the call shape of a Foolbox attack, batch-first: for every radius ``r`` and every sample it searches
a perturbation ``e`` with ``||e||_2 <= r`` maximising the output change ``||Psi(y + e) - Psi(y)||_2`` of the model
``Psi`` (or ``||Psi(A(x + e)) - Psi(Ax)||_2`` with a forward operator ``A``, the perturbation then lives in signal
space, as in :func:`smale18.verify.stability.worst_case_perturbation`). It runs projected ascent on
``f(e) = 1/2 ||Psi(A(x + e)) - Psi(Ax)||^2`` with normalised gradient steps from seeded random starts on the sphere
``||e|| = r``, and keeps the best point it evaluated. Gradients ``grad f(e) = A* J_Psi(A(x + e))^T (Psi(A(x + e)) -
Psi(Ax))`` come from

- **autograd** for a torch ``nn.Module`` (``torch.autograd.grad`` with the output difference as ``grad_outputs``),
- the **network VJP** of a smale18 :class:`~smale18.verify.nets.Network`,
- **finite differences** for any other callable on numpy arrays: central differences of the model's output along
  every coordinate of the measurement (when ``fd_directions`` is at least its size) or along ``fd_directions`` random
  unit directions (an estimate; the ascent only needs a direction).

Everything it reports is **observed**: the model was evaluated at ``y + e`` and changed by the amount reported, so the
amplification is a *lower bound* on the worst case over the ball (the maximiser may lie elsewhere); nothing is
certified. A certified upper bound for a smale18 network is :func:`smale18.verify.stability.lipschitz_upper`.

Foreign operators ``A`` are adapted to batch-first forward and adjoint maps: a numpy matrix, any object with
``matvec``/``rmatvec`` (a scipy ``LinearOperator``, a pylops operator), or any object with ``A``/``A_adjoint`` taking
and returning batch-first torch tensors (the deepinv physics interface). Adjointness is the caller's contract; it is
tested once per call on two random pairs (``Re<Ax, y> = <x, A*y>`` within :data:`ADJOINT_RTOL`, see
``proofs_notes/stability.md``) and a Smale18Error is raised when it fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle._errors import check_int_range, check_positive_number, short_repr
from smale18.oracle._extras import require

from .nets import Network

__all__ = ["StabilityAttack", "OutputChangeGradient", "attack", "output_change_gradient", "ADJOINT_RTOL"]

#: largest relative discrepancy ``|Re<Ax, y> - Re<x, A*y>| / (||Ax|| ||y|| + ||x|| ||A*y||)`` accepted for a random
#: ``x`` and ``y`` random or ``y = Ax``, by the precision of the operator's output: float64 (and complex128), float32
#: (complex64), anything coarser
ADJOINT_RTOL = {"double": 1e-9, "single": 1e-4, "half": 1e-2}
#: bounds on the arguments: radii, ascent steps, restarts, finite-difference directions, seeds
MAX_RADII, MAX_STEPS, MAX_RESTARTS, MAX_FD_DIRECTIONS, MAX_SEED = 1000, 100_000, 1000, 4096, 2**32 - 1
#: most entries of the batch the attack evaluates at once (radii x restarts x samples x size of one input)
MAX_ENTRIES = 1 << 26
#: central-difference step ``h = FD_STEP * max(1, ||z||)`` along a unit direction at the measurement ``z``
FD_STEP = 1e-5


# -- arrays -----------------------------------------------------------------------------------------------------------
def _is_torch_tensor(value) -> bool:
    return type(value).__module__.startswith("torch") and callable(getattr(value, "detach", None))


def _numpy(value, name: str, *, complex_ok: bool = False) -> np.ndarray:
    """A numpy array (float64, or complex128 when allowed) from a numpy array, a torch tensor or a nested sequence."""
    if _is_torch_tensor(value):
        value = value.detach().cpu()
        try:
            value = value.numpy()
        except TypeError:  # a dtype numpy lacks (bfloat16): through float64, which holds it exactly
            value = value.double().numpy()
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - whatever a hostile sequence raises, it is bad input
        raise Smale18Error(f"{name} is not an array: {type(exc).__name__}") from None
    if arr.dtype.kind == "c" and complex_ok:
        return arr.astype(np.complex128)
    if arr.dtype.kind not in "fiu":
        raise Smale18Error(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64)


def _batch(value, name: str) -> np.ndarray:
    arr = _numpy(value, name)
    if arr.ndim < 2 or arr.shape[0] < 1 or arr.size == 0:
        raise Smale18Error(f"{name} has shape {arr.shape}; expected a non-empty batch (B, ...) with B >= 1")
    if not np.all(np.isfinite(arr)):
        raise Smale18Error(f"{name} has a non-finite entry")
    return arr


def _rows_norm(X: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum(np.abs(X.reshape(X.shape[0], -1)) ** 2, axis=1))


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:200]


def _torch_target(obj):
    """(torch, dtype, device) for an object's tensors: those of its first floating parameter or buffer, else
    float64 on the CPU."""
    torch = require("torch", "torch")
    for attr in ("parameters", "buffers"):
        method = getattr(obj, attr, None)
        if callable(method):
            try:
                for tensor in method():
                    if tensor.is_floating_point():
                        return torch, tensor.dtype, tensor.device
            except TypeError:
                continue
    return torch, torch.float64, torch.device("cpu")


def _precision(value) -> str:
    """"double", "single" or "half": the precision of a numpy array's or torch tensor's floating dtype (integers and
    anything else count as double: they are read exactly)."""
    try:
        if _is_torch_tensor(value):
            import torch

            eps = torch.finfo(value.dtype).eps if (value.is_floating_point() or value.is_complex()) else 0.0
        else:
            eps = np.finfo(value.dtype).eps if np.asarray(value).dtype.kind in "fc" else 0.0
    except (TypeError, ValueError, AttributeError):
        eps = 0.0
    return "double" if eps <= 1e-15 else "single" if eps <= 2e-7 else "half"


# -- operators --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Operator:
    """Batch-first ``forward`` (B, *signal) -> (B, *measurement) and ``adjoint`` back; ``exact_adjoint`` when the
    adjoint is derived here from the operator itself (a matrix), so that it needs no test."""

    forward: Callable
    adjoint: Callable
    kind: str
    exact_adjoint: bool


def _flat_rows(X, N: int) -> np.ndarray:
    flat = X.reshape(X.shape[0], -1)
    if flat.shape[1] != N:
        raise Smale18Error(f"operator: signals of shape {X.shape[1:]} have {flat.shape[1]} entries; A has N={N} "
                           "columns")
    return flat


def _matrix_operator(M: np.ndarray, real: bool, signal_shape: tuple) -> _Operator:
    if M.ndim != 2 or M.size == 0 or not np.all(np.isfinite(M)):
        raise Smale18Error(f"operator: a matrix A must be a finite, non-empty 2-D array, got shape {M.shape}")
    m, N = M.shape

    def forward(X):
        return (M @ _flat_rows(X, N).T).T

    def adjoint(Y):
        out = (M.conj().T @ Y.reshape(Y.shape[0], m).T).T
        return (out.real if real else out).reshape((Y.shape[0], *signal_shape))

    return _Operator(forward, adjoint, f"matrix {m}x{N}", True)


def _linear_operator(A, real: bool, signal_shape: tuple) -> _Operator:
    try:
        m, N = (int(d) for d in A.shape)
    except Exception:  # noqa: BLE001 - a duck-typed operator without a usable shape
        raise Smale18Error(f"operator: {type(A).__name__} has matvec/rmatvec but no shape (m, N)") from None
    matmat, rmatmat = getattr(A, "matmat", None), getattr(A, "rmatmat", None)

    def forward(X):
        flat = _flat_rows(X, N)
        out = matmat(flat.T).T if callable(matmat) else np.stack([A.matvec(row) for row in flat])
        return np.asarray(out).reshape(X.shape[0], m)

    def adjoint(Y):
        flat = Y.reshape(Y.shape[0], m)
        out = np.asarray(rmatmat(flat.T).T if callable(rmatmat) else np.stack([A.rmatvec(row) for row in flat]))
        return (out.real if real else out).reshape((Y.shape[0], *signal_shape))

    return _Operator(forward, adjoint, f"{type(A).__name__} {m}x{N} (matvec/rmatvec)", False)


def _physics_operator(A) -> _Operator:
    torch, dtype, device = _torch_target(A)
    cdtype = torch.complex128 if dtype == torch.float64 else torch.complex64

    def call(fn, X):
        X = X if X.flags.writeable else X.copy()
        t = torch.as_tensor(X, dtype=cdtype if np.iscomplexobj(X) else dtype, device=device)
        with torch.no_grad():
            out = fn(t)
        if not isinstance(out, torch.Tensor):
            raise Smale18Error(f"operator: {type(A).__name__} returned {type(out).__name__}, not a torch tensor")
        return out.detach().cpu()

    return _Operator(lambda X: call(A.A, X), lambda Y: call(A.A_adjoint, Y), f"{type(A).__name__} (A/A_adjoint)",
                     False)


def _as_operator(A, signal_shape: tuple, real: bool = True) -> _Operator:
    """``A`` as batch-first forward/adjoint callables on signals of shape ``signal_shape`` (per sample): a numpy
    matrix, an object with callable ``A`` and ``A_adjoint`` (deepinv physics: batch-first torch tensors), one with
    ``matvec``/``rmatvec`` and ``shape`` (scipy ``LinearOperator``, pylops), or a scipy sparse matrix; the last three
    see the signals flattened (row-major). ``real``: the signals are real, so the adjoint of the real-linear map is
    the real part of the complex adjoint."""
    signal_shape = tuple(signal_shape)
    if isinstance(A, np.ndarray):
        if A.dtype.kind not in "fiuc":
            raise Smale18Error(f"operator: a matrix A must hold numbers, got dtype {A.dtype}")
        M = np.asarray(A, dtype=np.complex128 if A.dtype.kind == "c" else np.float64)
        return _matrix_operator(M, real, signal_shape)
    if callable(getattr(A, "A", None)) and callable(getattr(A, "A_adjoint", None)):
        return _physics_operator(A)
    if callable(getattr(A, "matvec", None)) and callable(getattr(A, "rmatvec", None)):
        return _linear_operator(A, real, signal_shape)
    if type(A).__module__.startswith("scipy.sparse"):
        import scipy.sparse.linalg as sla

        return _linear_operator(sla.aslinearoperator(A), real, signal_shape)
    raise Smale18Error(f"operator={short_repr(A)} must be a numpy matrix, an object with matvec/rmatvec (scipy "
                       "LinearOperator, pylops) or one with A/A_adjoint (deepinv physics)")


def _checked_call(fn, X, what: str, complex_ok: bool, native: dict | None = None) -> np.ndarray:
    """``fn(X)`` as a finite float64 (or complex128) array with one row per row of ``X``; a failure of the caller's
    operator becomes a one-line Smale18Error. ``native["precision"]`` receives the precision ``fn`` computed in."""
    try:
        out = fn(X)
    except Smale18Error:
        raise
    except Exception as exc:  # noqa: BLE001 - the caller's operator failed on its input: say where, in one line
        raise Smale18Error(f"operator: {what} failed on a batch of shape {X.shape}: {_one_line(exc)}") from exc
    if native is not None:
        native["precision"] = _precision(out)
    out = _numpy(out, f"operator: {what}'s result", complex_ok=complex_ok)
    if out.ndim < 1 or out.shape[0] != X.shape[0]:
        raise Smale18Error(f"operator: {what} returned shape {out.shape} for a batch of {X.shape[0]}")
    if not np.all(np.isfinite(out)):
        raise Smale18Error(f"operator: {what} returned a non-finite value")
    return out


def _adjoint_discrepancy(op: _Operator, like: np.ndarray, rng, complex_ok: bool) -> tuple[float, float]:
    """``(discrepancy, tolerance)``: the larger relative error of ``Re<Ax, y> = Re<x, A*y>`` over two pairs, a random
    ``x`` shaped like ``like[:1]`` with a random ``y``, and with ``y = Ax`` (where a wrongly scaled adjoint shows at
    full strength instead of through the small inner product of random vectors)."""
    x = rng.standard_normal(like[:1].shape)
    if np.iscomplexobj(like):
        x = x + 1j * rng.standard_normal(like[:1].shape)
    native = {}
    Ax = _checked_call(op.forward, x, "A", complex_ok, native)
    z = rng.standard_normal(Ax.shape) + (1j * rng.standard_normal(Ax.shape) if np.iscomplexobj(Ax) else 0)
    worst = 0.0
    for y in (z, Ax):
        Aty = _checked_call(op.adjoint, y, "A_adjoint", complex_ok)
        if Aty.shape != x.shape:
            raise Smale18Error(f"operator: A_adjoint returned shape {Aty.shape[1:]} for signals of shape "
                               f"{x.shape[1:]}")
        lhs, rhs = np.vdot(Ax, y).real, np.vdot(x, Aty).real
        scale = np.linalg.norm(Ax) * np.linalg.norm(y) + np.linalg.norm(x) * np.linalg.norm(Aty)
        worst = max(worst, float(abs(lhs - rhs) / scale) if scale > 0 else 0.0)
    return worst, ADJOINT_RTOL[native["precision"]]


def _operator_with_check(A, like: np.ndarray, seed: int, complex_ok: bool) -> tuple[_Operator, float | None]:
    """The adapted operator for signals shaped like ``like[1:]``, and its measured adjointness discrepancy (None for a
    matrix); a Smale18Error when the discrepancy exceeds :data:`ADJOINT_RTOL`."""
    op = _as_operator(A, like.shape[1:], real=not np.iscomplexobj(like))
    if op.exact_adjoint:
        return op, None
    rel, tol = _adjoint_discrepancy(op, like, np.random.default_rng([seed, 7]), complex_ok)
    if not rel <= tol:
        raise Smale18Error(f"operator: A_adjoint is not the adjoint of A: Re<Ax, y> and <x, A*y> differ by {rel:.3g} "
                           f"relative on a random x (tolerance {tol:g})")
    return op, rel


def _vector_operator(A, x: np.ndarray, seed: int = 0) -> tuple[Callable, Callable]:
    """``(apply, adjoint)`` on single signals shaped like ``x`` (real or complex; the measurements may be complex),
    after the adjointness check: what :func:`smale18.verify.stability.worst_case_perturbation` uses."""
    op, _ = _operator_with_check(A, np.asarray(x)[None], seed, True)

    def apply(v):
        return _checked_call(op.forward, np.asarray(v)[None], "A", True)[0]

    def adjoint(z):
        return _checked_call(op.adjoint, np.asarray(z)[None], "A_adjoint", True)[0]

    return apply, adjoint


# -- models -----------------------------------------------------------------------------------------------------------
def _is_torch_module(obj) -> bool:
    return any(cls.__name__ == "Module" and cls.__module__.startswith("torch.nn") for cls in type(obj).__mro__)


class _Model:
    """A reconstruction map on batch-first numpy arrays: ``evaluate(Z)`` and ``value_and_vjp(Z, clean)`` returning
    ``(Psi(Z), J_Psi(Z)^T (Psi(Z) - clean))``, both float64."""

    gradients = ""
    fd_directions = None

    def check_measurements(self, shape: tuple) -> None:
        pass

    def _out(self, out, rows: int) -> np.ndarray:
        out = _numpy(out, "model output")
        if out.ndim < 1 or out.shape[0] != rows:
            raise Smale18Error(f"model returned shape {out.shape} for a batch of {rows}; expected ({rows}, ...)")
        if not np.all(np.isfinite(out)):
            raise Smale18Error("model returned a non-finite value (NaN or inf)")
        return out

    def _call(self, fn, Z):
        try:
            return fn(Z)
        except Smale18Error:
            raise
        except Exception as exc:  # noqa: BLE001 - the caller's model failed on its input: say where, in one line
            raise Smale18Error(f"model failed on measurements of shape {Z.shape[1:]}: {_one_line(exc)}") from exc


class _TorchModel(_Model):
    gradients = "autograd"

    def __init__(self, module):
        self.module = module
        self.torch, self.dtype, self.device = _torch_target(module)
        modules = module.modules() if callable(getattr(module, "modules", None)) else ()
        if any(m.training and "BatchNorm" in type(m).__name__ for m in modules):
            raise Smale18Error("model has batch norm in training mode (it couples the samples of a batch); call "
                               "model.eval()")

    def _tensor(self, Z):
        return self.torch.as_tensor(Z if Z.flags.writeable else Z.copy(), dtype=self.dtype, device=self.device)

    def _forward(self, t):
        out = self.module(t)
        if not isinstance(out, self.torch.Tensor):
            raise Smale18Error(f"model returned {type(out).__name__}, not a torch tensor")
        if out.is_complex():
            raise Smale18Error("model returned a complex tensor; the attack measures real outputs")
        return out

    def evaluate(self, Z):
        with self.torch.no_grad():
            return self._out(self._call(lambda z: self._forward(self._tensor(z)), Z), Z.shape[0])

    def value_and_vjp(self, Z, clean):
        torch = self.torch

        def run(z):
            t = self._tensor(z).requires_grad_(True)
            with torch.enable_grad():
                out = self._forward(t)
                diff = (out - self._tensor(clean).reshape(out.shape)).detach()
                (grad,) = torch.autograd.grad(out, t, grad_outputs=diff, allow_unused=True)
            return out.detach(), (torch.zeros_like(t) if grad is None else grad)

        out, grad = self._call(run, Z)
        return self._out(out, Z.shape[0]), _numpy(grad, "the model's gradient").reshape(Z.shape)


class _NetworkModel(_Model):
    gradients = "network VJP"

    def __init__(self, net: Network):
        self.net = net

    def check_measurements(self, shape):
        if tuple(shape) != (self.net.m,):
            raise Smale18Error(f"model: the Network takes measurements of length {self.net.m}, the inputs (or the "
                               f"operator's measurements) have shape {tuple(shape)}")

    def evaluate(self, Z):
        return self._out(self.net.forward(Z.T).T, Z.shape[0])

    def value_and_vjp(self, Z, clean):
        out = self.evaluate(Z)
        return out, self.net.vjp(Z.T, (out - clean).T)[0].T


class _CallableModel(_Model):
    gradients = "finite differences"

    def __init__(self, fn, fd_directions: int, rng):
        self.fn, self.k, self.rng = fn, fd_directions, rng

    def evaluate(self, Z):
        return self._out(self._call(self.fn, Z.copy()), Z.shape[0])

    def value_and_vjp(self, Z, clean):
        out = self.evaluate(Z)
        K = Z.shape[0]
        flat = Z.reshape(K, -1)
        d = flat.shape[1]
        coordinates = self.k >= d
        self.fd_directions = d if coordinates else self.k
        diff = (out - clean).reshape(K, -1)
        h = FD_STEP * np.maximum(1.0, _rows_norm(flat))
        grad = np.zeros_like(flat)
        chunk = max(1, MAX_ENTRIES // max(1, 2 * K * d))
        count = d if coordinates else self.k
        for start in range(0, count, chunk):
            n = min(chunk, count - start)
            if coordinates:
                U = np.zeros((n, K, d))
                U[np.arange(n), :, start + np.arange(n)] = 1.0
            else:
                U = self.rng.standard_normal((n, K, d))
                U /= np.linalg.norm(U, axis=2, keepdims=True)
            step = (h[None, :, None] * U).reshape(n * K, d)
            base = np.broadcast_to(flat, (n, K, d)).reshape(n * K, d)
            plus = self.evaluate((base + step).reshape((n * K, *Z.shape[1:]))).reshape(n, K, -1)
            minus = self.evaluate((base - step).reshape((n * K, *Z.shape[1:]))).reshape(n, K, -1)
            Ju = (plus - minus) / (2 * h[None, :, None])  # J u by central differences, for each direction
            grad += np.einsum("nk,nkd->kd", np.einsum("nko,ko->nk", Ju, diff), U)
        if not coordinates:
            grad *= d / self.k  # E[u u^T] = I/d for a uniform unit direction
        return out, grad.reshape(Z.shape)


def _as_model(model, fd_directions: int, rng) -> _Model:
    if _is_torch_module(model):
        return _TorchModel(model)
    if isinstance(model, Network):
        return _NetworkModel(model)
    if callable(model):
        return _CallableModel(model, fd_directions, rng)
    raise Smale18Error(f"model={short_repr(model)} must be a torch nn.Module, a smale18 Network or a callable on "
                       "batch-first numpy arrays")


# -- the attack -------------------------------------------------------------------------------------------------------
def _radii(radii) -> np.ndarray:
    if isinstance(radii, (int, float, np.integer, np.floating)) and not isinstance(radii, (bool, np.bool_)):
        radii = [radii]
    if isinstance(radii, (str, bytes, dict, set)) or not hasattr(radii, "__len__"):
        raise Smale18Error(f"radii={short_repr(radii)} must be a sequence of positive numbers")
    if not 1 <= len(radii) <= MAX_RADII:
        raise Smale18Error(f"radii={short_repr(radii)} must hold between 1 and {MAX_RADII} radii")
    for r in radii:
        check_positive_number(r, "radii", 1e300)
    return np.array([float(r) for r in radii])


@dataclass(frozen=True)
class _Setup:
    model: _Model
    op: _Operator | None
    signals: np.ndarray
    measure: Callable
    clean: np.ndarray
    adjoint_discrepancy: float | None


def _setup(model, inputs, operator, seed, fd_directions, rng) -> _Setup:
    fd_directions = check_int_range(fd_directions, "fd_directions", 1, MAX_FD_DIRECTIONS)
    net = _as_model(model, fd_directions, rng)
    X = _batch(inputs, "inputs")
    op, discrepancy = (None, None) if operator is None else _operator_with_check(operator, X, seed, False)

    def measure(S):
        return S if op is None else _checked_call(op.forward, S, "A", False)

    Y = measure(X)
    net.check_measurements(Y.shape[1:])
    clean = net.evaluate(Y)
    again = net.evaluate(Y)
    if again.shape != clean.shape or not np.allclose(clean, again, rtol=1e-9, atol=0):
        raise Smale18Error("model is not deterministic: two evaluations on the same inputs differ (dropout or batch "
                           "norm in training mode? call model.eval())")
    return _Setup(net, op, X, measure, clean, discrepancy)


def _step(e, g, lr, rad, rng):
    """One normalised ascent step of length ``lr * radius``, then the projection onto ``||e|| <= radius``."""
    K = e.shape[0]
    g = g.reshape(K, -1)
    norms = np.linalg.norm(g, axis=1)
    flat = np.zeros_like(g)
    ok = norms > 0
    flat[ok] = g[ok] / norms[ok, None]
    if not ok.all():  # a flat spot (a zero gradient): step in a random direction instead of stalling
        u = rng.standard_normal(((~ok).sum(), g.shape[1]))
        flat[~ok] = u / np.linalg.norm(u, axis=1, keepdims=True)
    new = e.reshape(K, -1) + (lr * rad)[:, None] * flat
    n = np.linalg.norm(new, axis=1)
    return (new * np.minimum(1.0, rad / np.maximum(n, 1e-300))[:, None]).reshape(e.shape)


@dataclass(frozen=True, repr=False)
class StabilityAttack:
    """What :func:`attack` found, **observed**: each entry is a lower bound on the worst case over its ball.

    ``perturbations[i, b]`` (shape ``(R, B, ...)``, the inputs' shape per sample) is the perturbation ``e`` found for
    ``radii[i]`` and sample ``b`` (``||e||_2 <= radii[i]``), ``outputs[i, b] = Psi(y_b + e)`` (or ``Psi(A(x_b + e))``),
    ``clean_outputs[b] = Psi(y_b)``; ``output_change = ||outputs - clean_outputs||_2`` per entry (R, B);
    ``perturbation_norms = ||e||_2``; ``measurement_change = ||A e||_2`` (equal to ``||e||`` without an operator);
    ``amplification = output_change / measurement_change`` (``amplification_of`` says which norm divides).
    ``gradients`` is "autograd", "network VJP" or "finite differences" (``fd_directions`` directions per step, all
    coordinates when it equals the measurement size); ``adjoint_discrepancy`` is the relative adjointness error
    measured on the operator (None without one, or for a matrix, whose adjoint is its transpose).
    """

    perturbations: np.ndarray
    outputs: np.ndarray
    clean_outputs: np.ndarray
    output_change: np.ndarray
    perturbation_norms: np.ndarray
    measurement_change: np.ndarray
    amplification: np.ndarray
    radii: tuple
    gradients: str
    fd_directions: int | None
    steps: int
    restarts: int
    seed: int
    space: str
    amplification_of: str
    operator: str | None
    adjoint_discrepancy: float | None

    def __repr__(self) -> str:
        R, B = self.output_change.shape
        i, b = np.unravel_index(int(np.argmax(self.amplification)), (R, B))
        return (f"StabilityAttack(observed lower bounds: {R} radii x {B} samples, perturbation in {self.space}; "
                f"largest amplification {self.amplification[i, b]:.6g} = output change / {self.amplification_of} "
                f"at radius {self.radii[i]:g}, sample {b}; gradients={self.gradients}, steps={self.steps}, "
                f"restarts={self.restarts}, seed={self.seed})")


def attack(model, inputs, radii, *, operator=None, steps: int = 100, lr: float = 0.5, seed: int = 0,
           restarts: int = 1, fd_directions: int = 16) -> StabilityAttack:
    """Projected gradient ascent on the output change of a reconstruction map (see the module docstring); observed.

    ``model`` maps batch-first measurements ``(B, *m)`` to reconstructions ``(B, *out)``: a torch ``nn.Module``
    (evaluated in the dtype and on the device of its first floating parameter, float64 if it has none; call
    ``model.eval()`` first — a model whose two evaluations differ is refused), a smale18
    :class:`~smale18.verify.nets.Network` (measurements ``(B, m)``), or a callable on float64 numpy arrays. Samples
    must be independent (the batch is evaluated at once). ``inputs`` (numpy or torch, real, finite): measurements
    ``(B, *m)``, or with ``operator`` the signals ``(B, *s)`` that ``A`` maps to measurements; then the perturbation
    is added to the signal. ``radii``: positive numbers (Euclidean norm of ``e`` per sample). For each radius,
    ``restarts`` random starts on the sphere, ``steps`` ascent steps of length ``lr * radius`` along the normalised
    gradient, projection onto the ball, and the best point evaluated is kept. ``seed`` fixes the starts and the
    random finite-difference directions: the result is reproducible. ``operator``: a numpy matrix, a scipy
    ``LinearOperator`` / pylops operator, or a deepinv-style physics (``A``/``A_adjoint``); its adjoint is tested
    once (:data:`ADJOINT_RTOL`). ``fd_directions`` (black-box callables only): central differences along every
    coordinate when it is at least the measurement size, else along this many random unit directions per step.
    Sizes: ``steps`` in [1, 100000], ``restarts`` in [1, 1000], ``lr`` in (0, 100], at most 1000 radii, ``seed`` in
    [0, 2^32 - 1], and radii x restarts x samples x input size at most :data:`MAX_ENTRIES`.

    >>> import numpy as np
    >>> M = np.array([[3.0, 0.0], [0.0, 1.0]])
    >>> found = attack(lambda Y: Y @ M.T, np.ones((2, 2)), [0.1, 1.0], steps=40)
    >>> found.perturbations.shape, found.gradients
    ((2, 2, 2), 'finite differences')
    >>> np.round(found.amplification, 6)      # a linear map: the amplification found is ||M||_2 = 3
    array([[3., 3.],
           [3., 3.]])
    """
    steps = check_int_range(steps, "steps", 1, MAX_STEPS)
    restarts = check_int_range(restarts, "restarts", 1, MAX_RESTARTS)
    seed = check_int_range(seed, "seed", 0, MAX_SEED)
    lr = float(check_positive_number(lr, "lr", 100.0))
    rad_list = _radii(radii)
    rng = np.random.default_rng(seed)
    s = _setup(model, inputs, operator, seed, fd_directions, rng)
    X, clean = s.signals, s.clean
    R, B = len(rad_list), X.shape[0]
    K = R * restarts * B
    if K * max(X[0].size, clean[0].size) > MAX_ENTRIES:
        raise Smale18Error(f"radii x restarts x inputs is {K} rows of {X[0].size} entries, more than {MAX_ENTRIES} "
                           "entries in one batch; attack fewer at once")
    base = np.broadcast_to(X, (R * restarts, *X.shape)).reshape((K, *X.shape[1:]))
    clean_rows = np.broadcast_to(clean, (R * restarts, *clean.shape)).reshape((K, *clean.shape[1:]))
    rad = np.repeat(rad_list, restarts * B)
    e = rng.standard_normal(base.shape)
    e *= (rad / _rows_norm(e)).reshape((K,) + (1,) * (e.ndim - 1))
    best_change, best_e, best_out = np.full(K, -1.0), e.copy(), np.zeros_like(clean_rows)
    for step in range(steps + 1):
        Z = s.measure(base + e)
        if step < steps:
            out, g = s.model.value_and_vjp(Z, clean_rows)
        else:
            out = s.model.evaluate(Z)
        change = _rows_norm(out - clean_rows)
        better = change > best_change
        best_change[better], best_e[better], best_out[better] = change[better], e[better], out[better]
        if step < steps:
            g = g if s.op is None else _checked_call(s.op.adjoint, g, "A_adjoint", False).reshape(e.shape)
            e = _step(e, g, lr, rad, rng)
    pick = np.argmax(best_change.reshape(R, restarts, B), axis=1)  # the best restart of each (radius, sample)
    rows = (np.arange(R)[:, None] * restarts + pick) * B + np.arange(B)[None, :]
    pert = best_e[rows.reshape(-1)]
    outputs = best_out[rows.reshape(-1)]
    change = best_change[rows.reshape(-1)]
    norms = _rows_norm(pert)
    meas = norms if s.op is None else _rows_norm(_checked_call(s.op.forward, pert, "A", False))
    with np.errstate(divide="ignore", invalid="ignore"):
        amp = np.where(meas > 0, change / np.where(meas > 0, meas, 1.0), np.where(change > 0, np.inf, 0.0))
    arrays = [pert.reshape((R, B, *X.shape[1:])), outputs.reshape((R, B, *clean.shape[1:])), clean.copy()]
    arrays += [a.reshape(R, B) for a in (change, norms, meas, amp)]
    for a in arrays:
        a.setflags(write=False)
    return StabilityAttack(*arrays, tuple(float(r) for r in rad_list), s.model.gradients, s.model.fd_directions,
                           steps, restarts, seed, "measurements" if s.op is None else "signals",
                           "||e||" if s.op is None else "||A e||", None if s.op is None else s.op.kind,
                           s.adjoint_discrepancy)


@dataclass(frozen=True)
class OutputChangeGradient:
    """``values[b] = 1/2 ||Psi(A(x_b + e_b)) - Psi(A x_b)||^2`` and ``gradients[b]``, its gradient in ``e_b`` (the
    direction :func:`attack` ascends), obtained by ``method`` (float64 unless the torch model computes in another
    dtype); observed."""

    values: np.ndarray
    gradients: np.ndarray
    method: str


def output_change_gradient(model, inputs, perturbations, *, operator=None, seed: int = 0,
                           fd_directions: int = 16) -> OutputChangeGradient:
    """The objective of :func:`attack` and its gradient at given perturbations ``(B, ...)`` (shaped like ``inputs``),
    with the same models, operators and checks; for testing a model's gradients against finite differences.

    >>> import numpy as np
    >>> g = output_change_gradient(lambda Y: 2 * Y, np.zeros((1, 3)), np.array([[1.0, 0.0, 0.0]]))
    >>> g.values, np.round(g.gradients, 6), g.method        # f(e) = 2 ||e||^2, gradient 4 e
    (array([2.]), array([[4., 0., 0.]]), 'finite differences')
    """
    seed = check_int_range(seed, "seed", 0, MAX_SEED)
    s = _setup(model, inputs, operator, seed, fd_directions, np.random.default_rng(seed))
    E = _batch(perturbations, "perturbations")
    if E.shape != s.signals.shape:
        raise Smale18Error(f"perturbations has shape {E.shape}; expected the inputs' shape {s.signals.shape}")
    out, g = s.model.value_and_vjp(s.measure(s.signals + E), s.clean)
    if s.op is not None:
        g = _checked_call(s.op.adjoint, g, "A_adjoint", False).reshape(E.shape)
    values = 0.5 * _rows_norm(out - s.clean) ** 2
    return OutputChangeGradient(values, np.asarray(g, dtype=float).reshape(E.shape), s.model.gradients)
