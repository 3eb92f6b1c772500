"""An enclosure of every IEEE-754 binary64 evaluation of a network (``proofs_notes/float_enclosure.md``).

:meth:`Network.forward_ball` encloses the *exact* output; no float64 evaluation lies in that ball in general (its
width is ~1e-20, float64 rounding ~1e-16). :func:`float64_enclosure` encloses instead every output that a float64
evaluation of the layers can produce: numpy's ``Network.forward``, onnxruntime's run of ``to_onnx(network)``, or any
other evaluation within the error model below.

**Error model** (binary64, round to nearest, gradual underflow, no overflow — a bound beyond the float64 range is
refused). Every entry of an affine layer ``W h + R y + c`` is a sum of the terms ``W_ij h_j``, ``R_ij y_j``, ``c_i``
computed by *any* binary tree of float64 additions, each product rounded on its own or fused into an addition (FMA):
any summation order or blocking, ``MatMul`` then ``Add``, or ``Gemm`` with a bias. Soft-thresholding rounds one
subtraction ``|u| - t``; the ball projection computes ``w * fl(r / max(fl(sqrt(s)), r))`` with ``s`` the block's sum of
squares, a dot product in the same model, and a correctly rounded ``sqrt``; ReLU is exact. Tanh and sigmoid have no
specified accuracy: they are refused unless the caller states ``ulps={"tanh": k, "sigmoid": k}`` (the implementation
returns a value within ``k ulp(f(x))`` of ``f(x)`` for every float64 ``x``), and the result then holds *under that
hypothesis only*. Outside the model: Strassen-like products, extended-precision accumulation, scaled norms (BLAS
``dnrm2``), flush-to-zero, graph rewrites that change the arithmetic (e.g. folding a scalar into a weight matrix).

**Propagation.** Ball (box) propagation suffers from the wrapping effect: through FIRENET the boxes grow by ~1.3
per layer whatever the true sensitivity (measured: a relative radius ~10 after 121 layers, ~1e48 after 401). Two
passes avoid it. Each layer is written as ``h' = t + M (h - c) + xi`` on the set of its input states: ``t`` the exact
layer at the centre ``c`` (a ball), ``M`` a float64 matrix (the weights; 0/1 for ReLU and soft-thresholding; the
Jacobian of the projection or ``f'`` of tanh/sigmoid, enclosed over the states and rounded, the difference moved into
``xi``) and ``|xi| <= e`` (rounding bounds, from the states' magnitudes). *Forward:* the states of each layer are
enclosed in a parallelepiped ``{c + B z : |z| <= r}`` (Lohner's QR method: ``B`` from a QR factorisation of ``M B``,
``z`` bounded through a ball enclosure of ``B^-1``); its hull decides the pieces of ReLU, soft-thresholding and the
projection and gives the magnitudes (relative radius ~1e-10 after 401 FIRENET layers). *Backward:* the deviations
``d_k = h_k - c_k`` obey ``d_k = v_k + M_k d_(k-1)`` with ``|v_k| <= |t_k - c_k| + e_k``, so
``|d_L| <= sum_k |M_L ... M_(k+1)| |v_k|``: products of matrices, accumulated backwards in ball arithmetic with
``len(layers) + 64`` extra bits, no wrapping (relative radius ~1e-13 after 401 layers, the first-order worst case
of the error model). The result is that bound around ``c_L``, intersected with the forward hull.

*Certified* (given the error model): the output of every float64 evaluation within it lies in the returned balls, and
so does the exact output. Which evaluation numpy or onnxruntime performs is not checked here; their outputs lying
inside is *observed* (``tests/test_float_enclosure.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from smale18.oracle import Smale18Error, _arb
from smale18.oracle._errors import check_bounded_prec_bits, short_repr

from ._checks import exact_float64_array, exact_rational
from ._layers import Affine, BallProjection, ReLU, Sigmoid, SoftThreshold, Tanh
from ._network import Network

__all__ = ["float64_enclosure", "UNIT_ROUNDOFF", "SUBNORMAL_SPACING", "FLOAT64_MAX", "MAX_ULPS", "MAX_BASIS_WIDTH",
           "MIN_PREC_BITS", "MAX_PREC_BITS"]

#: ``u = 2^-53``: the relative error of a rounding to nearest in the normal range
UNIT_ROUNDOFF = Fraction(1, 2**53)
#: ``2^-1074``: the spacing of the subnormal numbers (a rounding into that range errs by at most half of it)
SUBNORMAL_SPACING = Fraction(1, 2**1074)
#: the largest finite float64, ``(2 - 2^-52) 2^1023``
FLOAT64_MAX = Fraction(float(np.finfo(np.float64).max))
#: largest ``k`` accepted in the ``ulps`` hypothesis
MAX_ULPS = 2**20
#: widest state given a QR basis; wider states are enclosed in plain boxes (ball propagation)
MAX_BASIS_WIDTH = 256
#: working precisions accepted: below 53 bits the balls are wider than the roundings they track; above 4096 the
#: backward pass (``prec_bits + len(layers) + 64`` bits) only costs time
MIN_PREC_BITS, MAX_PREC_BITS = 53, 4096
_HALF_ETA = SUBNORMAL_SPACING / 2
_ACTIVATIONS = {Tanh: "tanh", Sigmoid: "sigmoid"}


# ------------------------------------------------------------------------------------ arb helpers ------------------
def _ball(v: Fraction) -> flint.arb:
    return _arb.arb_from_fraction(v)


def _pm(radius: flint.arb) -> flint.arb:
    """A ball containing ``[-radius, radius]``."""
    return radius * flint.arb(0, 1)


def _col(values) -> flint.arb_mat:
    return flint.arb_mat([[v] for v in values])


def _abs_up(M: flint.arb_mat) -> flint.arb_mat:
    """Exact points ``>= |m_ij|`` for every point of every ball."""
    return flint.arb_mat([[M[i, j].abs_upper() for j in range(M.ncols())] for i in range(M.nrows())])


def _exact(M: np.ndarray) -> flint.arb_mat:
    return flint.arb_mat(np.asarray(M, dtype=float).tolist())  # float64 entries are exact


def _gamma(k: int) -> Fraction:
    """``gamma_k = k u / (1 - k u)`` exactly (``k u < 1``)."""
    return Fraction(k, 2**53 - k)


# ------------------------------------------------------------------------------------ the enclosing set -------------
@dataclass(frozen=True, eq=False)
class _Set:
    """The float states ``{c + B z : |z_j| <= r_j}``: ``c``, ``r`` exact arb columns, ``B`` a float64 matrix."""

    c: flint.arb_mat
    B: np.ndarray
    r: flint.arb_mat

    def hull(self) -> flint.arb_mat:
        spread = _exact(np.abs(self.B)) * self.r
        return _col(self.c[i, 0] + _pm(spread[i, 0]) for i in range(self.c.nrows()))


def _basis(Am: np.ndarray, r: flint.arb_mat) -> np.ndarray | None:
    """Lohner's choice: Q of the QR factorisation of ``Am`` with its columns sorted by ``|Am_j| r_j`` (largest
    first); None (a plain box) for wide states or when numpy fails."""
    rows, cols = Am.shape
    if rows > MAX_BASIS_WIDTH or not np.all(np.isfinite(Am)):
        return None
    size = np.linalg.norm(Am, axis=0) * np.array([float(r[j, 0]) for j in range(cols)])
    try:
        Q = np.linalg.qr(Am[:, np.argsort(-size, kind="stable")], mode="complete")[0]
    except np.linalg.LinAlgError:
        return None
    return Q if np.all(np.isfinite(Q)) else None


def _step(S: _Set | None, M: flint.arb_mat | None, t: flint.arb_mat, e: flint.arb_mat) -> _Set:
    """The set of ``t' + M' (h - c) + xi`` over ``h`` in ``S``, ``t'`` in ``t``, ``M'`` in ``M`` (row by row) and
    ``|xi| <= e``. With ``A = M B``, ``Am`` a float64 matrix near it and ``z`` the old coordinates,
    ``h' - c' = Am z + q`` where ``|q| <= |t - c'| + e + |A - Am| r``; with a new basis ``B'`` and an enclosure ``Binv``
    of its inverse, ``z' = Binv Am z + Binv q``, so ``|z'| <= |Binv Am| r + |Binv| |q|``."""
    width = t.nrows()
    c = t.mid()
    q = _abs_up(t - c) + e
    if S is None or M is None:  # the layer does not read the state
        return _Set(c, np.eye(width), _abs_up(q))
    A = M * _exact(S.B)
    Am = np.array([[float(A[i, j].mid()) for j in range(A.ncols())] for i in range(width)])
    q = q + _abs_up(A - _exact(Am)) * S.r
    B = _basis(Am, S.r)
    Binv = None
    if B is not None:
        try:
            Binv = _exact(B).inv()
        except ZeroDivisionError:  # not proven invertible: fall back to a box
            Binv = None
    if Binv is None:
        B, Binv = np.eye(width), flint.arb_mat(np.eye(width).tolist())
    r = _abs_up(Binv * _exact(Am)) * S.r + _abs_up(Binv) * q
    return _Set(c, B, _abs_up(r))


def _point_slopes(S: _Set | None, M: flint.arb_mat | None, e: flint.arb_mat):
    """``(M_pt, e')``: ``M_pt`` the float64 matrix nearest the midpoints of ``M`` (exact), and ``e`` increased by
    ``|M - M_pt| |h - c|`` (``|h - c| <= |B| r`` on the set), so that ``t + M(h - c) + xi = t + M_pt (h - c) + xi'``
    with ``|xi'| <= e'`` — the backward pass then multiplies point matrices only."""
    if M is None:
        return None, e
    Mf = np.array([[float(M[i, j].mid()) for j in range(M.ncols())] for i in range(M.nrows())])
    M_pt = _exact(Mf)
    gap = _abs_up(M - M_pt)
    if any(gap[i, j] != 0 for i in range(gap.nrows()) for j in range(gap.ncols())):
        e = e + gap * (_exact(np.abs(S.B)) * S.r)
    return M_pt, e


def _backward(S: _Set, steps: list) -> flint.arb_mat:
    """The deviations ``d_k = h_k - c_k`` satisfy ``d_k = v_k + M_k d_(k-1)`` (``d_1 = v_1``) with point matrices
    ``M_k`` and ``|v_k| <= |t_k - c_k| + e_k``, so ``d_L = sum_k G_k v_k`` with ``G_k = M_L ... M_(k+1)`` and
    ``|d_L| <= sum_k |G_k| (|t_k - c_k| + e_k)``, accumulated backwards: products of matrices, no wrapping. The balls
    of ``G_k`` only carry the rounding of the products, which grows like the products of ``|M_k|``; the caller
    therefore works with ``len(layers) + 64`` bits more. The result is intersected with the forward
    parallelepiped's hull (both contain every float output)."""
    width = S.c.nrows()
    G = flint.arb_mat(np.eye(width).tolist())
    total = flint.arb_mat(width, 1)
    for k in range(len(steps) - 1, -1, -1):
        M, v = steps[k]
        total += _abs_up(G) * v
        if M is None:  # this layer does not read the state: the earlier deviations do not reach the output
            break
        G = G * M
    hull = S.hull()
    out = []
    for i in range(width):
        ball = S.c[i, 0] + _pm(total[i, 0])
        if not ball.overlaps(hull[i, 0]):  # both contain the exact output: cannot happen
            raise Smale18Error(f"internal error: the two enclosures of output {i} are disjoint; please report")
        out.append(ball.intersection(hull[i, 0]))
    return _col(out)


# ------------------------------------------------------------------------------------ the layers ------------------
def _weights(M, where: str, name: str) -> np.ndarray | None:
    """A dense real weight array whose entries are float64 numbers (computed in float64 by numpy and onnxruntime)."""
    if M is None:
        return None
    if not isinstance(M, np.ndarray):
        raise Smale18Error(f"{where}: {name} is a {type(M).__name__} (an operator layer); the float64 enclosure needs "
                           f"dense weights")
    if np.iscomplexobj(M):
        raise Smale18Error(f"{where}: {name} is complex; the float64 enclosure is for real networks")
    if M.dtype.kind not in "fiu" or (M.dtype.kind == "f" and M.dtype.itemsize > 8):
        raise Smale18Error(f"{where}: {name} has dtype {M.dtype}; the float64 enclosure needs float64 weights")
    return exact_float64_array(M, f"{where}: {name}")


def _dense(M, where: str, name: str, cache: dict):
    """``(M exactly, |M| exactly, nonzeros per row)`` as arb data, cached by the array's identity (FIRENET shares its
    V_a between layers; the cache keeps the array alive, so an id is never reused)."""
    if M is None:
        return None
    hit = cache.get(id(M))
    if hit is None or hit[0] is not M:
        D = _weights(M, where, name)
        hit = cache[id(M)] = (M, (_exact(D), _exact(np.abs(D)), np.count_nonzero(D, axis=1)))
    return hit[1]


def _affine(layer: Affine, S: _Set | None, Y, yabs, where: str, prec_bits: int, cache: dict):
    """``t = W c + R y + c0`` (``forward_ball`` at the centre), ``M = W``; row ``i`` of the float sum errs by at most
    ``gamma_k sum_j |terms| + p 2^-1074``, ``p`` the row's nonzero weights, ``k = p + [c0_i != 0]`` its nonzero terms
    (Lemma 1 of the notes; ``p = 0``: the sum is exact)."""
    if layer.W is not None and (S is None or layer.W.shape[1] != S.c.nrows()):
        raise Smale18Error(f"{where}: W does not fit the state")
    W, R = _dense(layer.W, where, "W", cache), _dense(layer.R, where, "R", cache)
    c0 = _weights(layer.c, where, "c")
    t = layer.forward_ball(None if S is None else S.c, Y, prec_bits)
    width = t.nrows()
    products = np.zeros(width, dtype=np.int64)  # nonzero weights of each row: the products that may round
    total = flint.arb_mat(width, 1)  # sum_j |W_ij| |h_j| + |R_ij| |y_j| + |c0_i|, bounded above
    if W is not None:
        total += W[1] * _abs_up(S.hull())
        products += W[2]
    if R is not None:
        total += R[1] * yabs
        products += R[2]
    if c0 is not None:
        total += _col(abs(float(v)) for v in c0)
    e = flint.arb_mat(width, 1)
    for i in range(width):
        p = int(products[i])
        k = p + int(c0 is not None and c0[i] != 0)  # nonzero terms
        roundings = k if p else 0  # a path meets at most k - 1 additions and its own product; c0_i alone: exact
        if roundings:
            g, eta = _ball(_gamma(roundings)), _ball(p * SUBNORMAL_SPACING)
            _check_range((1 + g) * total[i, 0] + eta, where, f"the partial sums of row {i}")
            e[i, 0] = g * total[i, 0] + eta
    return (None if W is None else W[0]), t, e


def _check_range(bound: flint.arb, where: str, what: str) -> None:
    if not bound.is_finite() or _arb.upper_fraction(bound) > FLOAT64_MAX:
        raise Smale18Error(f"{where}: a bound on {what} exceeds the float64 range; the float64 enclosure cannot be "
                           f"claimed (an evaluation may overflow)")


def _piecewise(S: _Set, thresholds, relu: bool):
    """Soft-thresholding (``t_i >= 0``) or ReLU as ``t + M (h - c)`` over the hull, coordinate by coordinate: on a
    piece of slope 1 (``h > t_i``: ``h - t_i``; ``h < -t_i``: ``h + t_i``; ReLU ``h > 0``: ``h``) the slope is 1; on
    the flat piece 0; a hull across a kink gets slope 0 and the hull's image (a monotone map: its endpoints). The
    float result is ``S_t(h) (1 + delta)``, ``|delta| <= u``: one rounded subtraction, none where ``t_i = 0``."""
    hull = S.hull()
    width = hull.nrows()
    slopes, t, e = [0] * width, [flint.arb(0)] * width, [flint.arb(0)] * width
    u = _ball(UNIT_ROUNDOFF)
    for i in range(width):
        lo, hi = _arb.lower_fraction(hull[i, 0]), _arb.upper_fraction(hull[i, 0])
        c = S.c[i, 0]
        th = Fraction(0) if relu else Fraction(float(thresholds[i]))
        if relu and lo >= 0 or not relu and th == 0:  # the identity on the hull
            slopes[i], t[i] = 1, c
        elif relu and hi <= 0 or not relu and -th <= lo and hi <= th:  # the flat piece: exactly 0, in float too
            continue
        elif not relu and lo >= th:
            slopes[i], t[i] = 1, c - _ball(th)
        elif not relu and hi <= -th:
            slopes[i], t[i] = 1, c + _ball(th)
        else:  # across a kink: the image of the hull
            f = (lambda v: max(v, Fraction(0))) if relu else (
                lambda v: v - th if v > th else (v + th if v < -th else Fraction(0)))
            t[i] = _arb.ball_from_bounds(f(lo), f(hi))
        if th > 0:
            e[i] = u * (t[i] + slopes[i] * (hull[i, 0] - c)).abs_upper()
    M = flint.arb_mat([[slopes[i] if j == i else 0 for j in range(width)] for i in range(width)])
    return M, _col(t), _col(e)


def _projection(layer: BallProjection, S: _Set, where: str, prec_bits: int):
    """``P(w) = w r / max(||w||, r)`` on the block as ``t + M (h - c)``: the identity where the hull lies in the ball;
    ``P(w_c) + J(hull) (w - w_c)`` (mean value theorem, ``J(w) = (r/|w|)(I - w w^T/|w|^2)``) where it lies outside;
    the hull's image (``forward_ball``) across the sphere. Rounding: Lemma 3 of the notes."""
    hull = S.hull()
    width = hull.nrows()
    a, b, r = layer.start, layer.stop, layer.radius
    if not (isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer)) and 0 <= a < b <= width):
        raise Smale18Error(f"{where}: block {short_repr(a)}:{short_repr(b)} is not a non-empty block of 0:{width}")
    if isinstance(r, (bool, np.bool_)) or not isinstance(r, (int, float, np.integer, np.floating)) \
            or not np.isfinite(r) or r <= 0 or Fraction(float(r)) != Fraction(r):
        raise Smale18Error(f"{where}: radius={short_repr(r)} must be a positive float64 number")
    a, b, r = int(a), int(b), Fraction(float(r))
    k = b - a
    lo2, hi2 = _arb.norm2_bounds([hull[i, 0] for i in range(a, b)])  # ||w||^2 over the hull
    n_lo, n_hi = _arb.sqrt_bounds(lo2, hi2, prec_bits)
    computed_hi, rho = _norm_rounding(k, r, hi2, where, prec_bits)
    M = flint.arb_mat(np.eye(width).tolist())
    t = flint.arb_mat(S.c)
    if n_lo > r:  # outside the ball on the whole hull: smooth there
        rb = _ball(r)
        wc = [S.c[i, 0] for i in range(a, b)]
        nc = sum((v * v for v in wc), flint.arb(0)).sqrt()
        hb = [hull[i, 0] for i in range(a, b)]
        nh2 = _arb.ball_from_bounds(lo2, hi2)
        scale = rb / nh2.sqrt()
        for i in range(k):
            t[a + i, 0] = wc[i] * rb / nc
            for j in range(k):
                M[a + i, a + j] = scale * ((1 if i == j else 0) - hb[i] * hb[j] / nh2)
    elif n_hi > r:  # across the sphere: the hull's image, no slope
        image = layer.forward_ball(hull, None, prec_bits)
        for i in range(a, b):
            t[i, 0] = image[i, 0]
            M[i, i] = 0
    e = flint.arb_mat(width, 1)
    if n_hi > r or computed_hi > r:  # otherwise max(n, r) = r, r / r = 1 and w * 1 = w: exact
        rel, eta = _ball(rho + UNIT_ROUNDOFF + _HALF_ETA), _ball(_HALF_ETA)
        for i in range(a, b):
            e[i, 0] = rel * hull[i, 0].abs_upper() + eta
    return M, t, e


def _norm_rounding(k: int, r: Fraction, hi2: Fraction, where: str, prec_bits: int) -> tuple[Fraction, Fraction]:
    """``(n_hat upper bound, rho)`` with ``|fl(r / max(n_hat, r)) - r / max(|w|, r)| <= rho + 2^-1075`` for a block of
    ``k`` entries with ``|w|^2 <= hi2``: ``|n_hat - |w|| <= eps1 |w| + eps2`` (Lemma 3 of the notes)."""
    g, eta = _gamma(k), k * SUBNORMAL_SPACING
    if hi2 * (1 + g) + eta > FLOAT64_MAX:
        raise Smale18Error(f"{where}: a bound on the squared norm exceeds the float64 range; the float64 enclosure "
                           f"cannot be claimed (an evaluation may overflow)")
    u = UNIT_ROUNDOFF
    up_plus = _arb.sqrt_bounds(1 + g, 1 + g, prec_bits)[1]
    low_minus = _arb.sqrt_bounds(1 - g, 1 - g, prec_bits)[0]
    root_eta = _arb.sqrt_bounds(eta, eta, prec_bits)[1]
    eps1 = max((1 + u) * up_plus - 1, 1 - (1 - u) * low_minus)
    eps2 = (1 + u) * root_eta
    computed_hi = (1 + u) * (up_plus * _arb.sqrt_bounds(hi2, hi2, prec_bits)[1] + root_eta)
    eps3 = eps1 + eps2 / r
    rho = (u + eps3) / (1 - eps3) if eps3 < Fraction(1, 2) else Fraction(1)  # both quotients lie in [0, 1]
    return computed_hi, min(rho, Fraction(1))


def _activation(layer, S: _Set, where: str, prec_bits: int, ulps: dict):
    """Tanh/Sigmoid: ``f(h) = f(c) + f'(xi) (h - c)`` with ``f'`` enclosed over the hull (``1 - tanh^2``,
    ``s (1 - s)``); the caller's hypothesis bounds the float error by ``k ulp(f(h)) <= k (2^-52 |f(h)| + 2^-1074)``."""
    name = _ACTIVATIONS[type(layer)]
    if name not in ulps:
        raise Smale18Error(f"{where}: float64 {name} has no specified accuracy (libm, onnxruntime); the enclosure "
                           f"cannot be claimed without the hypothesis ulps={{'{name}': k}}")
    hull = S.hull()
    image = layer.forward_ball(hull, None, prec_bits)
    slope = [1 - v * v for v in (image[i, 0] for i in range(image.nrows()))] if name == "tanh" else \
        [v * (1 - v) for v in (image[i, 0] for i in range(image.nrows()))]
    width = hull.nrows()
    M = flint.arb_mat([[slope[i] if j == i else 0 for j in range(width)] for i in range(width)])
    t = layer.forward_ball(S.c, None, prec_bits)
    k = ulps[name]
    rel, eta = _ball(k * Fraction(1, 2**52)), _ball(k * SUBNORMAL_SPACING)
    e = _col(rel * image[i, 0].abs_upper() + eta for i in range(width))
    return M, t, e


# ------------------------------------------------------------------------------------ the entry point --------------
def _check_ulps(ulps) -> dict:
    if ulps is None:
        return {}
    if not isinstance(ulps, dict):
        raise Smale18Error(f"ulps={short_repr(ulps)} must be a dict like {{'tanh': 4, 'sigmoid': 4}}")
    out = {}
    for key, value in ulps.items():
        if key not in ("tanh", "sigmoid"):
            raise Smale18Error(f"ulps: unknown key {short_repr(key)} (only 'tanh' and 'sigmoid')")
        k = exact_rational(value, f"ulps[{key!r}]")
        if not 0 <= k <= MAX_ULPS:
            raise Smale18Error(f"ulps[{key!r}]={short_repr(value)} must be a number of ulps in [0, {MAX_ULPS}]")
        out[key] = k
    return out


def _input(network: Network, y) -> np.ndarray:
    if isinstance(y, (list, tuple)):
        y = np.asarray(y)
    if not isinstance(y, np.ndarray):
        raise Smale18Error(f"y must be a numpy vector of {network.m} float64 numbers, got {type(y).__name__}")
    if y.shape != (network.m,):
        raise Smale18Error(f"y has shape {y.shape}; expected ({network.m},)")
    if np.iscomplexobj(y):
        raise Smale18Error("y is complex; the float64 enclosure is for real networks")
    if y.dtype.kind not in "fiu" or (y.dtype.kind == "f" and y.dtype.itemsize > 8):
        raise Smale18Error(f"y has dtype {y.dtype}; the float64 enclosure needs float64 numbers")
    return exact_float64_array(y, "y")  # finite, and exactly the float64 numbers the evaluation reads


def float64_enclosure(network: Network, y, prec_bits: int = 128, ulps: dict | None = None) -> flint.arb_mat:
    """Balls (an ``N x 1`` python-flint ``arb_mat``) that contain the output of *every* float64 evaluation of
    ``network`` at the float64 input ``y`` within the error model of the module docstring — any summation order, with
    or without FMA, any blocking of the matrix products — and the exact output. So numpy's ``network.forward(y)``
    and onnxruntime's run of ``to_onnx(network)`` lie inside (they do not lie in :meth:`Network.forward_ball`, which
    encloses the exact value only).

    Certified given the error model (``proofs_notes/float_enclosure.md``): by induction over the layers, every float
    state lies in the enclosing set. Layers: dense real ``Affine``, ``SoftThreshold``, ``BallProjection``, ``ReLU``;
    ``Tanh`` and ``Sigmoid`` only with ``ulps={"tanh": k, "sigmoid": k}``, the hypothesis that the implementation errs
    by at most ``k`` ulps, and the result then holds under that hypothesis only. Refused with a Smale18Error:
    operator or complex layers, other layer types, a non-finite, complex or long-double ``y``, and any bound beyond
    the float64 range (an evaluation could overflow). ``prec_bits`` (53..4096): the working precision of the balls;
    the result does not depend on it beyond ~2^-prec_bits relative.

    >>> import numpy as np
    >>> from smale18.oracle import _arb
    >>> from smale18.verify.nets import Affine, Network, ReLU
    >>> net = Network(2, (Affine(R=np.array([[0.1, 0.2], [0.3, -0.7]]), c=np.array([0.3, 0.0])), ReLU()))
    >>> y = np.array([1.0, 1.0])
    >>> balls, value = float64_enclosure(net, y), net.forward(y)
    >>> all(_arb.lower_fraction(balls[i, 0]) <= value[i] <= _arb.upper_fraction(balls[i, 0]) for i in range(2))
    True
    >>> exact = net.forward_ball(y)   # 0.1 + 0.2 + 0.3 is 0.6000000000000001 in float64, not the exact sum
    >>> _arb.lower_fraction(exact[0, 0]) <= value[0] <= _arb.upper_fraction(exact[0, 0])
    False
    """
    if not isinstance(network, Network):
        raise Smale18Error(f"network must be a smale18.verify.nets.Network, got {type(network).__name__}")
    prec_bits = check_bounded_prec_bits(prec_bits, hi=MAX_PREC_BITS)
    if prec_bits < MIN_PREC_BITS:
        raise Smale18Error(f"prec_bits={prec_bits} must be at least {MIN_PREC_BITS} (narrower balls are wider than "
                           f"the float64 roundings they track)")
    ulps = _check_ulps(ulps)
    y = _input(network, y)
    cache: dict = {}
    with flint.ctx.workprec(prec_bits):
        Y, yabs = _col(float(v) for v in y), _col(abs(float(v)) for v in y)  # exact
        S, steps = None, []
        for i, layer in enumerate(network.layers):
            where = f"layers[{i}] ({type(layer).__name__})"
            kind = type(layer)  # exact types: a subclass may compute something else
            if kind is Affine:
                M, t, e = _affine(layer, S, Y, yabs, where, prec_bits, cache)
            elif S is None:
                raise Smale18Error(f"{where}: the first layer must be Affine")
            elif kind is SoftThreshold:
                if layer.thresholds.shape != (S.c.nrows(),):
                    raise Smale18Error(f"{where}: {layer.thresholds.size} thresholds for a state of width "
                                       f"{S.c.nrows()}")
                M, t, e = _piecewise(S, layer.thresholds, relu=False)
            elif kind is ReLU:
                M, t, e = _piecewise(S, None, relu=True)
            elif kind is BallProjection:
                M, t, e = _projection(layer, S, where, prec_bits)
            elif kind in _ACTIVATIONS:
                M, t, e = _activation(layer, S, where, prec_bits, ulps)
            else:
                raise Smale18Error(f"{where}: no float64 error model for layers of type {kind.__name__}")
            M_pt, e = _point_slopes(S, M, e)
            S = _step(S, M_pt, t, e)
            steps.append((M_pt, _abs_up(t - S.c) + e))
    with flint.ctx.workprec(prec_bits + 64 + len(network.layers)):  # see _backward
        out = _backward(S, steps)
        if not all(out[i, 0].is_finite() for i in range(out.nrows())):
            raise Smale18Error("the enclosure is not finite; it cannot be claimed")
        return out
