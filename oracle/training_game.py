"""The training-set side of part (ii): reaching ``10^-(K-1)`` needs unboundedly much data.

:func:`play_training` gives a *learner* the training set ``iota_{A,S}`` of a member of Omega_K whose coarse row is
perturbed by ``eps1 = 2^-(M+l0+256)`` with ``j1`` uniform. Every element ``(y_{k,n}, A_n, x_{k,n})`` read at precision
``n <= M`` is then the same for every ``j1`` (measured: ``eta``), so on the event "reads at most M" the learner's
output does not depend on ``j1``, while the ``10^-(K-1)``-balls around the ``N1`` coarse vertices are disjoint. Hence
``P(misses 10^-(K-1) or reads more than M) >= (N1 - 1)/N1 - eta`` (``proofs_notes/smale18_game.md``).

Exact labels need exact answers: the class is used with ``rotation="hadamard"`` (a dyadic orthogonal D), so
``A_n = D B_n`` with ``B_n`` the rounding of B is an exact dyadic matrix with the structure of Theorem 3, and the
label is the centroid of the closed-form minimiser set of the *perturbed* problem ``(A_n, y_{k,n})``, rounded within
``2^-n``. "Reads more than M" means: reads some element at precision ``n > M``, or more than ``M`` elements.

A learner is a callable ``learner(train)`` or ``learner(train, rng=...)`` returning ``z`` (judged against sample 0)
or ``(k, z)`` (judged against sample k).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import flint
import numpy as np

from ._errors import EngineError, Smale18Error, check_int_range, short_repr
from .adversary import (MAX_DIGITS, MAX_TRIALS, Outcome, _check_name, _check_sealed, _clopper_pearson,
                        adversary_seed_for, at_least_with_slack, candidate_name, game_limits, judge_output)
from .sealed import Run, open_host
from .constructions.smale18 import Smale18Class, Smale18Member, row_targets
from .dyadic import DyadicArray
from .exact import BallArray

__all__ = ["TrainingGameResult", "play_training", "LEARNERS", "training_class", "MAX_BUDGET", "MAX_SAMPLES"]

#: the largest budget M (the coarse row's eps1 = 2^-(M + l0 + 256), answers up to 4M + 1024 bits)
MAX_BUDGET = 1 << 16
#: the most training samples (each is an exact answer the engine computes)
MAX_SAMPLES = 1024


def training_class(problem: str, K: int, **kwargs) -> Smale18Class:
    """Omega_K with the dyadic Hadamard rotation (default N2 = 14, so m = 16), as the training game needs."""
    if "rotation" in kwargs:
        raise Smale18Error("training_class fixes rotation='hadamard'; do not pass rotation")
    kwargs.setdefault("N2", 14)
    return Smale18Class(problem, K, rotation="hadamard", **kwargs)


def _scale(k: int) -> Fraction:
    return 1 + Fraction(k, 8)


def _rotate(D: DyadicArray, X: DyadicArray) -> DyadicArray:
    """Exact product of two dyadic arrays (matrix @ matrix or matrix @ vector)."""
    num = np.array(D.numerators.tolist(), dtype=object) @ np.array(X.numerators.tolist(), dtype=object)
    return DyadicArray(num, D.exponent + X.exponent)


def _fractions_column(d: DyadicArray) -> list[Fraction]:
    return list(d.to_fractions().reshape(-1))


class _ExactTrainingSet:
    """Answers of the training set of one member, exactly: ``A_n = D B_n``, ``y_k`` exact, labels in closed form."""

    def __init__(self, member: Smale18Member, samples: int):
        om = member.omega
        self.member, self.omega, self.samples = member, om, samples
        self.D = member.D.approx(0)  # the Hadamard matrix is dyadic: approx(0) is exact (entries on its own grid)
        if self.D != DyadicArray.from_fractions(member.D.values):
            raise EngineError("the training game's rotation is not exactly dyadic; the labels would not be exact")
        self.Dt = DyadicArray(np.array(self.D.numerators.T.tolist(), dtype=object), self.D.exponent)
        self.y = []
        for k in range(samples):
            b = member.b_scaled(_scale(k)).approx(300)
            exact = DyadicArray.from_fractions([Fraction(10) * _scale(k), _mu2(om) * _scale(k)] + [0] * om.N2)
            if b != exact:
                raise EngineError(f"sample {k}'s data b is not the exact dyadic vector its answers assume")
            self.y.append(_rotate(self.D, exact))

    def answer(self, k: int, n: int):
        Bn = self.member.B.approx(n)
        An = _rotate(self.D, Bn)
        return self.y[k], An, self._label(Bn, _scale(k), n)

    def _label(self, Bn: DyadicArray, s: Fraction, n: int) -> DyadicArray:
        om = self.omega
        B = Bn.to_fractions()
        coarse = [B[0, j] for j in om.coarse_columns]
        fine = [B[1, j] for j in om.fine_columns]
        a1, a2 = max(coarse), max(fine)
        T1 = [j for j, v in zip(om.coarse_columns, coarse) if v == a1]
        T2 = [j for j, v in zip(om.fine_columns, fine) if v == a2]
        # Theorem 3's hypotheses for the rounded matrix: positive coefficients, padding below the top one
        if not (min(coarse) > 0 and min(fine) > 0 and 0 < B[0, om.N1] < a1 and 0 < B[1, om.N1 + 3] < a2):
            raise Smale18Error(f"rounded B at n={n} lost the class structure; increase n")
        mu1, mu2 = Fraction(10) * s, _mu2(om) * s

        def balls(prec_bits):
            A1, A2 = flint.arb(flint.fmpq(a1.numerator, a1.denominator)), flint.arb(flint.fmpq(a2.numerator, a2.denominator))
            m1, m2 = flint.arb(flint.fmpq(mu1.numerator, mu1.denominator)), flint.arb(flint.fmpq(mu2.numerator, mu2.denominator))
            t1, t2 = row_targets(om, A1, A2, m1, m2)
            x = [flint.arb(0)] * om.N
            for j in T1:
                x[j] = t1 / (A1 * len(T1))
            for j in T2:
                x[j] = t2 / (A2 * len(T2))
            return x

        return BallArray((om.N,), balls).approx(n)


def _mu2(omega: Smale18Class) -> Fraction:
    half = Fraction(omega.N1, 2)
    r = math.isqrt(omega.N1 // 2)
    if Fraction(r * r) != half:
        raise Smale18Error(f"the training game needs N1/2 a perfect square (N1 = 2, 8, 18, ...), got N1={omega.N1}")
    return Fraction(r)


@dataclass(frozen=True)
class TrainingGameResult:
    """Trials of the training-set game. ``adversary_wins`` counts trials where the learner missed ``10^-digits`` or
    read more than ``M``; ``bound`` is ``(N1-1)/N1``; ``eta_hat`` is the fraction of trials in which an element read at
    precision ``<= M`` differed between coarse columns (then the view did depend on ``j1``)."""

    construction: str
    K: int
    digits: int
    M: int
    learner: str
    trials: int
    adversary_wins: int
    misses: int
    read_more: int
    cp_lower: float
    cp_upper: float
    bound: Fraction
    eta_hat: float
    eta_upper: float
    outcome: Outcome
    seconds: float

    @property
    def rate(self) -> float:
        return self.adversary_wins / self.trials

    def summary(self) -> str:
        return "\n".join([
            f"{self.construction} K={self.K}, training-set game with M={self.M}: learner {self.learner} judged at "
            f"10^-{self.digits}: {str(self.outcome).upper()}",
            f"  observed: missed or read more than M in {self.adversary_wins}/{self.trials} trials "
            f"({self.misses} misses, {self.read_more} read more than M); Clopper-Pearson 95%: "
            f"[{self.cp_lower:.4f}, {self.cp_upper:.4f}]",
            f"  theorem (our class): probability >= {self.bound} - eta; eta_hat = {self.eta_hat:.4f} "
            f"(95% upper {self.eta_upper:.4f})",
        ])

    def to_json(self) -> dict:
        return {
            "kind": "smale18-training-game", "construction": self.construction, "K": self.K, "digits": self.digits,
            "M": self.M, "learner": self.learner, "trials": self.trials, "adversary_wins": self.adversary_wins,
            "misses": self.misses, "read_more": self.read_more, "cp95_lower": self.cp_lower,
            "cp95_upper": self.cp_upper, "theorem_bound": str(self.bound), "eta_hat": self.eta_hat,
            "eta_cp95_upper": self.eta_upper, "outcome": str(self.outcome), "seconds": round(self.seconds, 6),
        }


def play_training(
    learner: Callable,
    omega: Smale18Class,
    M: int,
    samples: int = 8,
    trials: int = 200,
    digits: int | None = None,
    seed: int = 0,
    time_limit: float = 60.0,
    precision_cap: int | None = None,
    name: str | None = None,
    *,
    adversary_seed: int | None = None,
    workers: int | None = None,
    limits=None,
    sealed: bool = True,
) -> TrainingGameResult:
    """Play the training-set game of part (ii) (see the module docstring), sealed as
    :func:`smale18.oracle.adversary.play` is: the learner runs in its own process and reads the training set over its
    socket; ``j1`` comes from the adversary's secret seed.

    >>> omega = training_class("P3", 2)
    >>> r = play_training(LEARNERS["bounded"](omega, 30), omega, M=30, trials=20)
    >>> r.outcome, r.bound
    (<Outcome.DEFEATED: 'defeated'>, Fraction(1, 2))
    """
    if not (callable(learner) or isinstance(learner, str)):
        raise Smale18Error(f"learner={short_repr(learner)} must be callable as learner(train), or a spec string")
    if not isinstance(omega, Smale18Class):
        raise Smale18Error(f"omega must be a Smale18Class, not {type(omega).__name__}")
    if omega.rotation != "hadamard":
        raise Smale18Error("the training game needs exact labels: build the class with training_class(...)")
    _mu2(omega)
    for label, v, lo, hi in (("M", M, 0, MAX_BUDGET), ("samples", samples, 1, MAX_SAMPLES),
                             ("trials", trials, 1, MAX_TRIALS)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
            raise Smale18Error(f"{label}={short_repr(v)} must be an integer >= {lo} and <= {hi}")
    M, samples, trials = int(M), int(samples), int(trials)
    digits = omega.K - 1 if digits is None else check_int_range(digits, "digits", 1, MAX_DIGITS)
    seed = check_int_range(seed, "seed", 0, (1 << 128) - 1)
    name = _check_name(name)
    _check_sealed(sealed)
    limits = game_limits(time_limit, limits, workers)
    adv_seed, _ = adversary_seed_for(adversary_seed)
    accuracy = omega.digits_bound(digits)
    cap = max(4 * M + 1024, 8192) if precision_cap is None else check_int_range(precision_cap, "precision_cap", 0,
                                                                                 4 * MAX_BUDGET + 1024)
    t0 = time.perf_counter()
    e1 = M + omega.l0 + 256  # the coarse padding moves by about c eps1 <= 2^(l0 - e1)
    e2 = omega.l0
    fine_j2 = 0
    members = [omega.member(j1, e1, fine_j2, e2) for j1 in range(omega.N1)]
    sets = [_ExactTrainingSet(m, samples) for m in members]
    j1s = np.random.default_rng([adv_seed, 4]).integers(omega.N1, size=trials)
    streams = np.random.SeedSequence([seed, 5]).spawn(trials)
    runs = [Run.training(lambda kind, k, n, s=sets[int(j1s[t])]: s.answer(k, n), (omega.m, omega.N), samples, cap,
                         (streams[t].entropy, streams[t].spawn_key)) for t in range(trials)]
    with open_host(learner, limits, sealed) as host:
        outs = host.run(runs)
    wins = misses = read_more = differed = 0
    for t, out in enumerate(outs):
        j1 = int(j1s[t])
        reads = [(args[0], args[1]) for _, args, _, ans in out.queries if ans is not None]
        refused = any(ans is None for _, _, _, ans in out.queries)
        more = max((n for _, n in reads), default=-1) > M or len(reads) > M or refused
        shallow = {(k, n) for k, n in reads if n <= M}
        if any(any(s.answer(k, n)[1:] != sets[j1].answer(k, n)[1:] for s in sets) for k, n in shallow):
            differed += 1
        miss = True
        if out.error is None:
            k = 0 if out.index is None else out.index
            if 0 <= k < samples:
                z, reason = judge_output(out.value, omega.N)
                if reason is None:
                    miss = not members[j1].distance(z, scale=_scale(int(k))).upper <= accuracy
        misses += miss
        read_more += more
        wins += miss or more
    cp_lower, cp_upper = _clopper_pearson(wins, trials)
    eta_hat, eta_upper = differed / trials, _clopper_pearson(differed, trials)[1]
    bound = Fraction(omega.N1 - 1, omega.N1)
    outcome = Outcome.DEFEATED if at_least_with_slack(cp_upper, bound, eta_upper) else Outcome.NOT_DEFEATED
    return TrainingGameResult(omega.name, omega.K, digits, M, name or candidate_name(learner), trials,
                              wins, misses, read_more, cp_lower, cp_upper, bound, eta_hat, eta_upper, outcome,
                              time.perf_counter() - t0)


# -- learners a user would try -------------------------------------------------------------------------------------
def _coarse_vertex(omega: Smale18Class, j1: int | None) -> DyadicArray:
    from .candidates import _algorithm_output

    return _algorithm_output(omega, j1)


def _transpose_rotation(omega: Smale18Class) -> DyadicArray:
    H = omega.rotation_matrix().approx(0)
    return DyadicArray(np.array(H.numerators.T.tolist(), dtype=object), H.exponent)


def _separating_learner(omega: Smale18Class, M: int | None = None):
    """Reads sample 0 at precision 8, 16, 32, ... until the coarse row separates (exactly, from D^T A_n), then answers
    the k-minus-1 output: reaches 10^-(K-1), and must read beyond M."""

    Ht = _transpose_rotation(omega)

    def separating(train):
        n = 8
        while True:
            Bn = _rotate(Ht, train.sample(0, n).A).to_fractions()
            row = [Bn[0, j] for j in omega.coarse_columns]
            top = max(range(omega.N1), key=lambda j: row[j])
            gap = Fraction(2, 1 << n)  # each entry of B_n is within 2^-n of B's
            if all(row[top] - row[j] > gap for j in range(omega.N1) if j != top):
                return _coarse_vertex(omega, top)
            n *= 2

    return separating


def _bounded_learner(omega: Smale18Class, M: int):
    """Reads sample 0 at precision M only; answers the coarse vertex of a column drawn at random among those tied in
    B_M: a learner that respects the budget M."""

    Ht = _transpose_rotation(omega)

    def bounded(train, rng):
        Bn = _rotate(Ht, train.sample(0, M).A).to_fractions()
        row = [Bn[0, j] for j in omega.coarse_columns]
        top = [j for j in range(omega.N1) if row[j] == max(row)]
        return _coarse_vertex(omega, int(top[int(rng.integers(len(top)))]))

    return bounded


def _label_learner(omega: Smale18Class, M: int):
    """Reads sample 0 at precision M and answers its label (a minimiser of the perturbed problem)."""

    def label(train):
        return train.sample(0, M).x

    return label


#: learners by name; each is made for a class and a budget M
LEARNERS = {"separating": _separating_learner, "bounded": _bounded_learner, "label": _label_learner}
