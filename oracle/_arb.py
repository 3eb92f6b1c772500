"""Rigorous helpers on python-flint balls: exact endpoints and norm upper bounds.

Every function returns an exact :class:`fractions.Fraction` that bounds the true quantity in the stated
direction, whatever the balls' radii are. Working precision is set locally, never left changed. A ball that is not
finite, or whose endpoints need exponents beyond ``2^24`` (``MAX_BALL_EXPONENT``), raises :class:`EnclosureError`
(a :class:`Smale18Error` and an :class:`ArithmeticError`) instead of building an astronomically large Fraction.
"""

from __future__ import annotations

from fractions import Fraction

import flint

from ._errors import EnclosureError

#: largest |binary exponent| of a ball endpoint converted to an exact Fraction (a 2^24-bit integer is 2 MB)
MAX_BALL_EXPONENT = 1 << 24

__all__ = [
    "arb_fraction",
    "upper_fraction",
    "lower_fraction",
    "radius_fraction",
    "arb_from_fraction",
    "spectral_norm_upper",
    "abs_bounds",
    "norm2_bounds",
    "sqrt_bounds",
    "exact_opnorm_at_most",
    "ball_from_bounds",
]


if hasattr(Fraction, "_from_coprime_ints"):  # Python >= 3.12
    _coprime_fraction = Fraction._from_coprime_ints
else:  # Python 3.11
    def _coprime_fraction(numerator: int, denominator: int) -> Fraction:
        return Fraction(numerator, denominator, _normalize=False)


def _man_exp(x: flint.arb) -> tuple[int, int]:
    """``(man, exp)`` of the ball's midpoint, ``mid = man 2^exp``, with the exponent bounded by MAX_BALL_EXPONENT."""
    man, exp = x.mid().man_exp()
    man, exp = int(man), int(exp)
    if man and abs(exp) > MAX_BALL_EXPONENT:
        raise EnclosureError(f"a ball endpoint has binary exponent {exp}, beyond +-2^24; too large or small to handle")
    return man, exp


def _dyadic_fraction(man: int, exp: int) -> Fraction:
    """``man 2^exp`` as a Fraction, built in linear time: with the trailing zeros of ``man`` moved into the exponent,
    an odd numerator over a power of two is already in lowest terms (no gcd of huge numbers)."""
    if man == 0:
        return Fraction(0)
    zeros = (man & -man).bit_length() - 1
    man, exp = man >> zeros, exp + zeros
    if exp >= 0:
        return Fraction(man << exp)
    return _coprime_fraction(man, 1 << -exp)


def arb_fraction(x: flint.arb) -> Fraction:
    """Exact value of an arb with radius zero (or of its midpoint)."""
    return _dyadic_fraction(*_man_exp(x))


def _mid_plus(x: flint.arb, sign: int) -> Fraction:
    """``mid + sign * rad`` exactly, added as integers on a common exponent (no Fraction arithmetic)."""
    if not x.is_finite():
        raise EnclosureError(f"ball {x} is not finite")
    m1, e1 = _man_exp(x)
    m2, e2 = _man_exp(flint.arb(x.rad()))
    if not m2:
        return _dyadic_fraction(m1, e1)
    if not m1:
        return _dyadic_fraction(sign * m2, e2)
    e = min(e1, e2)
    return _dyadic_fraction((m1 << (e1 - e)) + sign * (m2 << (e2 - e)), e)


def upper_fraction(x: flint.arb) -> Fraction:
    """An exact upper bound of every point of the ball ``x``: ``mid + rad`` (raises if ``x`` is not finite)."""
    return _mid_plus(x, 1)


def lower_fraction(x: flint.arb) -> Fraction:
    """An exact lower bound of every point of the ball ``x``: ``mid - rad``."""
    return _mid_plus(x, -1)


def radius_fraction(x: flint.arb) -> Fraction:
    """The ball's radius as an exact fraction (the radius is stored exactly, so this is exact)."""
    return arb_fraction(x.rad())


def abs_bounds(x: flint.arb) -> tuple[Fraction, Fraction]:
    """Exact ``(lo, hi)`` with ``lo <= |v| <= hi`` for every v in the ball ``x``."""
    c, r = abs(arb_fraction(x.mid())), radius_fraction(x)
    return max(Fraction(0), c - r), c + r


def norm2_bounds(entries) -> tuple[Fraction, Fraction]:
    """Exact ``(lo, hi)`` bounding ``sum_i v_i^2`` over all vectors v with v_i in the balls ``entries``."""
    lo2 = hi2 = Fraction(0)
    for b in entries:
        if not b.is_finite():
            raise EnclosureError(f"ball {b} is not finite")
        lo, hi = abs_bounds(b)
        lo2 += lo * lo
        hi2 += hi * hi
    return lo2, hi2


def sqrt_bounds(lo2: Fraction, hi2: Fraction, prec_bits: int = 128) -> tuple[Fraction, Fraction]:
    """Exact ``(lo, hi)`` with ``lo <= sqrt(t) <= hi`` for every t in ``[lo2, hi2]`` (lo2 >= 0)."""
    with flint.ctx.workprec(prec_bits):
        lo = max(Fraction(0), lower_fraction(arb_from_fraction(lo2).sqrt())) if lo2 > 0 else Fraction(0)
        hi = upper_fraction(arb_from_fraction(hi2).sqrt()) if hi2 > 0 else Fraction(0)
    return lo, hi


def _entries(m: flint.arb_mat):
    return [m[i, j] for i in range(m.nrows()) for j in range(m.ncols())]


def magnitude_exponent(m: flint.arb_mat) -> int | None:
    """An integer ``E`` with ``|v| < 2^E`` for every value v of every ball of ``m`` (None if all balls are exactly
    zero); raises :class:`EnclosureError` for a non-finite ball."""
    top = None
    for b in _entries(m):
        if not b.is_finite():
            raise EnclosureError("the matrix's enclosure is not finite")
        for part in (b.mid(), b.rad()):
            man, exp = part.man_exp()
            man, exp = int(man), int(exp)
            if man:
                e = exp + man.bit_length()  # |man 2^exp| < 2^e
                top = e if top is None else max(top, e)
    return None if top is None else top + 1  # |mid| + rad < 2^(e_mid) + 2^(e_rad) <= 2^(max + 1)


def arb_from_fraction(f: Fraction) -> flint.arb:
    """A ball containing the rational ``f`` at the current working precision (exact if ``f`` is dyadic)."""
    f = Fraction(f)
    return flint.arb(flint.fmpq(f.numerator, f.denominator))


def spectral_norm_upper(
    m: flint.arb_mat, prec_bits: int = 128, squarings: int = 5, stop_below: Fraction | None = None
) -> Fraction:
    """Upper bound on ``||M||_2^2`` (largest squared singular value) for every M enclosed by ``m``.

    With ``G = M^T M`` or ``M M^T`` (the smaller; positive semidefinite), ``lambda_max(G)^q <= trace(G^q)`` for every
    ``q``, so ``||M||_2^2 <= trace(G^q)^(1/q)``. The code evaluates ``q = 1, 2, 4, ..., 2^squarings`` by repeated
    squaring in ball arithmetic and returns the smallest bound (``q = 1`` is the squared Frobenius norm). The bound
    exceeds the true value by at most a factor ``rank^(1/q)``. With ``stop_below``, return as soon as a bound
    ``<= stop_below`` is found (it is still an upper bound); the squared Frobenius norm is then first summed entry by
    entry (``O(mN)`` ball operations instead of the Gram matrix's ``O(mN min(m, N))``).
    """
    if stop_below is not None:
        with flint.ctx.workprec(prec_bits):
            frob = flint.arb(0)
            for e in _entries(m):
                frob += e * e
            if not frob.is_finite():
                raise EnclosureError("the matrix's enclosure is not finite")
            t = max(upper_fraction(frob), Fraction(0))
        if t <= stop_below:
            return t
    with flint.ctx.workprec(prec_bits):
        g = m.transpose() * m if m.nrows() >= m.ncols() else m * m.transpose()
        best = None
        power = 1
        for k in range(squarings + 1):
            if k:
                g = g * g
                power *= 2
            tr = g.trace()
            if not tr.is_finite():
                raise EnclosureError("the Gram matrix's enclosure is not finite")
            t = max(upper_fraction(tr), Fraction(0))
            if power == 1 or t == 0:
                bound = t
            else:
                bound = upper_fraction(arb_from_fraction(t).root(power))
            best = bound if best is None else min(best, bound)
            if stop_below is not None and best <= stop_below:
                return best
    return best


def exact_opnorm_at_most(E: flint.fmpq_mat, t: Fraction) -> bool:
    """Decide ``||E||_2 <= t`` exactly for a rational matrix.

    The Gram matrix ``G`` (``E^T E`` or ``E E^T``, the smaller) is symmetric, so its characteristic polynomial ``p``
    has only real roots; then Descartes' rule of signs counts exactly the positive roots of ``p(mu + t^2)``, i.e. the
    eigenvalues of ``G`` above ``t^2``. The answer is True iff that count is zero.
    """
    t = Fraction(t)
    G = E.transpose() * E if E.nrows() >= E.ncols() else E * E.transpose()
    shift = flint.fmpq_poly([flint.fmpq(t.numerator**2, t.denominator**2), 1])
    coeffs = [c for c in G.charpoly()(shift).coeffs() if c != 0]
    return all((a > 0) == (b > 0) for a, b in zip(coeffs, coeffs[1:]))


def ball_from_bounds(lo: Fraction, hi: Fraction) -> flint.arb:
    """A ball containing the interval ``[lo, hi]`` (at the current working precision, slightly widened)."""
    lo, hi = Fraction(lo), Fraction(hi)
    mid, rad = (lo + hi) / 2, (hi - lo) / 2
    ball = arb_from_fraction(mid)
    if rad:
        ball = ball + arb_from_fraction(rad) * flint.arb(0, 1)
    return ball
