"""Rigorous bounds at floating-point speed: float64 matrix products with a priori rounding-error bounds.

Shared by :func:`smale18.verify.balls.operator_norm_upper` (``method="float"``: a certified ``||A||_2`` from a float
Gram matrix and a floating-point Cholesky factor) and by the float path of the rNSP certificate check
(``smale18.verify.rnsp._bounds_from_witness``: ``B = I - Y^T A`` from one float product). Statements and proofs:
``proofs_notes/float_norm.md``. Every function here returns an exact :class:`fractions.Fraction` bound, or ``None``
when the float computation cannot prove one (the caller then falls back to ball arithmetic); no float is ever
returned as a bound.

Hypothesis (H) of every theorem used here: IEEE 754 binary64 arithmetic, rounding to nearest, gradual underflow (no
flush-to-zero, no denormals-are-zero), and each entry of a numpy matrix product or sum computed as the products
(rounded or fused into an addition) summed in some order -- what BLAS ``gemm``/``syrk`` and numpy's reductions do;
not a Strassen-like product. :func:`arithmetic_is_ieee_nearest` tests the rounding mode and gradual underflow at run
time, in numpy's ufuncs and in BLAS, before each use.
"""

from __future__ import annotations

import math
from fractions import Fraction

import flint
import numpy as np

#: unit roundoff of binary64, ``u = 2^-53``
U = Fraction(1, 2**53)
#: half the smallest subnormal, ``eta = 2^-1075``: the absolute error of a product or fused multiply-add whose
#: result lies in the subnormal range
ETA = Fraction(1, 2**1075)
#: largest number of terms of a dot product the bounds accept (``k u < 1/2`` with a wide margin)
MAX_TERMS = 1 << 40


def gamma(k: int) -> Fraction:
    """``gamma_k = k u / (1 - k u)`` exactly (Higham's constant: ``|prod_{i<=k} (1 + d_i)^(+-1) - 1| <= gamma_k``
    for ``|d_i| <= u``)."""
    assert 0 <= k <= MAX_TERMS
    return k * U / (1 - k * U)


def arithmetic_is_ieee_nearest() -> bool:
    """True if numpy's float64 ufuncs and its BLAS round to nearest and keep subnormals (hypothesis (H)).

    Every tested result is exact or a rounding that directed modes or flush-to-zero would change:
    ``1 + 2^-53 (1 +- 2^-20)`` rounds up/down, ``-1 - 2^-53 (1 + 2^-20)`` rounds away from zero, ``2^-1022 / 2`` and
    BLAS products of ``2^-537`` (each ``2^-1074``) must be the subnormals they are."""
    one = np.ones(64)
    tie = 2.0**-53
    with np.errstate(all="ignore"):
        ok = bool(np.all(one + tie * (1 + 2.0**-20) == 1 + 2.0**-52)
                  and np.all(one + tie * (1 - 2.0**-20) == 1.0)
                  and np.all(-one - tie * (1 + 2.0**-20) == -(1 + 2.0**-52))
                  and np.all(one * 2.0**-1022 * 0.5 == 2.0**-1023)
                  and np.all((one * 2.0**-1074) + 0.0 > 0.0))
        small = np.full((8, 64), 2.0**-537)
        gram = small @ small.T  # 64 products 2^-1074 each, summed exactly: 2^-1068
        dot = float(np.dot(small[0], small[1]))
    return ok and dot == 2.0**-1068 and bool(np.all(gram == 2.0**-1068))


def exact_sum(values) -> Fraction:
    """The exact sum of finite floats, as a Fraction (integer arithmetic on ``float.as_integer_ratio``)."""
    pairs = [float(v).as_integer_ratio() for v in np.asarray(values, dtype=float).reshape(-1).tolist()]
    if not pairs:
        return Fraction(0)
    den = max(d for _, d in pairs)  # every denominator is a power of two dividing the largest
    return Fraction(sum(n * (den // d) for n, d in pairs), den)


def float_at_least(x: Fraction) -> float:
    """A float ``f >= x`` (finite ``x`` within the float range), at most two ulps above."""
    f = float(x)
    if Fraction(f) < x:
        f = math.nextafter(f, math.inf)
    return f


def float_at_most(x: Fraction) -> float:
    """A float ``f <= x``, at most two ulps below."""
    f = float(x)
    if Fraction(f) > x:
        f = math.nextafter(f, -math.inf)
    return f


def sqrt_upper(x: Fraction, bits: int = 64) -> Fraction:
    """A dyadic ``r >= sqrt(x)`` with about ``bits`` significant bits (integer square root, exact)."""
    x = Fraction(x)
    assert x >= 0
    if x == 0:
        return Fraction(0)
    t = bits - (x.numerator.bit_length() - x.denominator.bit_length()) // 2
    scaled = x * Fraction(4) ** t  # sqrt(x) 2^t = sqrt(scaled)
    n = -((-scaled.numerator) // scaled.denominator)  # ceil(scaled)
    r = math.isqrt(n)
    if r * r < n:
        r += 1
    return Fraction(r) / Fraction(2) ** t


def round_up(x: Fraction, bits: int = 64) -> Fraction:
    """A dyadic ``r >= x`` with ``bits`` significant bits (``x`` itself if it has no more)."""
    x = Fraction(x)
    if x <= 0:
        return x if x == 0 else -round_down(-x, bits)
    t = bits - (x.numerator.bit_length() - x.denominator.bit_length())
    scaled = x * Fraction(2) ** t
    return Fraction(-((-scaled.numerator) // scaled.denominator)) / Fraction(2) ** t


def round_down(x: Fraction, bits: int = 64) -> Fraction:
    """A dyadic ``r <= x`` with ``bits`` significant bits."""
    x = Fraction(x)
    if x <= 0:
        return x if x == 0 else -round_up(-x, bits)
    t = bits - (x.numerator.bit_length() - x.denominator.bit_length())
    scaled = x * Fraction(2) ** t
    return Fraction(scaled.numerator // scaled.denominator) / Fraction(2) ** t


# -- the spectral norm (proofs_notes/float_norm.md, Theorems 1 and 2) ----------------------------------------------
def real_float64(A: np.ndarray) -> np.ndarray | None:
    """``A`` (finite real or complex numeric array) as a real float64 matrix with the same singular values (each twice
    for a complex ``A``: ``[[Re, -Im], [Im, Re]]``), read exactly; None if float64 cannot hold an entry exactly
    (integers beyond ``2^53``, or long doubles)."""
    if A.dtype.kind in "iu":
        if A.size and (int(A.min()) < -(2**53) or int(A.max()) > 2**53):
            return None
        return A.astype(np.float64)
    if A.dtype.kind == "c":
        if A.dtype.itemsize > 16:
            return None
        A = A.astype(np.complex128)
        return np.block([[A.real, -A.imag], [A.imag, A.real]])
    if A.dtype.kind != "f" or A.dtype.itemsize > 8:
        return None
    return A.astype(np.float64)


def _times_power_of_two(X: np.ndarray, p: int) -> np.ndarray:
    """``fl(X 2^p)``: one rounding (exact unless the result is subnormal); ``p`` in ``[-1074, 2046]``."""
    if p > 1023:  # 2^p overflows: two exact steps (the caller's results stay below 1)
        return (X * 2.0**1023) * 2.0 ** (p - 1023)
    return X * 2.0**p


def lanczos_max(G: np.ndarray, max_steps: int = 160, rel_tol: float = 1e-15, check_every: int = 8) -> float | None:
    """An estimate of the largest eigenvalue of the symmetric ``G`` (observed, not a bound): Lanczos with full
    reorthogonalisation from a fixed pseudo-random start, stopped (tested every ``check_every`` steps) when the Ritz
    value's residual bound ``|beta_k s_k|`` is below ``rel_tol`` times it; None if it did not converge or met an
    invariant subspace (the caller then uses a full eigensolver)."""
    m = G.shape[0]
    steps = min(max_steps, m)
    Q = np.empty((steps, m))
    q = np.random.default_rng(0).standard_normal(m)
    Q[0] = q / np.linalg.norm(q)
    alphas, betas = np.zeros(steps), np.zeros(steps)
    for k in range(steps):
        w = G @ Q[k]
        alphas[k] = Q[k] @ w
        w -= Q[: k + 1].T @ (Q[: k + 1] @ w)  # full reorthogonalisation, twice
        w -= Q[: k + 1].T @ (Q[: k + 1] @ w)
        betas[k] = np.linalg.norm(w)
        if (k + 1) % check_every == 0 or betas[k] == 0.0 or k + 1 == steps:
            T = np.diag(alphas[: k + 1]) + np.diag(betas[:k], 1) + np.diag(betas[:k], -1)
            theta, vecs = np.linalg.eigh(T)
            if not np.isfinite(theta[-1]):
                return None
            if k >= 4 and abs(betas[k] * vecs[-1, -1]) <= rel_tol * abs(theta[-1]):
                return float(theta[-1])
        if betas[k] == 0.0 or k + 1 == steps:
            return None
        Q[k + 1] = w / betas[k]
    return None


class _Gram:
    """The float Gram matrix of ``A 2^-k`` (the smaller side) and the exact terms that do not depend on ``mu``."""

    def __init__(self, A: np.ndarray):
        X = A if A.shape[0] <= A.shape[1] else A.T
        self.m, self.n = X.shape
        amax = float(np.max(np.abs(X)))
        self.k = math.frexp(amax)[1]  # amax = f 2^k, 1/2 <= f < 1
        self.X = _times_power_of_two(X, -self.k)
        # rounding of the scaling (only in the subnormal range): ||A 2^-k - X||_F <= sqrt(mn) eta
        exact = self.k <= 0 or bool(np.array_equal(np.ldexp(self.X, self.k), X))
        self.scale_error = Fraction(0) if exact else sqrt_upper(self.m * self.n * ETA * ETA)
        self.G = self.X @ self.X.T
        # tr(G) <= (sum_i fl(G_ii) + 2 m n eta) / (1 - gamma_n); ||fl(G) - G||_2 <= gamma_n tr(G) + 2 m n eta
        self.trace_float = float(np.trace(self.G))
        self.trace_upper = (exact_sum(np.diag(self.G)) + 2 * self.m * self.n * ETA) / (1 - gamma(self.n))
        self.gram_error = gamma(self.n) * self.trace_upper + 2 * self.m * self.n * ETA

    def finite(self) -> bool:
        return bool(np.all(np.isfinite(self.G)))

    def estimates(self):
        """Estimates of ``lambda_max(fl(G))``, cheapest first: Lanczos (:func:`lanczos_max`, above 400 rows: below, a
        full symmetric eigensolver is as fast), then a full symmetric eigensolver. Observed values, used only to choose
        ``mu``, never as a bound."""
        if self.m > 400:
            value = lanczos_max(self.G)
            if value is not None:
                yield value
        yield float(np.linalg.eigvalsh(self.G)[-1])

    def default_shift(self, lam: float) -> float:
        """The first shift ``mu - lam`` tried above an estimate ``lam``: a quarter of the predicted error term (it
        then adds 25% to the bound's excess), at least ``64 m u lam`` (so that the Cholesky factorisation succeeds)."""
        return max(self.predicted_error(lam) / 4, 64 * self.m * 2.0**-53 * lam)

    def predicted_error(self, mu: float) -> float:
        """A float estimate of the exact error term of :meth:`upper_given_mu` (for choosing ``mu``)."""
        u = 2.0**-53
        return u * (self.m * max(self.m * mu - self.trace_float, 0.0) + self.n * self.trace_float) + self.m * 8 * u * mu

    def upper_given_mu(self, mu: float) -> Fraction | None:
        """An exact ``Lambda >= lambda_max(G)`` from a Cholesky factor of ``fl(mu I - fl(G))`` (Theorem 1), or None if
        the factorisation fails or a float is not finite."""
        m = self.m
        S = -self.G
        S[np.diag_indices(m)] = mu - np.diag(self.G)
        try:
            L = np.linalg.cholesky(S)  # S = L L^T = R^T R with R = L^T (only the lower triangle of S is read)
        except np.linalg.LinAlgError:
            return None
        P = L @ L.T
        D = P - S
        if not (np.all(np.isfinite(L)) and np.all(np.isfinite(D))):
            return None
        col_norms2 = (exact_sum(np.diag(P)) + 2 * m * m * ETA) / (1 - gamma(m))  # sum_j ||R e_j||^2
        d_max = Fraction(float(np.max(np.abs(D))))
        s_max = Fraction(float(np.max(np.abs(np.diag(S)))))
        error = (gamma(m) * col_norms2 + 2 * m * m * ETA      # ||R^T R - fl(R^T R)||_2
                 + m * d_max / (1 - U)                        # ||fl(R^T R) - S_float||_2
                 + self.gram_error + U * s_max / (1 - U))     # ||S_float - (mu I - G)||_2
        return Fraction(mu) + error

    def norm_upper(self, lam2: Fraction) -> Fraction:
        """``||A||_2 <= 2^k (sqrt(lam2) + scale_error)`` for ``lam2 >= lambda_max(G)``, rounded up to 64 bits."""
        lam2 = min(lam2, self.trace_upper)  # lambda_max(G) <= tr(G) as well
        # the factor 1 + 2^-44 (5.7e-14) lets norm_at_most re-prove this bound when it is recomputed with rounding
        # differences (another BLAS thread count): see norm_at_most's second candidate mu
        return round_up((sqrt_upper(lam2, 80) + self.scale_error) * (1 + Fraction(1, 2**44)) * Fraction(2) ** self.k,
                        64)


def _usable(A: np.ndarray) -> bool:
    return A.ndim == 2 and A.size > 0 and A.dtype == np.float64 and bool(np.all(np.isfinite(A)))


def norm_upper(A: np.ndarray, attempts: int = 4) -> Fraction | None:
    """A certified ``L >= ||A||_2`` of the real float64 matrix ``A`` (Theorem 2 of ``proofs_notes/float_norm.md``),
    or None if the float proof does not go through (non-finite floats, a Cholesky factorisation failing ``attempts``
    times with growing shifts, or hypothesis (H) failing its run-time test).

    >>> bound = norm_upper(np.array([[3.0, 0.0], [0.0, 4.0]]))
    >>> 4 <= bound < 4 * (1 + Fraction(1, 10**12))
    True
    """
    assert _usable(A)
    if not np.any(A):
        return Fraction(0)
    if not arithmetic_is_ieee_nearest():
        return None
    gram = _Gram(A)
    if not gram.finite():
        return None
    for lam in gram.estimates():
        shift = gram.default_shift(lam)
        for _ in range(attempts):
            bound2 = gram.upper_given_mu(lam + shift)
            if bound2 is not None:
                return gram.norm_upper(bound2)
            shift *= 16
    return None


def norm_at_most(A: np.ndarray, L: Fraction) -> bool | None:
    """Decide ``||A||_2 <= L`` for a real float64 matrix: True if proven (Theorem 1 with ``mu`` chosen below ``L^2``),
    False if the float estimate exceeds ``L^2`` by a factor ``1 + 2^-20`` (then ``||A||_2 > L`` -- no method can
    prove the bound; see the note), None if undecided (the caller falls back to ball arithmetic)."""
    assert _usable(A)
    L = Fraction(L)
    if L < 0:
        return False
    if not np.any(A):
        return True
    if L == 0 or not arithmetic_is_ieee_nearest():
        return None
    gram = _Gram(A)
    if not gram.finite():
        return None
    scaled = L * Fraction(2) ** -gram.k
    target = scaled - gram.scale_error  # ||A 2^-k - X||_2 <= scale_error, so ||X||_2 <= target suffices
    if target <= 0:
        return None
    target2 = target * target
    if gram.trace_upper <= target2:  # ||X||_2^2 <= ||X||_F^2 = tr(G)
        return True
    lam = next(gram.estimates())
    if Fraction(lam) > scaled * scaled * (1 + Fraction(1, 2**20)):
        return False  # observed: far beyond every rounding error, ||A||_2 > L
    t2 = float_at_most(target2)
    # mu well below L^2 (for a given L with room to spare), then norm_upper's own choice (re-proves its results)
    for mu in (float_at_most(Fraction(t2) - Fraction(2 * gram.predicted_error(t2))), lam + gram.default_shift(lam)):
        if mu > lam:
            bound2 = gram.upper_given_mu(mu)
            if bound2 is not None and bound2 <= target2:
                return True
    return None


# -- B = I - Y^T A (proofs_notes/float_norm.md, Theorem 3) ---------------------------------------------------------
#: the exact factor of :func:`residual_upper`: ``|B_ij| <= RESIDUAL_FACTOR * U_ij``
RESIDUAL_FACTOR = 1 / (1 - U) ** 3


def residual_upper(Y: np.ndarray, A_hat: np.ndarray, rel: Fraction = Fraction(0), radius: Fraction = Fraction(0),
                   worth=None) -> np.ndarray | None:
    """Float64 ``U`` (N x N) with ``|(I - Y^T A)_ij| <= RESIDUAL_FACTOR * U_ij`` for every real ``A`` with
    ``|A - A_hat| <= rel |A_hat| + radius`` entrywise (Theorem 3), or None if a float is not finite or hypothesis (H)
    fails its run-time test. ``Y``, ``A_hat``: finite float64 m x N.

    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> U_mat = residual_upper(np.linalg.inv(A).T, A)   # B = I - (A^-1) A = 0 up to rounding
    >>> bool(np.all(U_mat < 1e-14))
    True

    Every entry gets the uniform bound (a), ``fl(|fl(B)_ij| + delta)`` with ``delta`` from the largest column norms
    of ``Y`` and ``A_hat`` (Cauchy-Schwarz); ``U`` is the smaller of it and the entry's own bound (b) from
    ``fl(|Y|^T |A_hat|)_ij`` for the entries ``worth(|fl(B)|, U)`` selects (a boolean mask; None selects all): one
    by one, or by the whole second product when more than ``4 N`` are selected. A statistic of U that only depends
    on its largest entries (column maxima, sums of the largest squares) then equals that of the full computation if
    ``worth`` selects every entry whose uniform bound exceeds the statistic's threshold on ``|fl(B)|``."""
    m, N = Y.shape
    if not arithmetic_is_ieee_nearest():
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        P = Y.T @ A_hat
        absY = np.abs(Y)
        col_abs = absY.sum(axis=0)  # t_i = sum_k |Y_ki|
        nY, nA = np.einsum("ij,ij->j", Y, Y), np.einsum("ij,ij->j", A_hat, A_hat)
        if not all(np.all(np.isfinite(v)) for v in (P, col_abs, nY, nA)):
            return None
        B = -P
        B[np.diag_indices(N)] = 1.0 - np.diag(P)
        absB = np.abs(B)
        side = radius * Fraction(float(np.max(col_abs))) / (1 - gamma(m)) if radius else Fraction(0)  # r t_i
        # (a) S_ij <= ||Y e_i|| ||A_hat e_j|| <= s_max (Lemma 1 on the column sums of squares)
        y2 = (Fraction(float(np.max(nY))) + 2 * m * ETA) / (1 - gamma(m))
        a2 = (Fraction(float(np.max(nA))) + 2 * m * ETA) / (1 - gamma(m))
        delta = (gamma(m) + rel) * sqrt_upper(y2 * a2) + 2 * m * ETA + side
        if delta > Fraction(2.0**1000):
            return None
        out = absB + float_at_least(delta)
        # (b) the entry's own product: S_ij <= (fl(S)_ij + 2 m eta) / (1 - gamma_m)
        c = (gamma(m) + rel) / (1 - gamma(m))
        tau = 2 * m * ETA * (1 + c) + ETA + side
        c_f, tau_f = float_at_least(c), float_at_least(tau)
        mask = None if worth is None else worth(absB, out)
        count = N * N if mask is None else int(np.count_nonzero(mask))
        if mask is None or count > 4 * N:
            S = absY.T @ np.abs(A_hat)
            own = (absB + c_f * S) + tau_f
            np.minimum(out, own, out=out)
        elif count:
            rows, cols = np.nonzero(mask)
            S = np.einsum("ki,ki->i", absY[:, rows], np.abs(A_hat[:, cols]))
            own = (absB[rows, cols] + c_f * S) + tau_f
            out[rows, cols] = np.minimum(out[rows, cols], own)
        if not np.all(np.isfinite(out)):
            return None
    return out


def column_norms2_upper(Y: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Floats ``n_j = fl(sum_i Y_ij^2)`` and ``k = m``: ``||Y e_j||_2^2 <= (n_j + 2 k eta) / (1 - gamma_k)`` (Lemma 1);
    None if not finite."""
    with np.errstate(over="ignore"):
        n = np.einsum("ij,ij->j", Y, Y)
    if not np.all(np.isfinite(n)):
        return None
    return n, Y.shape[0]


def sum_of_squares_upper(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, int] | None:
    """Floats ``t = fl(sum values^2)`` along ``axis`` and the number of terms ``k``: the exact sum of squares is at
    most ``(t + 2 k eta) / (1 - gamma_k)`` (Lemma 1); None if not finite."""
    with np.errstate(over="ignore"):
        t = np.sum(values * values, axis=axis)
    if not np.all(np.isfinite(t)):
        return None
    return t, values.shape[axis]


def floats_from_balls(M) -> tuple[np.ndarray, Fraction, Fraction] | None:
    """``(A_hat, rel, radius)`` with ``|A - A_hat| <= rel |A_hat| + radius`` entrywise for every matrix ``A`` in the
    python-flint ball matrix ``M``: ``A_hat`` the float conversions of the midpoints (faithful: within one ulp, so
    ``rel = 2^-52`` and ``2^-1074`` below the normal range), ``radius`` the largest radius (rounded up) plus
    ``2^-1074``. None if a midpoint or radius is beyond the float range."""
    rows = M.tolist()
    A_hat = np.array([list(map(float, row)) for row in rows], dtype=np.float64).reshape(M.nrows(), M.ncols())
    exact = all(all(map(flint.arb.is_exact, row)) for row in rows)
    rads = [] if exact else [float(x.rad()) for row in rows for x in row if not x.is_exact()]
    if not np.all(np.isfinite(A_hat)) or not all(math.isfinite(r) for r in rads):
        return None
    radius = Fraction(max(rads, default=0.0)) * (1 + Fraction(1, 2**52)) + Fraction(1, 2**1074)
    return A_hat, Fraction(1, 2**52), radius


def _worth(ranges, s, w, method):
    """The entries of B whose own bound can change Theorem 1's statistic (see :func:`residual_upper`): entrywise,
    those whose uniform bound exceeds the largest ``|fl(B)|`` of their level of columns; column, those whose uniform
    bound exceeds the ``s_k``-th largest ``|fl(B)|`` of their column within their level of rows."""

    def worth(absB, uniform):
        mask = np.zeros(absB.shape, dtype=bool)
        if method == "entrywise":
            for r in ranges:
                if len(r):
                    mask[:, r.start:r.stop] = uniform[:, r.start:r.stop] > absB[:, r.start:r.stop].max()
        else:
            for r, sk in zip(ranges, s):
                if sk:
                    block = absB[r.start:r.stop, :]
                    threshold = np.partition(block, len(r) - sk, axis=0)[len(r) - sk, :]
                    mask[r.start:r.stop, :] = uniform[r.start:r.stop, :] > threshold
        return mask

    return worth


def rnsp_squares(Y: np.ndarray, A_hat: np.ndarray, rel: Fraction, radius: Fraction, ranges, s, w, s_total: int,
                 xi: Fraction, method: str) -> tuple[Fraction, Fraction] | None:
    """Exact upper bounds ``(q^2, kappa^2)`` of Theorem 1 of ``proofs_notes/rnsp.md`` for ``B = I - Y^T A``, from
    :func:`residual_upper` and :func:`column_norms2_upper` (``proofs_notes/float_norm.md``, Theorem 3): levels
    ``ranges`` (ranges of indices), sparsities ``s``, exact weights ``w``; None if a float is not finite."""
    U_mat = residual_upper(Y, A_hat, rel, radius, worth=_worth(ranges, s, w, method))
    norms = column_norms2_upper(Y)
    if U_mat is None or norms is None:
        return None
    K = RESIDUAL_FACTOR
    if method == "entrywise":  # alpha = max_ij |B_ij| / w_j <= K max_ij U_ij / w_j, the max taken per level of columns
        alpha = max(Fraction(float(U_mat[:, r].max())) / wk for r, wk in zip(ranges, w) if len(r))
        q2 = (K * alpha) ** 2 * s_total * xi
    elif method == "column":  # beta^2 = max_j ||B e_j||_(s,M)^2 / w_j^2
        t = np.zeros(U_mat.shape[1])
        for r, sk in zip(ranges, s):
            if sk:
                block = U_mat[r.start:r.stop, :]
                top = np.partition(block, len(r) - sk, axis=0)[len(r) - sk:, :]  # the sk largest of each column
                t = t + np.sum(top * top, axis=0)
        if not np.all(np.isfinite(t)):
            return None
        # t_j = fl(sum of s_total squares of floats): the exact sum is <= (t_j + 2 s_total eta) / (1 - gamma_s_total)
        slack = 2 * s_total * ETA
        beta2 = max((Fraction(float(t[r.start:r.stop].max())) + slack) / (wk * wk)
                    for r, wk in zip(ranges, w) if len(r))
        q2 = K * K * beta2 / (1 - gamma(s_total)) * xi
    else:
        raise ValueError(method)
    n, k = norms
    kappa2 = Fraction(0)
    for r, sk in zip(ranges, s):
        if sk:
            top = np.sort(n[r.start:r.stop])[::-1][:sk]  # the largest bounds are those of the largest floats
            kappa2 += (exact_sum(top) + len(top) * 2 * k * ETA) / (1 - gamma(k))
    return q2, kappa2
