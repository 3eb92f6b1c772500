"""Fast operators: adjoint identities (real and complex coefficient domains), closed-form norm bound, masks, and the
256x256 reconstruction (proofs_notes/images.md)."""

import numpy as np
import pytest

from smale18.oracle import Smale18Error
from smale18.app.imaging import ImageReconstruction, reconstruct_phantom, reconstruction_figure
from smale18.verify.nets import firenet
from smale18.verify.operators import (
    DOMAINS,
    SampledTransform,
    coordinate_weights,
    fwht2,
    level_sparsities,
    level_weights,
    phantom,
    variable_density_mask,
    wavelet_level_map,
)


@pytest.mark.parametrize("transform", ["fourier", "dct", "hadamard"])
@pytest.mark.parametrize("wavelet", ["haar", "db2", "db4"])
def test_adjoint_identity(transform, wavelet):
    n = 32
    A = SampledTransform(n, transform, variable_density_mask(n, 0.3, seed=1), wavelet=wavelet, levels=2)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal(A.N)
        z = rng.standard_normal(A.m) + (1j * rng.standard_normal(A.m) if transform == "fourier" else 0)
        lhs = np.vdot(A.matvec(x), z).real  # <Ax, z> in the real inner product of the measurements
        rhs = x @ A.rmatvec(z)
        assert abs(lhs - rhs) <= 1e-12 * np.linalg.norm(x) * np.linalg.norm(z)


@pytest.mark.parametrize("transform", ["fourier", "dct", "hadamard"])
def test_norm_is_at_most_one(transform):
    n = 16
    A = SampledTransform(n, transform, variable_density_mask(n, 0.5, seed=2), levels=2)
    x = np.random.default_rng(3).standard_normal(A.N)
    for _ in range(30):  # power iteration on A*A: never above 1 (up to rounding)
        x = A.rmatvec(A.matvec(x))
        x /= np.linalg.norm(x)
    assert np.linalg.norm(A.matvec(x)) <= 1 + 1e-12 and A.norm_upper() == 1
    full = SampledTransform(n, transform, np.ones((n, n), bool), levels=2)
    v = np.random.default_rng(4).standard_normal(full.N)
    assert abs(np.linalg.norm(full.matvec(v)) - np.linalg.norm(v)) < 1e-10  # a full mask is an isometry


def test_masks_are_seeded_and_have_the_requested_density():
    a, b = variable_density_mask(128, 0.25, seed=5), variable_density_mask(128, 0.25, seed=5)
    assert np.array_equal(a, b) and not np.array_equal(a, variable_density_mask(128, 0.25, seed=6))
    assert abs(a.mean() - 0.25) < 0.02 and a[0, 0]  # the DC coefficient is always sampled
    with pytest.raises(Smale18Error, match="fraction=0 must lie in"):
        variable_density_mask(16, 0)


def test_levels_weights_and_hadamard():
    A = SampledTransform(64, "fourier", variable_density_mask(64, 0.3), wavelet="haar", levels=3)
    levels = wavelet_level_map(A)
    assert levels.shape == (A.N,) and sorted(set(levels)) == [0, 1, 2, 3] and np.sum(levels == 0) == 64
    s = level_sparsities(A, A.analysis(phantom(64)))
    w = coordinate_weights(A, s)
    assert np.allclose(w[levels == 0], np.sqrt(sum(s) / s[0]))
    X = np.random.default_rng(0).standard_normal((8, 8))
    assert np.allclose(fwht2(fwht2(X)), X) and abs(np.linalg.norm(fwht2(X)) - np.linalg.norm(X)) < 1e-12


@pytest.mark.parametrize("domain, bound", [("real", 0.05), ("complex", 0.10)])
def test_256_image_reconstruction(domain, bound):
    rec = reconstruct_phantom(256, 0.25, seed=0, domain=domain)
    assert rec.domain == domain and rec.seconds < 30
    assert rec.errors[-1] < bound and rec.zero_filled_error > 0.3  # observed: real 3.5% (zero-filled 34%),
    assert all(b <= a * 1.001 for a, b in zip(rec.errors, rec.errors[1:]))  # complex 8.8% (zero-filled 39%)
    assert np.iscomplexobj(rec.firenet) == (domain == "complex")


def test_reconstruct_phantom_default_is_the_papers_complex_problem():
    rec = reconstruct_phantom(16, 0.5, restarts=1, inner=2, wavelet="haar", levels=2)
    assert rec.domain == "complex" and np.iscomplexobj(rec.firenet) and np.isfinite(rec.errors[-1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=30), "n=30 must be a power of two"),
        (dict(transform="wavelet"), "must be 'fourier', 'dct' or 'hadamard'"),
        (dict(wavelet="bior2.2"), "orthogonal discrete wavelet"),
        (dict(levels=9), "levels=9 must lie in"),
        (dict(mask=np.zeros((16, 16), bool)), "non-empty boolean"),
    ],
)
def test_bad_input(kwargs, match):
    args = dict(n=16, transform="fourier", mask=np.ones((16, 16), bool), wavelet="haar", levels=2)
    args.update(kwargs)
    with pytest.raises(Smale18Error, match=match):
        SampledTransform(**args)


# -- issue 12: every input bounded and checked ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: SampledTransform(True, "fourier", np.ones((1, 1), bool)), "n=True must be"),
        (lambda: SampledTransform(2**20, "fourier", np.ones((2, 2), bool)), "n=1048576 must be"),
        (lambda: SampledTransform(16.0, "fourier", np.ones((16, 16), bool)), "n=16.0 must be"),
        (lambda: SampledTransform(16, "fourier", np.ones((16, 16), bool), levels=2.5), "levels=2.5 must"),
        (lambda: SampledTransform(16, "fourier", np.ones((16, 16), bool), wavelet=["haar"]), "wavelet="),
        (lambda: SampledTransform(16, "fourier", np.ones((16, 16), bool), levels=1).matvec(np.ones(7)),
         "x must have"),
        (lambda: SampledTransform(16, "fourier", np.ones((16, 16), bool), levels=1).rmatvec(np.ones(7)),
         "z must have"),
        (lambda: variable_density_mask(10**9, 0.5), "n=1000000000 must be"),
        (lambda: variable_density_mask(16, float("nan")), "fraction=nan must lie in"),
        (lambda: variable_density_mask(16, "0.5"), "fraction='0.5' must lie in"),
        (lambda: variable_density_mask(16, 0.5, seed=-1), "seed=-1 must be"),
        (lambda: variable_density_mask(16, 0.5, levels=0), "levels=0 must be"),
        (lambda: variable_density_mask(16, 0.5, center=float("inf")), "center=inf must lie in"),
        (lambda: phantom(-3), "n=-3 must be"),
        (lambda: phantom(10**6), "n=1000000 must be"),
        (lambda: level_weights([2, 0]), r"sparsities\[1\]=0 must be"),
        (lambda: level_weights([2, True]), r"sparsities\[1\]=True must be"),
    ],
)
def test_bad_arguments_are_refused(call, match):
    with pytest.raises(Smale18Error, match=match):
        call()


def test_level_sparsities_bad_coefficients():
    A = SampledTransform(16, "dct", np.ones((16, 16), bool), levels=2)
    with pytest.raises(Smale18Error, match="coeffs must be"):
        level_sparsities(A, np.ones(5))
    with pytest.raises(Smale18Error, match="coeffs must be"):
        level_sparsities(A, np.full(A.N, np.nan))
    with pytest.raises(Smale18Error, match="rel_threshold=2 must lie in"):
        level_sparsities(A, np.ones(A.N), rel_threshold=2)
    assert level_sparsities(A, np.zeros(A.N)) == [1, 1, 1]


# -- smale18.verify.balls.operator_norm_upper (bounded work, exact reading) --------------------------------------------
from fractions import Fraction  # noqa: E402

from smale18.verify.balls import operator_norm_upper  # noqa: E402


@pytest.mark.parametrize("A, kwargs, match", [
    (np.array([[1, None]]), {}, "dtype object"),
    (np.array([["a"]]), {}, "dtype <U1"),
    (np.array([[True]]), {}, "dtype bool"),
    (np.array([[np.nan]]), {}, "NaN or infinite"),
    (np.ones(3), {}, "2-D"),
    (np.ones((2, 2)), {"squarings": 100}, r"squarings=100 must be an integer in \[0, 16\]"),
    (np.ones((2, 2)), {"squarings": True}, "squarings=True"),
    (np.ones((2, 2)), {"prec_bits": 10**6}, "prec_bits=1000000"),
    (np.ones((2000, 2000)), {}, "at most"),
    ("abc", {}, "not a string"),
])
def test_operator_norm_upper_bad_input(A, kwargs, match):
    with pytest.raises(Smale18Error, match=match):
        operator_norm_upper(A, **kwargs)


def test_operator_norm_upper_reads_wide_integers_exactly():
    big = 2**60 + 100
    bound = operator_norm_upper(np.array([[big]], dtype=np.int64))
    assert big <= bound < big + 1  # not rounded to the float 2^60 + 96 or 2^60 + 128
    assert 5 <= operator_norm_upper(np.array([[3 + 4j]])) <= 5 * Fraction(101, 100)  # rank 2: factor 2^(1/128)


# -- issue 16: the complex problem of the paper (proofs_notes/images.md) ---------------------------------------------
def _pair(transform, n=32, wavelet="db4", levels=2, fraction=0.3, seed=1):
    mask = variable_density_mask(n, fraction, seed=seed)
    return tuple(SampledTransform(n, transform, mask, wavelet=wavelet, levels=levels, domain=d) for d in DOMAINS)


@pytest.mark.parametrize("transform", ["fourier", "dct", "hadamard"])
@pytest.mark.parametrize("wavelet", ["haar", "db2", "db4"])
def test_adjoint_identity_complex_domain(transform, wavelet):
    _, A = _pair(transform, wavelet=wavelet)
    rng = np.random.default_rng(7)
    for _ in range(3):
        x = rng.standard_normal(A.N) + 1j * rng.standard_normal(A.N)
        z = rng.standard_normal(A.m) + 1j * rng.standard_normal(A.m)
        Ax, Az = A.matvec(x), A.rmatvec(z)
        assert Ax.dtype == Az.dtype == np.complex128 == A.dtype
        lhs, rhs = np.vdot(z, Ax), np.vdot(Az, x)  # <Ax, z> and <x, A*z> (complex, linear in the first slot)
        assert abs(lhs - rhs) <= 1e-12 * np.linalg.norm(x) * np.linalg.norm(z)


@pytest.mark.parametrize("transform", ["fourier", "dct", "hadamard"])
def test_the_two_domains_agree_where_the_note_says(transform):
    R, C = _pair(transform)
    rng = np.random.default_rng(8)
    a, b = rng.standard_normal(R.N), rng.standard_normal(R.N)
    z = rng.standard_normal(R.m) + (1j * rng.standard_normal(R.m) if transform == "fourier" else 0)
    scale = np.linalg.norm(a) + np.linalg.norm(b) + np.linalg.norm(z)
    # complex-linear extension: C(a + ib) = C a + i C b, and C agrees with R on real vectors
    assert np.allclose(C.matvec(a + 1j * b), C.matvec(a) + 1j * C.matvec(b), rtol=0, atol=1e-13 * scale)
    assert np.allclose(C.matvec(a), R.matvec(a), rtol=0, atol=1e-13 * scale)
    # the real-linear adjoint is Re of the complex adjoint (the lemma of images.md)
    assert np.allclose(R.rmatvec(z), C.rmatvec(z).real, rtol=0, atol=1e-13 * scale)
    if transform != "fourier":  # a real operator on both parts
        assert np.allclose(C.matvec(a + 1j * b).imag, R.matvec(b), rtol=0, atol=1e-13 * scale)
    X = np.stack([a + 1j * b, b - 2j * a], axis=1)
    op = C.operator()
    assert op.dtype == np.complex128 and R.operator().dtype == R.dtype
    assert np.allclose(op.matmat(X), np.stack([C.matvec(c) for c in X.T], axis=1), rtol=0, atol=1e-13 * scale)
    Z = op.matmat(X)
    assert np.allclose(op.rmatmat(Z), np.stack([C.rmatvec(c) for c in Z.T], axis=1), rtol=0, atol=1e-13 * scale)


@pytest.mark.parametrize("transform", ["fourier", "dct", "hadamard"])
def test_norm_is_at_most_one_complex_domain(transform):
    n = 16
    A = SampledTransform(n, transform, variable_density_mask(n, 0.5, seed=2), levels=2, domain="complex")
    rng = np.random.default_rng(3)
    x = rng.standard_normal(A.N) + 1j * rng.standard_normal(A.N)
    for _ in range(30):  # power iteration on A*A over C^N: never above 1 (up to rounding)
        x = A.rmatvec(A.matvec(x))
        x /= np.linalg.norm(x)
    assert np.linalg.norm(A.matvec(x)) <= 1 + 1e-12 and A.norm_upper() == 1
    full = SampledTransform(n, transform, np.ones((n, n), bool), levels=2, domain="complex")
    v = rng.standard_normal(full.N) + 1j * rng.standard_normal(full.N)
    assert abs(np.linalg.norm(full.matvec(v)) - np.linalg.norm(v)) < 1e-10  # a full mask is an isometry of C^N


def test_analysis_and_synthesis_of_complex_coefficients():
    _, A = _pair("fourier")
    rng = np.random.default_rng(9)
    img = rng.standard_normal((A.n, A.n)) + 1j * rng.standard_normal((A.n, A.n))
    x = A.analysis(img)
    assert x.dtype == np.complex128 and np.allclose(A.synthesis(x), img, rtol=0, atol=1e-12)
    assert np.allclose(x, A.analysis(img.real) + 1j * A.analysis(img.imag), rtol=0, atol=1e-12)  # W on both parts
    assert level_sparsities(A, x) == level_sparsities(A, np.abs(x))
    with pytest.raises(Smale18Error, match="coeffs must have 1024 entries"):
        A.synthesis(np.ones(5, complex))
    with pytest.raises(Smale18Error, match=r"image must have shape \(32, 32\)"):
        A.analysis(np.ones((4, 4)))


@pytest.mark.parametrize("domain", ["Real", "", "C", "complex128", None, 1, 1j, ["real"], b"real", True])
def test_bad_domain_is_refused(domain):
    with pytest.raises(Smale18Error, match=r"domain=.* must be 'real' \(real wavelet coefficients\) or 'complex'"):
        SampledTransform(16, "fourier", np.ones((16, 16), bool), levels=2, domain=domain)
    with pytest.raises(Smale18Error, match=r"domain=.* must be 'real' \(real wavelet coefficients\) or 'complex'"):
        reconstruct_phantom(16, 0.5, domain=domain)


def _objective(A, lam, w, y, x):
    """``lam ||x||_{l1,w} + ||Ax - y||_2`` (float64)."""
    return lam * float(np.sum(w * np.abs(x))) + float(np.linalg.norm(A.matvec(x) - y))


def _dual_lower_bound(A, lam, w, y, z):
    """``-Re<y, z'>`` for ``z' = s z`` scaled into the dual feasible set ``{||z'|| <= 1, |(A*z')_i| <= lam w_i}``: a
    lower bound on ``min lam ||x||_{l1,w} + ||Ax - y||`` over the operator's domain (weak duality, images.md)."""
    g = np.abs(A.rmatvec(z))
    s = min(1.0, 1.0 / np.linalg.norm(z), float(np.min(lam * w / np.maximum(g, 1e-300))))
    return -float(np.vdot(s * z, y).real)


def _firenet_with_last_dual(A, lam, w, y, **kwargs):
    """FIRENET's output and the last dual iterate it used (read off the adjoint's argument)."""
    import scipy.sparse.linalg as sla

    seen = {}

    def adjoint(z):
        seen["z"] = np.array(z)
        return A.rmatvec(z)

    op = sla.LinearOperator(A.shape, matvec=A.matvec, rmatvec=adjoint, dtype=A.dtype)
    x = firenet(op, lam=lam, weights=w, L_A=A.norm_upper(), **kwargs).run(y)
    return x, seen["z"]


def test_complex_problem_firenet_on_a_32x32_phantom():
    """The complex problem's minimum is <= the real one's (its feasible set C^N contains R^N). With
    ``gap_c = F_c(x_c) - LB_c`` (``LB_c`` a weak-duality lower bound) we have ``F_c(x_c) <= min_c + gap_c <= min_r +
    gap_c <= F_r(x_r) + gap_c``: the tolerance is the complex solve's own duality gap, plus float64 rounding (1e-12)."""
    n, lam = 32, 1e-3
    R, C = _pair("fourier", n=n, wavelet="db4", levels=2, fraction=0.25, seed=0)
    x0 = R.analysis(phantom(n))
    y = R.matvec(x0)
    w = coordinate_weights(R, level_sparsities(R, x0))
    kwargs = dict(restarts=1, inner=5000, eps0=1.1 * float(np.linalg.norm(x0)), delta=0.0)  # plain Chambolle-Pock
    xr, zr = _firenet_with_last_dual(R, lam, w, y, **kwargs)
    xc, zc = _firenet_with_last_dual(C, lam, w, y, **kwargs)
    assert xr.dtype == np.float64 and xc.dtype == np.complex128 and np.all(np.isfinite(xc))
    Fr, Fc = _objective(R, lam, w, y, xr), _objective(C, lam, w, y, xc)
    LBr, LBc = _dual_lower_bound(R, lam, w, y, zr), _dual_lower_bound(C, lam, w, y, zc)
    assert LBr <= Fr + 1e-12 and LBc <= Fc + 1e-12  # weak duality (fails if an adjoint is wrong)
    gap_c = Fc - LBc
    assert gap_c < 0.01 * Fc  # observed 1.3e-3 on 0.185: the tolerance below is small
    assert Fc <= Fr + gap_c + 1e-12  # observed: 0.1847 against 0.2012
    assert Fc < LBr  # observed 0.1847 < 0.1998: proves min_c < min_r, the two problems differ
    assert np.linalg.norm(xc.imag) > 0.1 * np.linalg.norm(xc)  # observed 0.26: the minimiser is genuinely complex


@pytest.mark.parametrize("transform", ["dct", "hadamard"])
def test_complex_domain_of_a_real_transform_on_real_data_is_the_real_problem(transform):
    R, C = _pair(transform, n=16, wavelet="haar", levels=2, fraction=0.4)
    x0 = R.analysis(phantom(16))
    y = R.matvec(x0)
    xr = firenet(R.operator(), lam=1e-3, restarts=3, inner=20, L_A=1, eps0=float(np.linalg.norm(x0))).run(y)
    xc = firenet(C.operator(), lam=1e-3, restarts=3, inner=20, L_A=1, eps0=float(np.linalg.norm(x0))).run(y)
    assert xc.dtype == np.complex128 and not np.any(xc.imag) and np.allclose(xc.real, xr, rtol=0, atol=1e-13)


def test_figure_states_the_problem(tmp_path, monkeypatch):
    import matplotlib.figure

    titles = []
    save = matplotlib.figure.Figure.savefig

    def recording_savefig(fig, *args, **kwargs):
        titles.append(fig._suptitle.get_text() + " | " + " | ".join(ax.get_title() for ax in fig.axes))
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", recording_savefig)
    for domain, text in (("complex", "complex wavelet coefficients, as in the paper"),
                         ("real", "real wavelet coefficients")):
        rec = reconstruct_phantom(16, 0.5, restarts=2, inner=2, wavelet="haar", levels=2, domain=domain)
        path = reconstruction_figure(rec, str(tmp_path / f"{domain}.png"))
        assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n" and text in titles[-1]
        assert ("|image| shown" in titles[-1]) == (domain == "complex")
    bad = ImageReconstruction(*(getattr(rec, f) for f in ("image", "zero_filled", "firenet", "errors",
                                                          "zero_filled_error", "seconds", "seconds_per_iteration",
                                                          "sampling_fraction", "mask", "transform")), domain="both")
    with pytest.raises(Smale18Error, match="rec.domain='both' must be"):
        reconstruction_figure(bad, str(tmp_path / "bad.png"))


def test_sampled_transform_doctest():
    import doctest

    from smale18.verify import operators

    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(operators.SampledTransform, "SampledTransform", globs=vars(operators).copy()):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0 and results.attempted >= 8


# -- issue 17: columns transformed together, the real domain's half spectrum (proofs_notes/images.md, Fast evaluation)
import pywt  # noqa: E402
import scipy.fft as sfft  # noqa: E402

from smale18.verify.operators import CHUNK_ENTRIES, _dwt_matrix  # noqa: E402

WAVELETS = ("haar", "db2", "db4", "sym5", "coif1")


class _Reference:
    """The operator as written before issue 17, one column at a time: pywt's wavedec2/waverec2 through
    coeffs_to_array/array_to_coeffs, the full complex fft2 (real domain: Re of ifft2), dctn, fwht2."""

    def __init__(self, A):
        self.A = A
        zeros = pywt.wavedec2(np.zeros((A.n, A.n)), A.wavelet, mode="periodization", level=A.levels)
        self.slices = pywt.coeffs_to_array(zeros)[1]
        self.idx = np.flatnonzero(A.mask)

    def matvec(self, x):
        A = self.A
        x = x.astype(complex) if A.domain == "complex" else x.real
        c = pywt.array_to_coeffs(x.reshape(A.n, A.n), self.slices, output_format="wavedec2")
        img = pywt.waverec2(c, A.wavelet, mode="periodization")
        spec = {"fourier": lambda u: sfft.fft2(u, norm="ortho"), "dct": lambda u: sfft.dctn(u, norm="ortho"),
                "hadamard": fwht2}[A.transform](img)
        return spec.reshape(-1)[self.idx]

    def rmatvec(self, z):
        A = self.A
        full = np.zeros(A.N, dtype=A.dtype)
        full[self.idx] = z if np.iscomplexobj(full) else z.real
        full = full.reshape(A.n, A.n)
        if A.transform == "fourier":
            img = sfft.ifft2(full, norm="ortho")
            img = img if A.domain == "complex" else img.real
        else:
            img = sfft.idctn(full, norm="ortho") if A.transform == "dct" else fwht2(full)
        return pywt.coeffs_to_array(pywt.wavedec2(img, A.wavelet, mode="periodization", level=A.levels))[0].ravel()


def _random_block(A, rng, k, rows):
    """A random ``rows x k`` block: complex unless it is real data of a real-domain DCT/Hadamard operator."""
    complex_block = A.domain == "complex" or (A.transform == "fourier" and rows == A.m)
    X = rng.standard_normal((rows, k))
    return X + 1j * rng.standard_normal((rows, k)) if complex_block else X


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("transform", ["fourier", "dct", "hadamard"])
@pytest.mark.parametrize("wavelet", WAVELETS)
def test_batched_equals_column_by_column_and_the_reference(domain, transform, wavelet):
    """Every level count: a block of columns in one call equals the columns one at a time, and both equal the
    pre-issue-17 operator, to 1e-12 relative (||A|| <= 1, so ||A X|| <= ||X||); in both directions."""
    n = 32
    rng = np.random.default_rng(17)
    for levels in range(1, pywt.dwtn_max_level((n, n), wavelet) + 1):
        A = SampledTransform(n, transform, variable_density_mask(n, 0.3, seed=levels), wavelet=wavelet,
                             levels=levels, domain=domain)
        ref = _Reference(A)
        X, Z = _random_block(A, rng, 5, A.N), _random_block(A, rng, 5, A.m)
        if domain == "real":
            X = X.real
        for op, ref_op, B in ((A.matvec, ref.matvec, X), (A.rmatvec, ref.rmatvec, Z)):
            batched = op(B)
            by_column = np.stack([op(c) for c in B.T], axis=1)
            reference = np.stack([ref_op(c) for c in B.T], axis=1)
            assert batched.shape == by_column.shape == reference.shape and batched.dtype == reference.dtype
            scale = 1e-12 * np.linalg.norm(B)
            assert np.linalg.norm(batched - by_column) <= scale and np.linalg.norm(batched - reference) <= scale


@pytest.mark.parametrize("n, k", [(64, 37), (128, 9)])
def test_chunks_of_columns(n, k):
    """Blocks wider than one chunk (n = 64: 16 columns a chunk, n = 128: 4): full chunks and a partial last one."""
    rng = np.random.default_rng(5)
    for domain in DOMAINS:
        A = SampledTransform(n, "fourier", variable_density_mask(n, 0.25, seed=3), wavelet="db2", levels=3,
                             domain=domain)
        assert A._chunk == CHUNK_ENTRIES // A.N < k
        X = _random_block(A, rng, k, A.N) if domain == "complex" else rng.standard_normal((A.N, k))
        Z = _random_block(A, rng, k, A.m)
        AX, AZ = A.matvec(X), A.rmatvec(Z)
        for j in (0, A._chunk - 1, A._chunk, k - 1):  # chunk edges and the partial last chunk
            assert np.linalg.norm(AX[:, j] - A.matvec(X[:, j])) <= 1e-12 * np.linalg.norm(X[:, j])
            assert np.linalg.norm(AZ[:, j] - A.rmatvec(Z[:, j])) <= 1e-12 * np.linalg.norm(Z[:, j])
        # the layout of the input does not matter: a Fortran-ordered copy, a strided view
        assert np.array_equal(A.matvec(np.asfortranarray(X)), AX) and np.array_equal(A.rmatvec(Z[:, ::2]), AZ[:, ::2])
        assert A.matvec(X[:, :0]).shape == (A.m, 0) and A.rmatvec(Z[:, :0]).shape == (A.N, 0)


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("transform", ["fourier", "dct", "hadamard"])
@pytest.mark.parametrize("wavelet", WAVELETS)
def test_adjoint_identity_on_blocks_every_level(domain, transform, wavelet):
    """``<A x_j, z_j> = <x_j, A* z_j>`` for each column of a block (real domain: the real part of the left side),
    every level count, to 1e-12 relative."""
    n = 32
    rng = np.random.default_rng(23)
    for levels in range(1, pywt.dwtn_max_level((n, n), wavelet) + 1):
        A = SampledTransform(n, transform, variable_density_mask(n, 0.3, seed=levels + 7), wavelet=wavelet,
                             levels=levels, domain=domain)
        X = _random_block(A, rng, 4, A.N) if domain == "complex" else rng.standard_normal((A.N, 4))
        Z = _random_block(A, rng, 4, A.m)
        lhs = np.sum(np.conj(Z) * A.matvec(X), axis=0)  # <A x_j, z_j>
        rhs = np.sum(X * np.conj(A.rmatvec(Z)), axis=0)  # <x_j, A* z_j>
        bound = 1e-12 * np.linalg.norm(X, axis=0) * np.linalg.norm(Z, axis=0)
        if domain == "real":
            lhs, rhs = lhs.real, rhs.real  # rmatvec is real here; Re<Ax, z> is the real inner product
            assert np.isrealobj(A.rmatvec(Z))
        assert np.all(np.abs(lhs - rhs) <= bound)


def _masks_for_the_half_spectrum(n):
    """Masks exercising every case of the real domain's half spectrum (columns 0..n/2 kept by rfft2)."""
    h = n // 2
    cases = {
        "self-conjugate frequencies only": [(0, 0), (0, h), (h, 0), (h, h)],
        "k and -k, column inside": [(1, 2), (n - 1, n - 2)],
        "only -k, column above n/2": [(1, n - 2)],
        "k above n/2 and a self-conjugate one": [(3, h + 1), (h, h)],
        "column 0, one of k and -k": [(1, 0)],
        "column 0, both": [(1, 0), (n - 1, 0)],
        "column n/2, one": [(2, h)],
        "column n/2, both": [(2, h), (n - 2, h)],
    }
    masks = {}
    for name, points in cases.items():
        mask = np.zeros((n, n), bool)
        mask[tuple(np.array(points).T)] = True
        masks[name] = mask
    masks["full"] = np.ones((n, n), bool)
    masks["symmetric random"] = (lambda M: M | np.roll(M[::-1, ::-1], 1, axis=(0, 1)))(
        np.random.default_rng(0).random((n, n)) < 0.2)
    masks["random"] = np.random.default_rng(1).random((n, n)) < 0.4
    return masks


@pytest.mark.parametrize("n", [8, 16])
def test_half_spectrum_is_exact_in_every_case(n):
    """Real domain, Fourier: ``A x`` read from ``rfft2`` equals the full ``fft2`` (the complex-domain operator on the
    same real x), and ``A* z = irfft2`` of the Hermitian part equals ``Re`` of the complex adjoint, for masks holding
    self-conjugate frequencies, both of ``k`` and ``-k``, or only one (columns 0, inside, n/2, above n/2); and every
    single-sample mask of the 8 x 8 plane."""
    rng = np.random.default_rng(31)
    masks = _masks_for_the_half_spectrum(n)
    if n == 8:
        for a in range(n):
            for b in range(n):
                single = np.zeros((n, n), bool)
                single[a, b] = True
                masks[f"single ({a}, {b})"] = single
    for name, mask in masks.items():
        R, C = (SampledTransform(n, "fourier", mask, wavelet="db2", levels=1, domain=d) for d in DOMAINS)
        x = rng.standard_normal((R.N, 2))
        z = rng.standard_normal((R.m, 2)) + 1j * rng.standard_normal((R.m, 2))
        scale = 1e-13 * (np.linalg.norm(x) + np.linalg.norm(z))
        assert np.linalg.norm(R.matvec(x) - C.matvec(x)) <= scale, name
        assert np.linalg.norm(R.rmatvec(z) - C.rmatvec(z).real) <= scale, name
        lhs, rhs = np.sum(np.conj(z) * R.matvec(x), axis=0).real, np.sum(x * R.rmatvec(z), axis=0)
        assert np.all(np.abs(lhs - rhs) <= scale), name


@pytest.mark.parametrize("wavelet", WAVELETS)
def test_dwt_matrix_is_pywt_on_the_identity(wavelet):
    """The sparse one-level DWT built from two unit vectors and circular shifts is pywt's DWT of every unit vector,
    including lengths where the filter wraps around the period more than once; orthogonal at the lengths the operator
    uses (``s >= 2 (L - 1)``, ``L`` the filter length, by ``pywt.dwtn_max_level``)."""
    w = pywt.Wavelet(wavelet)
    for s in (2, 4, 8, 16, 64):
        lo, hi = pywt.dwt(np.eye(s), w, mode="periodization", axis=0)
        dense = np.vstack([lo, hi])
        D = _dwt_matrix(w, s).toarray()
        assert np.allclose(D, dense, rtol=0, atol=1e-15)
        if s >= 2 * (w.dec_len - 1):  # pywt's stored sym5 taps are orthonormal to 1.7e-13 only (haar, db: 2e-16)
            assert np.allclose(D @ D.T, np.eye(s), rtol=0, atol=1e-12)


def test_block_inputs_are_checked_and_real_measurements_of_a_real_transform():
    A = SampledTransform(16, "dct", variable_density_mask(16, 0.5, seed=1), wavelet="haar", levels=2)
    with pytest.raises(Smale18Error, match=r"x must have shape \(256,\) or \(256, k\)"):
        A.matvec(np.array(["a"] * A.N))
    with pytest.raises(Smale18Error, match=r"z must have shape"):
        A.rmatvec(np.full((A.m, 2), None))
    with pytest.raises(Smale18Error, match=r"x must have shape"):
        A.matvec(np.ones((A.N, 2, 2)))
    with pytest.raises(Smale18Error, match=r"coeffs must have 256 entries"):
        A.synthesis(np.array(["a"] * A.N))
    rng = np.random.default_rng(2)
    x, z = rng.standard_normal(A.N), rng.standard_normal(A.m) + 1j * rng.standard_normal(A.m)
    # real domain, real transform: A* on C^m for Re<., .> is A^T Re z
    assert np.array_equal(A.rmatvec(z), A.rmatvec(z.real)) and A.rmatvec(z).dtype == np.float64
    assert abs(np.vdot(A.matvec(x), z).real - x @ A.rmatvec(z)) <= 1e-12 * np.linalg.norm(x) * np.linalg.norm(z)
    X = rng.standard_normal((8, 8)) + 1j * rng.standard_normal((8, 8))
    assert np.allclose(fwht2(X), fwht2(X.real) + 1j * fwht2(X.imag), rtol=0, atol=1e-14)  # complex input kept
    assert np.array_equal(fwht2(np.eye(4, dtype=int)), fwht2(np.eye(4)))
