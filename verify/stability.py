"""Worst-case perturbations of reconstruction maps (PNAS 2020 style) and certified Lipschitz upper bounds.

:func:`worst_case_perturbation` maximises ``J(r) = 1/2 ||Psi(A(x + r)) - Psi(Ax)||^2 - lam/2 ||r||^2`` over ``r`` (with
``||r|| <= radius`` if given) by gradient ascent with momentum. Gradients come from the network's vector-Jacobian
products when ``Psi`` is a smale18 :class:`~smale18.verify.nets.Network` (or a ``vjp`` is supplied), otherwise from
random central differences (derivative-free). Everything it reports is *observed*: a perturbation found is a lower bound
on the worst case.

:func:`lipschitz_upper` is *certified* when the norms of the affine layers are (dense layers: bounded here in ball
arithmetic; operator layers: the caller's bounds): an upper bound on the global (hence local) Lipschitz constant of a
layer network in the Euclidean norms; the nonlinear layers are 1-Lipschitz (soft-thresholding, ball projection, ReLU,
tanh) or 1/4-Lipschitz (sigmoid). :mod:`smale18.verify.attacks` is the batch-first attack on PyTorch models,
networks and numpy maps, with foreign operators as ``A``.
A result then reads "attack found amplification >= a; certified amplification <= b".
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from smale18.oracle import Smale18Error, format_bound

from .attacks import _vector_operator
from .balls import operator_norm_upper
from .nets import Affine, Network, Sigmoid
from .nets._checks import exact_rational

__all__ = ["AttackResult", "worst_case_perturbation", "lipschitz_upper"]


@dataclass(frozen=True)
class AttackResult:
    """The perturbation found and what it does (observed): ``r``, ``||r||``, ``||A r|| = ||Ax - A(x+r)||``, the output
    change ``||Psi(A(x+r)) - Psi(Ax)||``, and ``amplification = output change / ||A r||``."""

    r: np.ndarray
    r_norm: float
    measurement_change: float
    output_change: float
    amplification: float
    objective: tuple
    gradients: str


def worst_case_perturbation(
    reconstruct: Callable,
    A,
    x: np.ndarray,
    lam: float = 0.01,
    steps: int = 300,
    lr: float = 0.01,
    momentum: float = 0.9,
    radius: float | None = None,
    seed: int = 0,
    vjp: Callable | None = None,
    fd_directions: int = 8,
    progress: Callable[[int, int], None] | None = None,
) -> AttackResult:
    """Search ``r`` maximising ``J(r)`` (see the module docstring); ``reconstruct`` maps measurements to signals.

    ``vjp(y, g)`` returns ``J_Psi(y)^T g``; for a :class:`~smale18.verify.nets.Network` it is taken from the network.
    ``progress(done, steps)``, if given, is called after each ascent step.
    The ascent starts from a small random ``r`` (seeded); with ``radius``, ``r`` is projected onto the ball after each
    step. ``A`` is a numpy matrix, an object with ``matvec``/``rmatvec`` and ``shape`` (scipy ``LinearOperator``,
    pylops), or one with ``A``/``A_adjoint`` on batch-first torch tensors (deepinv physics; ``x`` is then one signal
    without the batch axis); an adjoint that fails the check of :mod:`smale18.verify.attacks` on random pairs raises
    a Smale18Error. For batches, several radii and torch models see :func:`smale18.verify.attacks.attack`.
    """
    x = np.asarray(x)
    if not np.all(np.isfinite(x)):
        raise Smale18Error("x must be finite")
    for name, v in (("lam", lam), ("lr", lr)):
        if not (isinstance(v, (int, float)) and np.isfinite(v) and v >= 0):
            raise Smale18Error(f"{name}={v!r} must be a non-negative number")
    if radius is not None and not radius > 0:
        raise Smale18Error(f"radius={radius!r} must be positive")
    if isinstance(reconstruct, Network):
        net = reconstruct
        vjp = vjp or (lambda y, g: net.vjp(y, g)[0])
        reconstruct = net.forward
    apply, adjoint = _vector_operator(A, x)
    rng = np.random.default_rng(seed)
    y0 = apply(x)
    base = reconstruct(y0)
    scale = (radius if radius is not None else np.linalg.norm(x) + 1.0) * 1e-3
    r = rng.standard_normal(x.shape) * scale / np.sqrt(x.size)
    velocity = np.zeros_like(r)

    def objective(r):
        diff = reconstruct(apply(x + r)) - base
        return 0.5 * float(np.vdot(diff, diff).real) - 0.5 * lam * float(np.vdot(r, r).real), diff

    if progress is not None and not callable(progress):
        raise Smale18Error("progress must be None or callable as progress(done, total)")
    history = []
    for step in range(steps):
        if progress is not None and step:
            progress(step, steps)
        val, diff = objective(r)
        history.append(val)
        if vjp is not None:
            g_y = vjp(apply(x + r), diff)
            grad = adjoint(g_y) - lam * r
        else:  # random central differences along fd_directions unit directions
            grad = np.zeros_like(r)
            h = 1e-6 * max(1.0, float(np.linalg.norm(r)))
            for _ in range(fd_directions):
                u = rng.standard_normal(r.shape)
                u /= np.linalg.norm(u)
                grad += (objective(r + h * u)[0] - objective(r - h * u)[0]) / (2 * h) * u
            grad *= r.size / fd_directions
        velocity = momentum * velocity + lr * grad
        r = r + velocity
        if radius is not None:
            n = np.linalg.norm(r)
            if n > radius:
                r = r * (radius / n)
    val, diff = objective(r)
    history.append(val)
    if progress is not None:
        progress(steps, steps)
    meas = float(np.linalg.norm(apply(r)))
    out = float(np.linalg.norm(diff))
    return AttackResult(r, float(np.linalg.norm(r)), meas, out, out / meas if meas > 0 else float("inf"),
                        tuple(history), "vjp" if vjp is not None else "finite differences")


def lipschitz_upper(net: Network, norm_bounds: dict | None = None) -> Fraction:
    """Upper bound on the Lipschitz constant of ``y -> net(y)`` in the Euclidean norms, exact and rounded up.

    Recursion over layers: the state's constant ``L`` becomes ``||W|| L + ||R||`` through an affine layer and stays
    ``L`` through soft-thresholding, ReLU, tanh and ball projections (each is 1-Lipschitz) and becomes ``L/4`` through a
    sigmoid (``s' = s(1 - s) <= 1/4``, proofs_notes/onnx.md). The norms of dense matrices
    are bounded here in ball arithmetic (:func:`smale18.verify.balls.operator_norm_upper`, cached per matrix); a
    linear-operator layer needs ``norm_bounds[id(operator)]`` from the caller. The result is **certified** when every
    bound in ``norm_bounds`` is (e.g. :meth:`smale18.verify.nets.Firenet.layer_norm_bounds` of a FIRENET whose
    ``L_A_source`` is not "supplied"); otherwise it holds under the caller's bounds as hypotheses. Supplied bounds must
    be non-negative rationals (Smale18Error otherwise). Deep networks get exponentially loose bounds; see
    ``proofs_notes/stability.md``.
    """
    if not isinstance(net, Network):
        raise Smale18Error(f"net must be a smale18.verify.nets.Network, got {type(net).__name__}")
    if norm_bounds is not None and not isinstance(norm_bounds, dict):
        raise Smale18Error("norm_bounds must be a dict {id(matrix or operator): bound}")
    norm_bounds = {key: exact_rational(value, f"norm_bounds[{key}]") for key, value in (norm_bounds or {}).items()}
    if any(value < 0 for value in norm_bounds.values()):
        raise Smale18Error("norm_bounds must hold non-negative bounds")

    def bound(M):
        key = id(M)
        if key not in norm_bounds:
            if not isinstance(M, np.ndarray):
                raise Smale18Error("an operator layer needs its norm bound in norm_bounds[id(operator)]")
            norm_bounds[key] = operator_norm_upper(M)
        return norm_bounds[key]

    L = Fraction(0)
    for layer in net.layers:
        if isinstance(layer, Affine):
            L = (bound(layer.W) * L if layer.W is not None else Fraction(0)) + (
                bound(layer.R) if layer.R is not None else Fraction(0))
            L = Fraction(format_bound(L, "up", 15))  # round up: keeps the exact fractions small, stays an upper bound
        elif isinstance(layer, Sigmoid):
            L = L / 4  # the logistic function is 1/4-Lipschitz: s' = s (1 - s) <= 1/4 (proofs_notes/onnx.md)
    return L
