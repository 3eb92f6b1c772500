"""Rigorous bounds at floating-point speed (proofs_notes/float_norm.md): the certified ||A||_2 of
``operator_norm_upper(A, method="float")`` and ``norm_bound_is_proven``, and the entry bounds of ``B = I - Y^T A``
behind the float path of the rNSP check. Every bound is compared with something proven independently: an exact
(Fraction) computation, or a rigorous lower bound ``||A v|| / ||v||`` of the norm in 300-bit balls."""

import math
from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest

from smale18.oracle import Smale18Error, _arb, dct2
from smale18.verify import _float_bounds as fb
from smale18.verify.balls import operator_norm_upper
from smale18.verify.nets._checks import norm_bound_is_proven

from _support import time_limit

RNG = np.random.default_rng(20261202)


def _real_form(A):
    A = np.asarray(A)
    if np.iscomplexobj(A):
        return np.block([[A.real, -A.imag], [A.imag, A.real]])
    return A.astype(float)


def _norm_lower(A) -> Fraction:
    """A proven lower bound of ||A||_2: ||A v||_2 / ||v||_2 in 300-bit balls, v a float top right singular vector."""
    R = _real_form(A)
    if not np.any(R):
        return Fraction(0)
    v = np.linalg.svd(R, full_matrices=False)[2][0]
    with flint.ctx.workprec(300):
        M, V = flint.arb_mat(R.tolist()), flint.arb_mat([[x] for x in v.tolist()])
        w = M * V
        num = sum((w[i, 0] ** 2 for i in range(w.nrows())), flint.arb(0))
        den = sum((V[i, 0] ** 2 for i in range(V.nrows())), flint.arb(0))
        return _arb.lower_fraction((num / den).sqrt())


def _mpmath_norm(A) -> float:
    """||A||_2 from mpmath's SVD at 40 digits (observed reference, independent of LAPACK)."""
    with mpmath.workdps(40):
        return float(max(mpmath.svd_r(mpmath.matrix(_real_form(A).tolist()), compute_uv=False)))


def _cases():
    r = np.random.default_rng(7)
    mask = r.random((20, 30)) < 0.5
    return {
        "gaussian 40x60": r.standard_normal((40, 60)),
        "tall 70x30": r.standard_normal((70, 30)),
        "1xN": r.standard_normal((1, 50)),
        "Nx1": r.standard_normal((50, 1)),
        "1x1": np.array([[-3.5]]),
        "rank 1": np.outer(r.standard_normal(70), r.standard_normal(90)),
        "rank 3": r.standard_normal((80, 3)) @ r.standard_normal((3, 100)),
        "rank deficient square": np.hstack([r.standard_normal((40, 20)), np.zeros((40, 20))]) @ r.random((40, 40)),
        "rows 1e-150..1e150": r.standard_normal((30, 40)) * np.logspace(-150, 150, 30)[:, None],
        "all subnormal": r.standard_normal((20, 30)) * 1e-310,
        "half subnormal": np.where(mask, r.standard_normal((20, 30)) * 1e-315, r.standard_normal((20, 30))),
        "near the float maximum": r.standard_normal((20, 30)) * 1e306,
        "1e300 and 1e-300": np.where(mask, r.standard_normal((20, 30)) * 1e-300, r.standard_normal((20, 30)) * 1e300),
        "one smallest subnormal": np.eye(1, 7) * 5e-324,
        "orthogonal": np.linalg.qr(r.standard_normal((100, 100)))[0],
        "identity": np.eye(150),
        "two equal top singular values": np.diag([3.0, 3.0, 1.0, 0.5]) @ np.linalg.qr(r.standard_normal((4, 9)).T)[0].T,
        "complex": r.standard_normal((30, 50)) + 1j * r.standard_normal((30, 50)),
        "complex 1xN": r.standard_normal((1, 20)) * 1j,
        "integers": r.integers(-1000, 1000, (30, 40)),
        "float32": r.standard_normal((30, 40)).astype(np.float32),
        "hilbert 80": 1 / (np.arange(1, 81)[:, None] + np.arange(80)[None, :]),
        "zero": np.zeros((5, 6)),
    }


CASES = _cases()


@pytest.mark.parametrize("name", list(CASES))
def test_float_norm_bound_is_above_the_norm_and_tight(name):
    A = CASES[name]
    real = fb.real_float64(np.asarray(A))
    direct = fb.norm_upper(real)
    assert direct is not None, "the float proof should apply (no fallback)"
    bound = operator_norm_upper(A, method="float")
    assert bound == direct
    lower = _norm_lower(A)
    assert bound >= lower  # an exact comparison with a proven lower bound
    if not np.any(A):
        assert bound == 0
        return
    assert bound <= lower * (1 + Fraction(1, 10**9))  # within 1e-9 relative (the note predicts ~(m^2 + mN) u / 2)
    assert bound <= operator_norm_upper(A) * (1 + Fraction(1, 10**10))  # no looser than the ball method
    if real.size <= 5000 and 1e-300 < float(np.max(np.abs(real))) < 1e300:
        assert float(bound) >= _mpmath_norm(A) * (1 - 1e-15)


def test_gaussian_512x2048_is_within_1e_10_of_the_norm_and_far_below_the_ball_bound():
    A = np.random.default_rng(0).standard_normal((512, 2048)) / np.sqrt(512)
    with time_limit(30):
        bound = operator_norm_upper(A, method="float")
    lower = _norm_lower(A)
    assert lower <= bound <= lower * (1 + Fraction(1, 10**10))


@pytest.mark.parametrize("fake", ["scaled", "random", "identity"])
def test_any_factor_gives_a_valid_bound(monkeypatch, fake):
    """Theorem 1 holds for any matrix R, not only for a good Cholesky factor: a wrong factor gives a looser bound or
    a fallback, never a bound below the norm."""
    A = np.random.default_rng(3).standard_normal((60, 90))
    real_cholesky = np.linalg.cholesky
    r = np.random.default_rng(4)

    def wrong(S):
        L = real_cholesky(S + np.eye(len(S)) * 10) if fake != "identity" else np.eye(len(S))
        if fake == "scaled":
            return 0.9 * L
        if fake == "random":
            return np.tril(L + 1e-3 * r.standard_normal(L.shape))
        return L

    monkeypatch.setattr(np.linalg, "cholesky", wrong)
    bound = fb.norm_upper(A)
    assert bound is None or bound >= _norm_lower(A)
    assert operator_norm_upper(A, method="float") >= _norm_lower(A)


def test_non_finite_factor_falls_back_to_the_ball_method(monkeypatch):
    A = np.random.default_rng(5).standard_normal((20, 30))
    monkeypatch.setattr(np.linalg, "cholesky", lambda S: np.full(S.shape, np.nan))
    assert fb.norm_upper(A) is None
    assert operator_norm_upper(A, method="float") == operator_norm_upper(A)


def test_failed_cholesky_falls_back_to_the_ball_method(monkeypatch):
    A = np.random.default_rng(6).standard_normal((20, 30))

    def fail(S):
        raise np.linalg.LinAlgError("Matrix is not positive definite")

    monkeypatch.setattr(np.linalg, "cholesky", fail)
    assert fb.norm_upper(A) is None
    assert operator_norm_upper(A, method="float") == operator_norm_upper(A)


def test_arithmetic_failing_the_run_time_test_falls_back(monkeypatch):
    A = np.random.default_rng(8).standard_normal((20, 30))
    monkeypatch.setattr(fb, "arithmetic_is_ieee_nearest", lambda: False)
    assert fb.norm_upper(A) is None and fb.residual_upper(A, A) is None and fb.norm_at_most(A, Fraction(100)) is None
    assert operator_norm_upper(A, method="float") == operator_norm_upper(A)


def test_inputs_float64_cannot_hold_use_the_ball_method():
    wide = np.array([[2**60 + 1, 3], [5, 7]], dtype=np.int64)
    assert fb.real_float64(wide) is None
    assert operator_norm_upper(wide, method="float") == operator_norm_upper(wide)
    exact = dct2(8)
    assert operator_norm_upper(exact, method="float") == operator_norm_upper(exact)


def test_the_arithmetic_here_is_round_to_nearest_with_subnormals():
    assert fb.arithmetic_is_ieee_nearest()


@pytest.mark.parametrize("method, match", [("fast", "method='fast' must be 'ball' or 'float'"),
                                           (None, "method=None must be 'ball' or 'float'")])
def test_method_argument_is_checked(method, match):
    with pytest.raises(Smale18Error, match=match):
        operator_norm_upper(np.eye(2), method=method)


# -- norm_bound_is_proven: the same test with a given L -------------------------------------------------------------
def test_given_bounds_are_proven_by_the_float_test_and_wrong_ones_refused():
    A = np.random.default_rng(9).standard_normal((300, 600)) / np.sqrt(300)
    own = operator_norm_upper(A, method="float")
    lower = _norm_lower(A)
    with time_limit(20):  # the float test decides these; the ball test would take seconds each
        assert norm_bound_is_proven(A, own)
        assert fb.norm_at_most(A, own) is True
        assert fb.norm_at_most(A, lower * Fraction(101, 100)) is True
        assert norm_bound_is_proven(A, lower * Fraction(999, 1000)) is False
        assert fb.norm_at_most(A, lower * Fraction(999, 1000)) is False
        assert fb.norm_at_most(A, Fraction(10**30)) is True  # the Frobenius shortcut
        assert fb.norm_at_most(A, Fraction(-1)) is False


def test_a_bound_too_close_to_the_norm_is_left_to_the_ball_test():
    A = np.random.default_rng(10).standard_normal((6, 9))
    L = _norm_lower(A) * (1 + Fraction(1, 10**15))
    assert fb.norm_at_most(A, L) is None  # below the float rounding terms: undecided
    with flint.ctx.workprec(64):
        balls = flint.arb_mat(A.tolist())
    assert norm_bound_is_proven(A, L) is norm_bound_is_proven(balls, L) is True  # squarings resolve a 6x9 matrix
    assert norm_bound_is_proven(A + 0j, operator_norm_upper(A + 0j, method="float"))


# -- the lemmas, checked exactly -----------------------------------------------------------------------------------
def _vectors(k, kind, r):
    x, y = r.standard_normal(k), r.standard_normal(k)
    if kind == "dynamic range":
        x *= 2.0 ** r.integers(-300, 300, k)
        y *= 2.0 ** r.integers(-300, 300, k)
    elif kind == "subnormal products":
        x *= 2.0**-530
        y *= 2.0**-530
    elif kind == "cancellation":
        y = x.copy()
        x[k // 2:] *= -1
    return x, y


@pytest.mark.parametrize("kind", ["gaussian", "dynamic range", "subnormal products", "cancellation"])
@pytest.mark.parametrize("k", [1, 7, 64, 1000])
def test_lemma1_dot_products_in_any_order_obey_the_bound(kind, k):
    """Lemma 1 on numpy's dot (BLAS), matmul, einsum and sum of squares: |fl(x.y) - x.y| <= gamma_k sum|x y| + 2k eta,
    checked in exact rationals."""
    r = np.random.default_rng(k)
    x, y = _vectors(k, kind, r)
    exact = sum((Fraction(a) * Fraction(b) for a, b in zip(x.tolist(), y.tolist())), Fraction(0))
    absolute = sum((abs(Fraction(a) * Fraction(b)) for a, b in zip(x.tolist(), y.tolist())), Fraction(0))
    allowed = fb.gamma(k) * absolute + 2 * k * fb.ETA
    X, Y2 = np.tile(x, (3, 1)), np.tile(y, (4, 1))
    for computed in (np.dot(x, y), (X @ Y2.T)[1, 2], np.einsum("i,i->", x, y), np.sum(x * y)):
        assert abs(Fraction(float(computed)) - exact) <= allowed


def test_exact_sum_sqrt_upper_and_rounding():
    values = np.concatenate([RNG.standard_normal(50) * 2.0 ** RNG.integers(-1070, 1000, 50), [5e-324, -0.0]])
    assert fb.exact_sum(values) == sum((Fraction(v) for v in values.tolist()), Fraction(0))
    for x in [Fraction(2), Fraction(1, 3), Fraction(10**40 + 7, 3), Fraction(1, 2**1075), Fraction(0)]:
        r = fb.sqrt_upper(x)
        assert r * r >= x and (x == 0 or r * r <= x * (1 + Fraction(1, 2**60)))
        up, down = fb.round_up(x), fb.round_down(x)
        assert down <= x <= up and up - down <= x / 2**62
        assert Fraction(fb.float_at_least(x)) >= x >= Fraction(fb.float_at_most(x))
    assert fb.gamma(3) == Fraction(3, 2**53 - 3)


# -- Theorem 3: B = I - Y^T A --------------------------------------------------------------------------------------
def _exact_B(Y, A):
    Yq = [[Fraction(v) for v in row] for row in Y.T.tolist()]
    Aq = [[Fraction(v) for v in row] for row in A.T.tolist()]  # columns of A
    N = A.shape[1]
    return [[(1 if i == j else 0) - sum((a * b for a, b in zip(Yq[i], Aq[j])), Fraction(0)) for j in range(N)]
            for i in range(N)]


def _witness_cases():
    r = np.random.default_rng(11)
    A = r.standard_normal((8, 12))
    Y = np.linalg.pinv(A).T  # B close to the projector onto the kernel: entries far below |Y|^T |A|
    return {
        "gaussian": (r.standard_normal((6, 9)), r.standard_normal((6, 9))),
        "pseudo-inverse": (Y, A),
        "exact identity": (np.eye(5), np.eye(5)),
        "dynamic range": (r.standard_normal((6, 9)) * 2.0 ** r.integers(-200, 200, (6, 9)),
                          r.standard_normal((6, 9)) * 2.0 ** r.integers(-200, 200, (6, 9))),
        "subnormal": (r.standard_normal((6, 9)) * 1e-160, r.standard_normal((6, 9)) * 1e-160),
        "huge": (r.standard_normal((6, 9)) * 1e150, r.standard_normal((6, 9)) * 1e-150),
        "one row": (r.standard_normal((1, 4)), r.standard_normal((1, 4))),
    }


@pytest.mark.parametrize("name", list(_witness_cases()))
def test_theorem3_bounds_every_entry_of_B_exactly(name):
    Y, A = _witness_cases()[name]
    U_mat = fb.residual_upper(Y, A)
    assert U_mat is not None
    B = _exact_B(Y, A)
    for i, row in enumerate(B):
        for j, b in enumerate(row):
            assert abs(b) <= fb.RESIDUAL_FACTOR * Fraction(float(U_mat[i, j]))
    slack = max(float(U_mat[i, j]) - float(abs(B[i][j])) for i in range(len(B)) for j in range(len(B)))
    assert slack <= 1e-12 * max(1.0, float(np.max(np.abs(Y).T @ np.abs(A))))


@pytest.mark.parametrize("method, s", [("entrywise", [1]), ("entrywise", [1, 1]), ("column", [1]), ("column", [3]),
                                       ("column", [1, 2])])
def test_selected_own_bounds_give_the_statistic_of_the_full_product(method, s):
    """residual_upper with worth (own bounds only where they can matter) against worth=None (every entry's own bound,
    the whole product |Y|^T |A|): valid everywhere, and the same column maxima / sums of the largest squares."""
    r = np.random.default_rng(14)
    A = r.standard_normal((40, 60))
    Y = np.linalg.pinv(A).T + 1e-2 * r.standard_normal((40, 60))
    ranges = [range(0, 60)] if len(s) == 1 else [range(0, 25), range(25, 60)]
    full = fb.residual_upper(Y, A)
    mixed = fb.residual_upper(Y, A, worth=fb._worth(ranges, s, [Fraction(1)] * len(s), method))
    assert np.all(mixed >= full)
    B = _exact_B(Y, A)
    assert all(abs(B[i][j]) <= fb.RESIDUAL_FACTOR * Fraction(float(mixed[i, j])) for i in range(60) for j in range(60))
    if method == "entrywise":  # the statistic: the largest entry of each level of columns
        assert all(mixed[:, rg.start:rg.stop].max() == full[:, rg.start:rg.stop].max() for rg in ranges)
    else:
        for rg, sk in zip(ranges, s):
            top = [np.sort(U[rg.start:rg.stop, :], axis=0)[-sk:, :] for U in (mixed, full)]
            assert np.array_equal(top[0], top[1])


def test_theorem3_with_an_uncertain_matrix():
    """|A - A_hat| <= rel |A_hat| + radius: the bound covers every such A (checked on extreme ones)."""
    r = np.random.default_rng(12)
    Y, A_hat = r.standard_normal((5, 7)), r.standard_normal((5, 7))
    rel, radius = Fraction(1, 2**40), Fraction(1, 2**45)
    U_mat = fb.residual_upper(Y, A_hat, rel, radius)
    for sign in (-1, 1):
        A = [[Fraction(a) + sign * (rel * abs(Fraction(a)) + radius) * (1 if (i + j) % 2 else -1)
              for j, a in enumerate(row)] for i, row in enumerate(A_hat.tolist())]
        for i in range(7):
            for j in range(7):
                b = (1 if i == j else 0) - sum((Fraction(Y[k, i]) * A[k][j] for k in range(5)), Fraction(0))
                assert abs(b) <= fb.RESIDUAL_FACTOR * Fraction(float(U_mat[i, j]))


def test_floats_from_balls_encloses_the_ball_matrix():
    M = dct2(6).enclose(128)
    A_hat, rel, radius = fb.floats_from_balls(M)
    with flint.ctx.workprec(256):
        for i in range(6):
            for j in range(6):
                x = M[i, j]
                lo, hi = _arb.lower_fraction(x), _arb.upper_fraction(x)
                a = Fraction(float(A_hat[i, j]))
                assert max(abs(lo - a), abs(hi - a)) <= rel * abs(a) + radius


@pytest.mark.parametrize("method", ["entrywise", "column"])
@pytest.mark.parametrize("levels, s, w", [([9], [2], [Fraction(1)]), ([3, 9], [1, 2], [Fraction(3, 2), Fraction(1)]),
                                          ([4, 9], [0, 1], [Fraction(1), Fraction(2)])])
def test_rnsp_squares_bound_the_exact_constants(method, levels, s, w):
    r = np.random.default_rng(13)
    A = r.standard_normal((6, 9))
    Y = np.linalg.pinv(A).T + 1e-3 * r.standard_normal((6, 9))
    ranges, prev = [], 0
    for end in levels:
        ranges.append(range(prev, end))
        prev = end
    s_total, xi = sum(s), sum((wk * wk * sk for wk, sk in zip(w, s)), Fraction(0))
    q2, kappa2 = fb.rnsp_squares(Y, A, Fraction(0), Fraction(0), ranges, s, w, s_total, xi, method)
    B = _exact_B(Y, A)
    col_w = [wk for rg, wk in zip(ranges, w) for _ in rg]
    if method == "entrywise":
        alpha = max(abs(B[i][j]) / col_w[j] for i in range(9) for j in range(9))
        exact_q2 = alpha * alpha * s_total * xi
    else:
        exact_q2 = xi * max(sum((sum(sorted((B[i][j] ** 2 for i in rg), reverse=True)[:sk], Fraction(0))
                                 for rg, sk in zip(ranges, s)), Fraction(0)) / col_w[j] ** 2 for j in range(9))
    norms2 = [sum((Fraction(v) ** 2 for v in Y[:, j].tolist()), Fraction(0)) for j in range(9)]
    exact_kappa2 = sum((sum(sorted((norms2[j] for j in rg), reverse=True)[:sk], Fraction(0))
                        for rg, sk in zip(ranges, s)), Fraction(0))
    assert exact_q2 <= q2 <= exact_q2 * (1 + Fraction(1, 10**6))
    assert exact_kappa2 <= kappa2 <= exact_kappa2 * (1 + Fraction(1, 10**12))


def test_non_finite_products_give_no_float_bound():
    big = np.full((3, 4), 1e200)
    assert fb.residual_upper(big, big) is None
    assert fb.column_norms2_upper(big) is None
    with np.errstate(over="ignore"):
        assert math.isinf(float(np.max(np.abs(big).T @ np.abs(big))))  # the reason: the products overflow


def test_lanczos_estimate_is_an_estimate_only():
    r = np.random.default_rng(15)
    A = r.standard_normal((450, 900)) / np.sqrt(450)
    G = A @ A.T
    assert abs(fb.lanczos_max(G) / np.linalg.eigvalsh(G)[-1] - 1) < 1e-13
    assert fb.lanczos_max(np.eye(450)) is None  # an invariant subspace at once: the caller uses eigvalsh
    bound, lower = fb.norm_upper(A), _norm_lower(A)  # 450 rows: the Lanczos path
    assert lower <= bound <= lower * (1 + Fraction(1, 10**10))
