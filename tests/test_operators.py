"""Fast operators: adjoint identities, closed-form norm bound, masks, and the 256x256 reconstruction."""

import numpy as np
import pytest

from smale18.oracle import Smale18Error
from smale18.app.imaging import reconstruct_phantom
from smale18.verify.operators import (
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


def test_256_image_reconstruction():
    rec = reconstruct_phantom(256, 0.25, seed=0)
    assert rec.seconds < 30
    assert rec.errors[-1] < 0.05 and rec.zero_filled_error > 0.3  # observed: 3.5% against 34%
    assert all(b <= a * 1.001 for a, b in zip(rec.errors, rec.errors[1:]))


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
