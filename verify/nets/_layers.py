"""Layers of explicit networks: affine with an input skip, soft-thresholding, l2-ball projection, ReLU, tanh, sigmoid.

Every layer maps a state ``h`` (shape ``(width, batch)``) and the network input ``y`` (shape ``(m, batch)``) to a new
state, in float64 (``forward``), in python-flint balls (``forward_ball``: an enclosure of the exact result for every
point of the input balls), and backwards (``backward``: the vector-Jacobian product, with parameter gradients).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import flint
import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle import _arb
from smale18.oracle._prox import soft_threshold

__all__ = ["Affine", "SoftThreshold", "BallProjection", "ReLU", "Tanh", "Sigmoid", "Layer"]


def _as_operator(M, name):
    if M is None:
        return None
    if isinstance(M, np.ndarray):
        if M.ndim != 2 or not np.all(np.isfinite(M)):
            raise Smale18Error(f"{name} must be a finite 2-D array")
        return M
    if hasattr(M, "matvec") and hasattr(M, "rmatvec") and hasattr(M, "shape"):
        return M
    raise Smale18Error(f"{name} must be a dense array or a linear operator with matvec/rmatvec, got {type(M).__name__}")


def _apply(M, X):
    return M @ X if isinstance(M, np.ndarray) else M.matmat(X)


def _apply_adjoint(M, X):
    return M.conj().T @ X if isinstance(M, np.ndarray) else M.rmatmat(X)


def _dense_ball(M, name) -> flint.arb_mat:
    if not isinstance(M, np.ndarray):
        raise Smale18Error(f"ball evaluation needs dense weights; {name} is a {type(M).__name__}")
    if np.iscomplexobj(M):
        raise Smale18Error("ball evaluation is implemented for real networks only")
    return flint.arb_mat(M.tolist())  # float64 entries are exact in arb


class Layer:
    """Base class. ``out_width(in_width)`` gives the width after the layer."""

    def out_width(self, in_width: int) -> int:
        return in_width


@dataclass(frozen=True, eq=False)
class Affine(Layer):
    """``h -> W h + R y + c``. ``W`` is None on the first layer (the state is empty there); ``W`` and ``R`` may be
    dense arrays or linear operators (``matvec``/``rmatvec``/``matmat``), so fast transforms need no dense weights."""

    W: object = None
    R: object = None
    c: np.ndarray | None = None
    width: int = field(default=0)

    def __post_init__(self):
        W = _as_operator(self.W, "W")
        R = _as_operator(self.R, "R")
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "R", R)
        width = (W.shape[0] if W is not None else R.shape[0] if R is not None else
                 (len(self.c) if self.c is not None else 0))
        if width == 0:
            raise Smale18Error("an affine layer needs at least one of W, R, c")
        for M, name in ((W, "W"), (R, "R")):
            if M is not None and M.shape[0] != width:
                raise Smale18Error(f"{name} has {M.shape[0]} rows, expected {width}")
        if self.c is not None:
            c = np.asarray(self.c)
            if c.shape != (width,) or not np.all(np.isfinite(c)):
                raise Smale18Error(f"c must be a finite vector of length {width}")
            object.__setattr__(self, "c", c)
        object.__setattr__(self, "width", width)

    def out_width(self, in_width):
        return self.width

    def forward(self, h, y):
        out = None
        if self.W is not None:
            out = _apply(self.W, h)
        if self.R is not None:
            r = _apply(self.R, y)
            out = r if out is None else out + r
        if self.c is not None:
            out = (np.zeros((self.width, y.shape[1]), dtype=np.result_type(self.c, y)) if out is None else out) + self.c[:, None]
        return out

    def backward(self, h, y, out, g):
        g_h = _apply_adjoint(self.W, g) if self.W is not None else None
        g_y = _apply_adjoint(self.R, g) if self.R is not None else None
        grads = {}
        if isinstance(self.W, np.ndarray):
            grads["W"] = g @ h.conj().T
        if isinstance(self.R, np.ndarray):
            grads["R"] = g @ y.conj().T
        if self.c is not None:
            grads["c"] = g.sum(axis=1)
        return g_h, g_y, grads

    def forward_ball(self, h, y, prec_bits):
        out = None
        if self.W is not None:
            out = _dense_ball(self.W, "W") * h
        if self.R is not None:
            r = _dense_ball(self.R, "R") * y
            out = r if out is None else out + r
        if self.c is not None:
            c = flint.arb_mat([[float(v)] * y.ncols() for v in self.c])
            out = c if out is None else out + c
        return out


def _soft_ball(b: flint.arb, t: float) -> flint.arb:
    """Enclosure of S_t over the ball b: S_t is non-decreasing, so map the endpoints."""
    tf = Fraction(t)

    def s(v):
        return v - tf if v > tf else (v + tf if v < -tf else Fraction(0))

    return _arb.ball_from_bounds(s(_arb.lower_fraction(b)), s(_arb.upper_fraction(b)))


@dataclass(frozen=True, eq=False)
class SoftThreshold(Layer):
    """Entrywise soft-thresholding with one threshold per coordinate (a zero threshold is the identity):
    real ``u -> sign(u) max(|u| - t, 0)``, complex ``u -> max(|u| - t, 0) u/|u|``."""

    thresholds: np.ndarray

    def __post_init__(self):
        t = np.asarray(self.thresholds, dtype=float)
        if t.ndim != 1 or not np.all(np.isfinite(t)) or np.any(t < 0):
            raise Smale18Error("thresholds must be a finite, non-negative vector")
        object.__setattr__(self, "thresholds", t)

    def forward(self, h, y):
        return soft_threshold(h, self.thresholds[:, None])

    def backward(self, h, y, out, g):
        if np.iscomplexobj(h):
            raise Smale18Error("vector-Jacobian products are implemented for real networks only")
        active = np.abs(h) > self.thresholds[:, None]
        return g * active, None, {"thresholds": -(np.sign(h) * active * g).sum(axis=1)}

    def forward_ball(self, h, y, prec_bits):
        rows = [[_soft_ball(h[i, j], self.thresholds[i]) for j in range(h.ncols())] for i in range(h.nrows())]
        return flint.arb_mat(rows)


@dataclass(frozen=True, eq=False)
class BallProjection(Layer):
    """Projection of the block ``h[start:stop]`` onto the l2 ball of ``radius``; other coordinates pass unchanged."""

    start: int
    stop: int
    radius: float = 1.0

    def forward(self, h, y):
        out = h.copy()
        w = h[self.start:self.stop]
        n = np.linalg.norm(w, axis=0)
        out[self.start:self.stop] = w * (self.radius / np.maximum(n, self.radius))
        return out

    def backward(self, h, y, out, g):
        w = h[self.start:self.stop]
        gw = g[self.start:self.stop]
        n = np.linalg.norm(w, axis=0)
        inside = n <= self.radius
        safe = np.where(inside, 1.0, n)
        proj_g = self.radius / safe * (gw - w * (np.sum(w.conj() * gw, axis=0).real / safe**2))
        g_h = g.copy()
        g_h[self.start:self.stop] = np.where(inside, gw, proj_g)
        return g_h, None, {}

    def forward_ball(self, h, y, prec_bits):
        out = flint.arb_mat(h)
        r = flint.arb(self.radius)
        for j in range(h.ncols()):
            block = [h[i, j] for i in range(self.start, self.stop)]
            nlo, nhi = _arb.sqrt_bounds(*_arb.norm2_bounds(block), prec_bits)
            # P(w)_i = w_i r / max(r, ||w||), evaluated on enclosures of w_i and ||w||
            scale = r / _arb.ball_from_bounds(max(nlo, Fraction(self.radius)), max(nhi, Fraction(self.radius)))
            for i in range(self.start, self.stop):
                out[i, j] = h[i, j] * scale
        return out


@dataclass(frozen=True, eq=False)
class ReLU(Layer):
    """Entrywise ``max(u, 0)``."""

    def forward(self, h, y):
        return np.maximum(h, 0.0)

    def backward(self, h, y, out, g):
        return g * (h > 0), None, {}

    def forward_ball(self, h, y, prec_bits):
        return flint.arb_mat([
            [_arb.ball_from_bounds(max(_arb.lower_fraction(h[i, j]), 0), max(_arb.upper_fraction(h[i, j]), 0))
             for j in range(h.ncols())]
            for i in range(h.nrows())
        ])


@dataclass(frozen=True, eq=False)
class Tanh(Layer):
    """Entrywise ``tanh``."""

    def forward(self, h, y):
        return np.tanh(h)

    def backward(self, h, y, out, g):
        return g * (1 - out**2), None, {}

    def forward_ball(self, h, y, prec_bits):
        return flint.arb_mat([[h[i, j].tanh() for j in range(h.ncols())] for i in range(h.nrows())])


def _sigmoid_point(v: flint.arb) -> flint.arb:
    """Arb enclosure of ``1 / (1 + exp(-v))``, written with ``exp`` of a non-positive midpoint (no overflow)."""
    if v.mid() >= 0:
        return 1 / (1 + (-v).exp())
    e = v.exp()
    return e / (1 + e)


def _sigmoid_ball(b: flint.arb) -> flint.arb:
    """Enclosure of the logistic function over the ball ``b``: it is increasing, so its image of ``[lo, hi]`` is
    ``[s(lo), s(hi)]``; each endpoint is evaluated in Arb on a ball containing it, and the result is the union of
    the two balls, which contains the segment between them."""
    lo, hi = b.mid() - b.rad(), b.mid() + b.rad()  # balls containing the exact endpoints
    return _sigmoid_point(lo).union(_sigmoid_point(hi))


@dataclass(frozen=True, eq=False)
class Sigmoid(Layer):
    """Entrywise logistic function ``s(u) = 1 / (1 + exp(-u))``; increasing, with ``0 < s' = s (1 - s) <= 1/4``, so
    the layer is ``1/4``-Lipschitz in l2 (``proofs_notes/onnx.md``). Float64 forward without overflow; the ball
    enclosure maps the endpoints (monotone).

    >>> import numpy as np
    >>> Sigmoid().forward(np.array([[0.0], [800.0], [-800.0]]), None).ravel().tolist()
    [0.5, 1.0, 0.0]
    """

    def forward(self, h, y):
        e = np.exp(-np.abs(h))  # in (0, 1]: no overflow for any finite h
        return np.where(h >= 0, 1 / (1 + e), e / (1 + e))

    def backward(self, h, y, out, g):
        return g * out * (1 - out), None, {}

    def forward_ball(self, h, y, prec_bits):
        return flint.arb_mat([[_sigmoid_ball(h[i, j]) for j in range(h.ncols())] for i in range(h.nrows())])
