"""Fast sampling operators with exact adjoints, for image-scale FIRENET (THEORY §8).

``A = P T W*``: ``W`` an orthonormal 2-D wavelet transform (PyWavelets, periodised), ``T`` an orthonormal transform
(2-D Fourier, 2-D DCT-II, or Walsh–Hadamard), ``P`` the restriction to a sampling mask. The unknown is the wavelet
coefficient vector, in one of two domains (``SampledTransform.domain``, ``proofs_notes/images.md``):

* ``"real"`` (default): ``x`` in ``R^N``; ``A`` is the real-linear map ``R^N -> C^m`` and ``A*`` its adjoint for the
  real inner product ``Re<u, v>`` on ``C^m``, which is ``Re`` of the complex adjoint (for Fourier; DCT and Hadamard
  are real already).
* ``"complex"``: ``x`` in ``C^N``, ``W*`` applied to real and imaginary parts; ``A`` is complex-linear and ``A*`` its
  complex adjoint ``W T^H P^T`` — the problem of the paper's imaging experiments. For DCT and Hadamard this is the same
  real operator on both parts (allowed; on real data its minimum equals the real problem's, see the note).

Since ``T`` and ``W`` are unitary on ``C^n`` (orthonormal and, for DCT/Hadamard/wavelets, real) and ``P`` is a
coordinate restriction, ``||A||_2 <= 1`` in both domains (closed form; in floating point the transforms are orthonormal
up to rounding, far inside the ``2^-20`` slack FIRENET's default steps leave).

Masks in levels: :func:`variable_density_mask` samples the frequency plane in concentric levels with a density that
falls with the radius and the centre fully sampled, seeded. Sparsity levels are the wavelet scales
(:func:`wavelet_level_map`), with local sparsities :func:`level_sparsities` and weights ``w_(k) = sqrt(s/s_k)``
(:func:`coordinate_weights`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pywt
import scipy.fft as sfft
import scipy.sparse.linalg as sla

from smale18.oracle import Smale18Error
from smale18.oracle._errors import short_repr

#: largest image side n (n x n images, n^2 wavelet coefficients) the operators accept
MAX_SIDE = 4096

#: the coefficient domains of :class:`SampledTransform`
DOMAINS = ("real", "complex")

__all__ = [
    "SampledTransform", "variable_density_mask", "wavelet_level_map", "level_sparsities", "level_weights",
    "coordinate_weights", "fwht2", "phantom", "MAX_SIDE", "DOMAINS",
]


def _int_arg(value, name: str, lo: int, hi: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise Smale18Error(f"{name}={value!r} must be an integer in [{lo}, {hi}]")
    return int(value)


def _real_arg(value, name: str, lo: float, hi: float, open_lo: bool = False) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    x = float(value) if ok else None
    if not ok or not (np.isfinite(x) and (lo < x if open_lo else lo <= x) and x <= hi):
        raise Smale18Error(f"{name}={value!r} must lie in {'(' if open_lo else '['}{lo}, {hi}]")
    return x


def fwht2(X: np.ndarray) -> np.ndarray:
    """Orthonormal 2-D Walsh–Hadamard transform (Sylvester order) of a square array of side a power of two."""
    def along(A, axis):
        A = np.moveaxis(A, axis, 0).copy()
        n = A.shape[0]
        h = 1
        while h < n:
            A = A.reshape((n // (2 * h), 2, h) + A.shape[1:])
            a, b = A[:, 0].copy(), A[:, 1].copy()
            A[:, 0], A[:, 1] = a + b, a - b
            A = A.reshape((n,) + A.shape[3:])
            h *= 2
        return np.moveaxis(A / np.sqrt(n), 0, axis)

    return along(along(X, 0), 1)


@dataclass(frozen=True, eq=False)
class SampledTransform:
    """``A = P T W*`` on ``n x n`` images (see the module docstring); a scipy ``LinearOperator`` via ``operator()``.

    ``domain="real"`` (default): ``A`` maps real coefficients ``R^N -> C^m`` (``R^m`` for DCT/Hadamard) and
    ``rmatvec`` is its adjoint for ``Re<., .>``: ``Re<Ax, z> = <x, A*z>``. ``domain="complex"``: ``A`` maps ``C^N ->
    C^m`` complex-linearly and ``rmatvec`` is the complex adjoint: ``<Ax, z> = <x, A*z>``. ``||A||_2 <= 1`` in both.

    >>> A = SampledTransform(32, "fourier", variable_density_mask(32, 0.3, seed=0))
    >>> x = np.random.default_rng(0).standard_normal(A.N); z = np.random.default_rng(1).standard_normal(A.m) * (1+1j)
    >>> bool(abs(np.vdot(A.matvec(x), z).real - x @ A.rmatvec(z)) < 1e-10)
    True
    >>> C = SampledTransform(32, "fourier", A.mask, domain="complex")
    >>> xc = x + 1j * np.random.default_rng(2).standard_normal(A.N)
    >>> C.dtype, C.rmatvec(z).dtype, bool(abs(np.vdot(z, C.matvec(xc)) - np.vdot(C.rmatvec(z), xc)) < 1e-10)
    (<class 'numpy.complex128'>, dtype('complex128'), True)
    >>> bool(np.allclose(A.rmatvec(z), C.rmatvec(z).real))  # the real-domain adjoint is Re of the complex one
    True
    >>> SampledTransform(32, "fourier", A.mask, domain="C")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: domain='C' must be 'real' ... or 'complex' ...
    """

    n: int
    transform: str
    mask: np.ndarray
    wavelet: str = "haar"
    levels: int = 4
    domain: str = "real"

    def __post_init__(self):
        n = self.n
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or not 2 <= n <= MAX_SIDE \
                or n & (n - 1):
            raise Smale18Error(f"n={n!r} must be a power of two in [2, {MAX_SIDE}]")
        object.__setattr__(self, "n", int(n))
        if not isinstance(self.transform, str) or self.transform not in ("fourier", "dct", "hadamard"):
            raise Smale18Error(f"transform={self.transform!r} must be 'fourier', 'dct' or 'hadamard'")
        if not isinstance(self.domain, str) or self.domain not in DOMAINS:
            raise Smale18Error(f"domain={short_repr(self.domain)} must be 'real' (real wavelet coefficients) or "
                               "'complex' (complex wavelet coefficients, as in the paper)")
        if not isinstance(self.wavelet, str):
            raise Smale18Error(f"wavelet={self.wavelet!r} must be the name of an orthogonal discrete wavelet")
        if isinstance(self.levels, (bool, np.bool_)) or not isinstance(self.levels, (int, np.integer)):
            raise Smale18Error(f"levels={self.levels!r} must be an integer")
        mask = np.asarray(self.mask, dtype=bool)
        if mask.shape != (n, n) or not mask.any():
            raise Smale18Error(f"mask must be a non-empty boolean {n}x{n} array")
        object.__setattr__(self, "mask", mask)
        if self.wavelet not in pywt.wavelist(kind="discrete") or not pywt.Wavelet(self.wavelet).orthogonal:
            raise Smale18Error(f"wavelet={self.wavelet!r} must be an orthogonal discrete wavelet (haar, db2, db4, ...)")
        max_level = pywt.dwtn_max_level((n, n), self.wavelet)
        if not 1 <= self.levels <= max_level:
            raise Smale18Error(f"levels={self.levels} must lie in [1, {max_level}] for n={n} and {self.wavelet}")
        _, slices = pywt.coeffs_to_array(pywt.wavedec2(np.zeros((n, n)), self.wavelet, mode="periodization",
                                                       level=self.levels))
        object.__setattr__(self, "_slices", slices)
        object.__setattr__(self, "_idx", np.flatnonzero(mask.reshape(-1)))

    @property
    def N(self) -> int:
        return self.n * self.n

    @property
    def m(self) -> int:
        return int(self.mask.sum())

    @property
    def shape(self) -> tuple[int, int]:
        return (self.m, self.N)

    @property
    def dtype(self):
        """``complex128`` if the measurements or the unknowns are complex (Fourier, or ``domain="complex"``)."""
        return np.complex128 if self.transform == "fourier" or self.domain == "complex" else np.float64

    # -- the pieces -------------------------------------------------------------------------------------------------
    def synthesis(self, coeffs: np.ndarray) -> np.ndarray:
        """``W*``: wavelet coefficients (a vector of length ``N``, real or complex) to an ``n x n`` image of the same
        kind (complex coefficients: ``W*`` applied to the real and imaginary parts)."""
        coeffs = np.asarray(coeffs)
        if coeffs.size != self.N:
            raise Smale18Error(f"coeffs must have {self.N} entries, got shape {coeffs.shape}")
        arr = coeffs.reshape(self.n, self.n)
        c = pywt.array_to_coeffs(arr, self._slices, output_format="wavedec2")
        return pywt.waverec2(c, self.wavelet, mode="periodization")

    def analysis(self, image: np.ndarray) -> np.ndarray:
        """``W``: an ``n x n`` image (real or complex) to wavelet coefficients (a vector of the same kind)."""
        image = np.asarray(image)
        if image.shape != (self.n, self.n):
            raise Smale18Error(f"image must have shape ({self.n}, {self.n}), got {image.shape}")
        arr, _ = pywt.coeffs_to_array(pywt.wavedec2(image, self.wavelet, mode="periodization", level=self.levels))
        return arr.reshape(-1)

    def _T(self, image):
        if self.transform == "fourier":
            return sfft.fft2(image, norm="ortho")
        if self.transform == "dct":
            return sfft.dctn(image, norm="ortho")
        return fwht2(image)

    def _T_adj(self, spectrum):
        if self.transform == "fourier":
            inv = sfft.ifft2(spectrum, norm="ortho")
            # complex domain: the complex adjoint; real domain: the adjoint of the real-linear map, Re of it
            return inv if self.domain == "complex" else inv.real
        if self.transform == "dct":
            return sfft.idctn(spectrum, norm="ortho")
        return fwht2(spectrum)

    # -- A and A* ---------------------------------------------------------------------------------------------------
    def matvec(self, x: np.ndarray) -> np.ndarray:
        """``A x``: real domain, the real part of ``x`` is used; complex domain, ``x`` is read as complex."""
        x = np.asarray(x)
        if x.ndim not in (1, 2) or x.shape[0] != self.N:
            raise Smale18Error(f"x must have shape ({self.N},) or ({self.N}, k), got {x.shape}")
        if x.ndim == 2:
            return np.stack([self.matvec(col) for col in x.T], axis=1)
        x = x.astype(np.complex128, copy=False) if self.domain == "complex" else x.real
        return self._T(self.synthesis(x)).reshape(-1)[self._idx]

    def rmatvec(self, z: np.ndarray) -> np.ndarray:
        """``A* z``: the adjoint of :meth:`matvec` (see the class docstring); complex128 in the complex domain."""
        z = np.asarray(z)
        if z.ndim not in (1, 2) or z.shape[0] != self.m:
            raise Smale18Error(f"z must have shape ({self.m},) or ({self.m}, k), got {z.shape}")
        if z.ndim == 2:
            return np.stack([self.rmatvec(col) for col in z.T], axis=1)
        full = np.zeros(self.N, dtype=self.dtype)
        full[self._idx] = z
        return self.analysis(self._T_adj(full.reshape(self.n, self.n)))

    def matmat(self, X):
        return self.matvec(X)

    def rmatmat(self, Z):
        return self.rmatvec(Z)

    def operator(self) -> sla.LinearOperator:
        """``A`` as a scipy ``LinearOperator`` of dtype :attr:`dtype`, ``rmatvec`` the adjoint above."""
        return sla.LinearOperator(self.shape, matvec=self.matvec, rmatvec=self.rmatvec, matmat=self.matmat,
                                  rmatmat=self.rmatmat, dtype=self.dtype)

    def norm_upper(self) -> Fraction:
        """``||A||_2 <= 1`` in both domains: ``P`` is a coordinate restriction and ``T``, ``W*`` are unitary on complex
        vectors (closed form, ``proofs_notes/images.md``); the real domain's norm is a supremum over fewer vectors."""
        return Fraction(1)


def variable_density_mask(n: int, fraction: float, seed: int = 0, levels: int = 6, center: float = 0.04) -> np.ndarray:
    """A seeded ``n x n`` sampling mask in concentric levels (by frequency radius, DC at the corner as ``fft2`` has it):
    the central disc of relative radius ``center`` fully sampled, then ``levels`` annuli with densities falling like
    ``1/k``, scaled so that about ``fraction`` of the plane is sampled."""
    n = _int_arg(n, "n", 1, MAX_SIDE)
    fraction = _real_arg(fraction, "fraction", 0, 1, open_lo=True)
    seed = _int_arg(seed, "seed", 0, 2**63 - 1)
    levels = _int_arg(levels, "levels", 1, 64)
    center = _real_arg(center, "center", 0, 1)
    rng = np.random.default_rng(seed)
    f = np.fft.fftfreq(n)
    radius = np.sqrt(f[:, None] ** 2 + f[None, :] ** 2) / np.sqrt(0.5)
    mask = radius <= center
    edges = np.linspace(center, 1.0 + 1e-12, levels + 1)
    budget = fraction * n * n - mask.sum()
    areas = [np.sum((radius > a) & (radius <= b)) for a, b in zip(edges[:-1], edges[1:])]
    weights = np.array([1.0 / (k + 1) for k in range(levels)])
    scale = budget / max(np.dot(weights, areas), 1)
    for (a, b), wk in zip(zip(edges[:-1], edges[1:]), weights):
        ring = (radius > a) & (radius <= b)
        mask |= ring & (rng.random((n, n)) < min(1.0, scale * wk))
    return mask


def wavelet_level_map(op: SampledTransform) -> np.ndarray:
    """Level of each wavelet coefficient (0 = approximation band, then detail scales coarse to fine), as laid out in
    the coefficient vector of :meth:`SampledTransform.analysis`."""
    n = op.n
    coeffs = pywt.wavedec2(np.zeros((n, n)), op.wavelet, mode="periodization", level=op.levels)
    marked = [np.zeros_like(coeffs[0])] + [tuple(np.full_like(d, k + 1) for d in det) for k, det in enumerate(coeffs[1:])]
    arr, _ = pywt.coeffs_to_array(marked)
    return arr.reshape(-1).astype(int)


def level_sparsities(op: SampledTransform, coeffs: np.ndarray, rel_threshold: float = 1e-2) -> list[int]:
    """Local sparsities ``s_k``: coefficients per level whose modulus is above ``rel_threshold`` times the largest (at
    least 1); real or complex coefficients."""
    coeffs = np.asarray(coeffs)
    if coeffs.shape != (op.N,) or coeffs.dtype.kind not in "fiuc" or not np.all(np.isfinite(coeffs)):
        raise Smale18Error(f"coeffs must be a finite real or complex vector of length {op.N}")
    rel_threshold = _real_arg(rel_threshold, "rel_threshold", 0, 1)
    levels = wavelet_level_map(op)
    big = np.abs(coeffs) > rel_threshold * np.abs(coeffs).max()
    return [max(1, int(np.sum(big & (levels == k)))) for k in range(op.levels + 1)]


def coordinate_weights(op: SampledTransform, sparsities) -> np.ndarray:
    """Per-coefficient weights ``w_(k) = sqrt(s/s_k)`` on level k (float64)."""
    w = np.array([float(v) for v in level_weights(sparsities)])
    return w[wavelet_level_map(op)]


def level_weights(sparsities) -> list[Fraction]:
    """``w_(k) = sqrt(s / s_k)`` (``s = sum s_k``), as the float64 values read exactly."""
    if isinstance(sparsities, (str, bytes)) or not hasattr(sparsities, "__iter__"):
        raise Smale18Error(f"sparsities={sparsities!r} must be a list of positive integers")
    sparsities = [_int_arg(sk, f"sparsities[{k}]", 1, 2**40) for k, sk in enumerate(sparsities)]
    if not sparsities:
        raise Smale18Error("sparsities must not be empty")
    s = sum(sparsities)
    return [Fraction(float(np.sqrt(s / sk))) for sk in sparsities]


def phantom(n: int) -> np.ndarray:
    """A Shepp–Logan-like phantom of side ``n`` (ellipses; values in [0, 1]); ``1 <= n <= MAX_SIDE``."""
    n = _int_arg(n, "n", 1, MAX_SIDE)
    y, x = np.mgrid[-1:1:complex(0, n), -1:1:complex(0, n)]
    ellipses = [  # (intensity, a, b, x0, y0, angle in degrees)
        (1.0, 0.69, 0.92, 0.0, 0.0, 0), (-0.8, 0.6624, 0.874, 0.0, -0.0184, 0), (-0.2, 0.11, 0.31, 0.22, 0.0, -18),
        (-0.2, 0.16, 0.41, -0.22, 0.0, 18), (0.1, 0.21, 0.25, 0.0, 0.35, 0), (0.1, 0.046, 0.046, 0.0, 0.1, 0),
        (0.1, 0.046, 0.046, 0.0, -0.1, 0), (0.1, 0.046, 0.023, -0.08, -0.605, 0), (0.1, 0.023, 0.023, 0.0, -0.606, 0),
        (0.1, 0.023, 0.046, 0.06, -0.605, 0),
    ]
    img = np.zeros((n, n))
    for val, a, b, x0, y0, ang in ellipses:
        t = np.deg2rad(ang)
        xr, yr = (x - x0) * np.cos(t) + (y - y0) * np.sin(t), -(x - x0) * np.sin(t) + (y - y0) * np.cos(t)
        img[(xr / a) ** 2 + (yr / b) ** 2 <= 1] += val
    return np.clip(img, 0, 1)
