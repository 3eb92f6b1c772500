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
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from smale18.oracle import Smale18Error
from smale18.oracle._errors import short_repr

#: largest image side n (n x n images, n^2 wavelet coefficients) the operators accept
MAX_SIDE = 4096

#: the coefficient domains of :class:`SampledTransform`
DOMAINS = ("real", "complex")

__all__ = [
    "SampledTransform", "variable_density_mask", "wavelet_level_map", "level_sparsities", "level_weights",
    "coordinate_weights", "fwht2", "phantom", "MAX_SIDE", "DOMAINS", "CHUNK_ENTRIES",
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


def _fwht_along(A: np.ndarray, axis: int) -> np.ndarray:
    """Orthonormal Walsh–Hadamard transform (Sylvester order) along ``axis`` (length a power of two); a new array."""
    A = np.moveaxis(A, axis, 0).astype(np.result_type(A, float))  # a copy, float or complex
    n = A.shape[0]
    h = 1
    while h < n:
        A = A.reshape((n // (2 * h), 2, h) + A.shape[1:])
        a = A[:, 0].copy()
        A[:, 0] += A[:, 1]
        np.subtract(a, A[:, 1], out=A[:, 1])
        A = A.reshape((n,) + A.shape[3:])
        h *= 2
    A /= np.sqrt(n)
    return np.moveaxis(A, 0, axis)


def fwht2(X: np.ndarray) -> np.ndarray:
    """Orthonormal 2-D Walsh–Hadamard transform (Sylvester order) of a square array of side a power of two."""
    return _fwht_along(_fwht_along(np.asarray(X), 0), 1)


def _dwt_matrix(wavelet: pywt.Wavelet, s: int) -> sp.csr_array:
    """``D_s``: one level of the periodised orthonormal DWT on ``R^s`` as a sparse ``s x s`` matrix, rows = the
    approximation then the detail outputs: ``D_s v = concatenate(pywt.dwt(v, wavelet, "periodization"))``.

    Built from the images of ``e_0`` and ``e_1`` alone: periodisation makes the DWT commute with circular shifts (a
    shift by 2 of the input shifts both outputs by 1), so ``D e_(2j+p)`` is ``D e_p`` with each half rolled by ``j``.
    """
    E = np.zeros((s, 2))
    E[0, 0] = E[1, 1] = 1.0
    lo, hi = pywt.dwt(E, wavelet, mode="periodization", axis=0)  # (s/2, 2): D e_0 and D e_1, each half
    h = s // 2
    j = np.arange(h)
    rows, cols, vals = [], [], []
    for p in (0, 1):
        for offset, band in ((0, lo[:, p]), (h, hi[:, p])):
            r = np.flatnonzero(band)
            rows.append((offset + (r[:, None] + j) % h).ravel())
            cols.append(np.broadcast_to(2 * j + p, (r.size, h)).ravel())
            vals.append(np.broadcast_to(band[r][:, None], (r.size, h)).ravel())
    return sp.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(s, s))


def _wavelet_analysis(X: np.ndarray, wavelet: pywt.Wavelet, mats, out: np.ndarray | None = None) -> np.ndarray:
    """``W`` on a stack of real images ``X[:, r, :]`` (shape ``(n, R, n)``): their coefficient arrays, same shape, laid
    out as ``pywt.coeffs_to_array(pywt.wavedec2(...))`` (approximation top-left; per level 'ad' right, 'da' below,
    'dd' diagonal). Per level ``B -> D B D^T`` on the approximation block: the row pass by ``pywt.dwt`` along the
    contiguous last axis, the column pass by the sparse ``D`` on the contiguous ``(s, R s/2)`` unfolding."""
    n, R = X.shape[0], X.shape[1]
    out = np.empty_like(X) if out is None else out
    B, s = X, n
    for D, _ in mats:
        h = s // 2
        lo, hi = pywt.dwt(B, wavelet, mode="periodization", axis=-1)  # B D^T: (s, R, h) each
        lo = (D @ lo.reshape(s, R * h)).reshape(s, R, h)  # [aa; da]
        out[:s, :, h:s] = (D @ hi.reshape(s, R * h)).reshape(s, R, h)  # [ad; dd]
        out[h:s, :, :h] = lo[h:]
        B, s = lo[:h], h
    out[:s, :, :s] = B
    return out


def _wavelet_synthesis(C: np.ndarray, wavelet: pywt.Wavelet, mats) -> np.ndarray:
    """``W*`` on a stack of real coefficient arrays ``C[:, r, :]`` (the inverse of :func:`_wavelet_analysis`)."""
    n, R = C.shape[0], C.shape[1]
    s = n >> len(mats)
    B = C[:s, :, :s]
    for _, DT in reversed(mats):
        t = 2 * s
        lo = np.concatenate([B, C[s:t, :, :s]], axis=0)  # [aa; da], (t, R, s)
        hi = np.ascontiguousarray(C[:t, :, s:t])  # [ad; dd]
        lo = (DT @ lo.reshape(t, R * s)).reshape(t, R, s)
        hi = (DT @ hi.reshape(t, R * s)).reshape(t, R, s)
        B = pywt.idwt(lo, hi, wavelet, mode="periodization", axis=-1)  # (t, R, t)
        s = t
    return np.ascontiguousarray(B)


#: columns are transformed together in chunks of ``max(1, CHUNK_ENTRIES // n^2)`` (a chunk's real image stack is then
#: at most 512 KiB, within one core's 1 MiB L2 cache here; see proofs_notes/images.md, Fast evaluation)
CHUNK_ENTRIES = 2**16


@dataclass(frozen=True, eq=False)
class SampledTransform:
    """``A = P T W*`` on ``n x n`` images (see the module docstring); a scipy ``LinearOperator`` via ``operator()``.

    ``domain="real"`` (default): ``A`` maps real coefficients ``R^N -> C^m`` (``R^m`` for DCT/Hadamard) and
    ``rmatvec`` is its adjoint for ``Re<., .>``: ``Re<Ax, z> = <x, A*z>``. ``domain="complex"``: ``A`` maps ``C^N ->
    C^m`` complex-linearly and ``rmatvec`` is the complex adjoint: ``<Ax, z> = <x, A*z>``. ``||A||_2 <= 1`` in both.

    ``matvec``/``rmatvec`` (and ``matmat``/``rmatmat``) take one vector or a block of columns ``(N, k)``/``(m, k)`` and
    transform the columns together (in chunks of :data:`CHUNK_ENTRIES` image entries); column ``j`` of the result is
    the map applied to column ``j``, to rounding. In the real domain the Fourier samples are read from the half
    spectrum ``rfft2`` and the adjoint is ``irfft2`` of the Hermitian part (proofs_notes/images.md, Fast evaluation).

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
    >>> X = np.stack([x, 2 * x], axis=1)  # a block of columns: one call, column by column the same map
    >>> bool(np.allclose(A.matvec(X), np.stack([A.matvec(x), A.matvec(2 * x)], axis=1), rtol=1e-12, atol=0))
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
        object.__setattr__(self, "levels", int(self.levels))
        self._precompute()

    def _precompute(self):
        """Cache what every application reuses: the per-level DWT matrices and the mask's index maps."""
        n = self.n
        wavelet = pywt.Wavelet(self.wavelet)
        mats = []
        for level in range(self.levels):
            D = _dwt_matrix(wavelet, n >> level)
            mats.append((D, D.T.tocsr()))
        rows, cols = np.nonzero(self.mask)  # row-major: the order of the measurements
        chunk = max(1, CHUNK_ENTRIES // self.N)  # columns per chunk
        # index maps (rows, cols, which measurements) into the spectrum of a chunk, see _flat_index
        maps = {"full": (rows, cols, slice(None))}
        cache = dict(_wav=wavelet, _mats=tuple(mats), _m=int(rows.size), _chunk=chunk, _maps=maps, _flat_cache={})
        if self.transform == "fourier" and self.domain == "real":
            # rfft2 keeps the columns 0..n/2 of the spectrum U, and U(-k) = conj(U(k)) for a real image: a sample
            # k = (a, b) with b > n/2 is read as conj(U(-k)). The adjoint's Hermitian part S(k) = (Z(k) +
            # conj(Z(-k)))/2 receives z_j/2 at k_j if b_j <= n/2 and conj(z_j)/2 at -k_j if -b_j mod n <= n/2.
            neg_rows, neg_cols = (-rows) % n, (-cols) % n
            kept, mirrored = cols <= n // 2, neg_cols <= n // 2
            maps["half"] = (np.where(kept, rows, neg_rows), np.where(kept, cols, neg_cols), slice(None))
            maps["kept"] = (rows[kept], cols[kept], np.flatnonzero(kept))
            maps["mirrored"] = (neg_rows[mirrored], neg_cols[mirrored], np.flatnonzero(mirrored))
            cache["_read_conj"] = ~kept[:, None]
        for name, value in cache.items():
            object.__setattr__(self, name, value)

    def _flat_index(self, key: str, k: int, width: int) -> tuple[np.ndarray, np.ndarray | slice]:
        """``(index, which)``: flat positions in a C-ordered ``(n, k, width)`` spectrum of the measurements
        ``which`` of map ``key``, shape ``(len, k)``: entry ``(a, j, b)`` sits at ``a k width + j width + b``."""
        cached = self._flat_cache.get((key, k, width))
        if cached is not None:
            return cached
        rows, cols, which = self._maps[key]
        index = (rows * (k * width) + cols)[:, None] + width * np.arange(k)
        if k in (self._chunk, 2 * self._chunk):  # full chunks (stacks of real and imaginary parts: 2k); not others
            self._flat_cache[(key, k, width)] = (index, which)
        return index, which

    @property
    def N(self) -> int:
        return self.n * self.n

    @property
    def m(self) -> int:
        return self._m

    @property
    def shape(self) -> tuple[int, int]:
        return (self.m, self.N)

    @property
    def dtype(self):
        """``complex128`` if the measurements or the unknowns are complex (Fourier, or ``domain="complex"``)."""
        return np.complex128 if self.transform == "fourier" or self.domain == "complex" else np.float64

    # -- the pieces -------------------------------------------------------------------------------------------------
    def _stack(self, cols: np.ndarray) -> np.ndarray:
        """Coefficient columns ``(N, k)`` (real or complex) to a real stack of coefficient arrays ``(n, R, n)``:
        ``R = k`` (real) or ``2k`` (real parts, then imaginary parts)."""
        n, k = self.n, cols.shape[1]
        if not np.iscomplexobj(cols):  # no copy if k = 1 and the column is contiguous
            return np.ascontiguousarray(cols.reshape(n, n, k).transpose(0, 2, 1), dtype=float)
        parts = (cols.real, cols.imag)
        out = np.empty((n, 2 * k, n))
        for i, part in enumerate(parts):
            out[:, i * k:(i + 1) * k, :] = part.reshape(n, n, k).transpose(0, 2, 1)
        return out

    @staticmethod
    def _unstack(stack: np.ndarray, view: np.ndarray) -> None:
        """Inverse of :meth:`_stack`: write ``stack`` ``(n, R, n)`` into ``view`` ``(n, n, k)``, the columns' view of
        an ``(N, k)`` array (complex ``view``: ``R = 2k``, real parts then imaginary parts)."""
        k = view.shape[2]
        if np.iscomplexobj(view):
            view.real[...] = stack[:, :k, :].transpose(0, 2, 1)
            view.imag[...] = stack[:, k:, :].transpose(0, 2, 1)
        else:
            view[...] = stack.transpose(0, 2, 1)

    def synthesis(self, coeffs: np.ndarray) -> np.ndarray:
        """``W*``: wavelet coefficients (a vector of length ``N``, real or complex) to an ``n x n`` image of the same
        kind (complex coefficients: ``W*`` applied to the real and imaginary parts)."""
        coeffs = np.asarray(coeffs)
        if coeffs.size != self.N or coeffs.dtype.kind not in "biufc":
            raise Smale18Error(f"coeffs must have {self.N} entries, got shape {coeffs.shape}")
        img = _wavelet_synthesis(self._stack(coeffs.reshape(self.N, 1)), self._wav, self._mats)
        return img[:, 0, :] + 1j * img[:, 1, :] if np.iscomplexobj(coeffs) else img[:, 0, :]

    def analysis(self, image: np.ndarray) -> np.ndarray:
        """``W``: an ``n x n`` image (real or complex) to wavelet coefficients (a vector of the same kind)."""
        image = np.asarray(image)
        if image.shape != (self.n, self.n) or image.dtype.kind not in "biufc":
            raise Smale18Error(f"image must have shape ({self.n}, {self.n}), got {image.shape}")
        parts = (image.real, image.imag) if np.iscomplexobj(image) else (image,)
        stack = _wavelet_analysis(np.stack(parts, axis=1).astype(float, copy=False), self._wav, self._mats)
        out = np.empty((self.n, self.n, 1), dtype=np.complex128 if len(parts) == 2 else np.float64)
        self._unstack(stack, out)
        return out.reshape(-1)

    # -- A and A* on a chunk of columns -----------------------------------------------------------------------------
    def _forward(self, cols: np.ndarray) -> np.ndarray:
        """``A`` on ``(N, k)`` columns (float64 in the real domain, complex128 in the complex one) -> ``(m, k)``."""
        n, k = self.n, cols.shape[1]
        img = _wavelet_synthesis(self._stack(cols), self._wav, self._mats)  # (n, R, n) real
        if self.transform == "fourier":
            if self.domain == "complex":
                img = img[:, :k] + 1j * img[:, k:]
                return np.take(sfft.fft2(img, axes=(0, 2), norm="ortho"), self._flat_index("full", k, n)[0])
            index, _ = self._flat_index("half", k, n // 2 + 1)
            vals = np.take(sfft.rfft2(img, axes=(0, 2), norm="ortho"), index)
            return np.conjugate(vals, out=vals, where=self._read_conj)
        if self.transform == "dct":
            spec = sfft.dctn(img, axes=(0, 2), norm="ortho")
        else:
            spec = _fwht_along(_fwht_along(img, 0), 2)
        vals = np.take(spec, self._flat_index("full", img.shape[1], n)[0])  # (m, R)
        return vals[:, :k] + 1j * vals[:, k:] if self.domain == "complex" else vals

    def _adjoint(self, z: np.ndarray, view: np.ndarray) -> None:
        """``A*`` on ``(m, k)`` columns, written into ``view`` ``(n, n, k)`` (see :meth:`_unstack`)."""
        img = self._adjoint_image(z)
        if view.shape[2] == 1 and view.dtype == np.float64 and view.flags.c_contiguous:
            _wavelet_analysis(img, self._wav, self._mats, out=view.reshape(self.n, 1, self.n))  # the same layout
        else:
            self._unstack(_wavelet_analysis(img, self._wav, self._mats), view)

    def _adjoint_image(self, z: np.ndarray) -> np.ndarray:
        """``T^H P^T`` on ``(m, k)`` columns as a real stack ``(n, R, n)`` (real domain: ``Re`` of it, ``R = k``;
        complex domain: real parts, then imaginary parts, ``R = 2k``). Transients are dropped as soon as they are
        used: fewer fresh pages for the kernel to fault in (proofs_notes/images.md, Fast evaluation)."""
        n, k = self.n, z.shape[1]
        if self.transform == "fourier" and self.domain == "real":
            # Re(F^H P^T z) = F^H S, S = (Z + conj(Z(-.)))/2 Hermitian, stored as its half spectrum (images.md)
            S = np.zeros((n, k, n // 2 + 1), dtype=np.complex128)
            flat = S.reshape(-1)
            index, which = self._flat_index("kept", k, n // 2 + 1)
            flat[index] = 0.5 * z[which]
            index, which = self._flat_index("mirrored", k, n // 2 + 1)
            flat[index] += 0.5 * np.conjugate(z[which])  # the targets -k_j are distinct: no accumulation lost
            return sfft.irfft2(S, s=(n, n), axes=(0, 2), norm="ortho")
        if self.transform == "fourier":
            S = np.zeros((n, k, n), dtype=np.complex128)
            S.reshape(-1)[self._flat_index("full", k, n)[0]] = z
            S = sfft.ifft2(S, axes=(0, 2), norm="ortho")
            return np.concatenate([S.real, S.imag], axis=1)
        parts = (z.real, z.imag) if self.domain == "complex" else (z.real,)
        S = np.zeros((n, len(parts) * k, n))
        S.reshape(-1)[self._flat_index("full", len(parts) * k, n)[0]] = np.concatenate(parts, axis=1)
        if self.transform == "dct":
            return sfft.idctn(S, axes=(0, 2), norm="ortho")
        return _fwht_along(_fwht_along(S, 0), 2)

    # -- A and A* ---------------------------------------------------------------------------------------------------
    def matvec(self, x: np.ndarray) -> np.ndarray:
        """``A x`` for ``x`` of shape ``(N,)`` or ``(N, k)`` (columns transformed together): real domain, the real
        part of ``x`` is used; complex domain, ``x`` is read as complex."""
        x = np.asarray(x)
        if x.ndim not in (1, 2) or x.shape[0] != self.N or x.dtype.kind not in "biufc":
            raise Smale18Error(f"x must have shape ({self.N},) or ({self.N}, k), got {x.shape}")
        X = x.reshape(self.N, -1)
        X = X.astype(np.complex128, copy=False) if self.domain == "complex" else X.real.astype(float, copy=False)
        k, step = X.shape[1], self._chunk
        out = np.empty((self.m, k), dtype=self.dtype)
        for j in range(0, k, step):
            out[:, j:j + step] = self._forward(X[:, j:j + step])
        return out.reshape(-1) if x.ndim == 1 else out

    def rmatvec(self, z: np.ndarray) -> np.ndarray:
        """``A* z`` for ``z`` of shape ``(m,)`` or ``(m, k)``: the adjoint of :meth:`matvec` (see the class docstring);
        complex128 in the complex domain, float64 in the real one."""
        z = np.asarray(z)
        if z.ndim not in (1, 2) or z.shape[0] != self.m or z.dtype.kind not in "biufc":
            raise Smale18Error(f"z must have shape ({self.m},) or ({self.m}, k), got {z.shape}")
        Z = z.reshape(self.m, -1)
        k, step = Z.shape[1], self._chunk
        out = np.empty((self.N, k), dtype=np.complex128 if self.domain == "complex" else np.float64)
        view = out.reshape(self.n, self.n, k)  # out is contiguous: a view
        for j in range(0, k, step):
            self._adjoint(Z[:, j:j + step], view[:, :, j:j + step])
        return out.reshape(-1) if z.ndim == 1 else out

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
