"""The game engine: the Smale-18 barrier (THEORY §2.2) played against any candidate algorithm, sealed.

:func:`play` runs a candidate against a class :class:`~smale18.oracle.constructions.Smale18Class`. The candidate runs in
a process of its own (:mod:`smale18.oracle.sealed`): it sees the shapes, the problem (``inp.problem``) and the answers
to its queries, nothing else; its output crosses back as plain numbers. The engine keeps the instance and the
adversary's coins, drawn from a secret seed that is revealed in the result.

1. The coarse row is fixed (``j1`` from the adversary's coins, ``eps1 = 2^-l0``); the fine row is *tied*. Every
   query is answered with the honest rounding of the tied member.
2. The candidate halts with an output ``z`` after reading precision at most ``k*``.
3. The adversary commits to ``eps2 = 2^-e2`` below every precision read (``e2 = max(l0, k*) + l0 + 192``: the
   padding entry moves by about ``c_f eps2 <= 2^(l0 - e2)``) and, for a
   deterministic candidate, to the fine column ``j2`` whose minimiser is farthest from ``z``. It then checks that
   every answer given is *exactly* the honest answer of the committed member (so :func:`replay` reproduces the run
   through an honest oracle), or failing that, that each answer is proven within ``2^-n`` of it; if neither holds
   the engine raises :class:`~smale18.oracle.EngineError` instead of giving a verdict.
4. The verdict comes from a rigorous enclosure of ``dist(z, Xi)``: DEFEATED if its lower end exceeds ``10^-D``.

Randomised candidates (those with an explicit ``rng`` parameter) play ``trials`` independent rounds, in parallel,
against a member fixed in advance (``eps2`` below the precision cap, ``j2`` from the adversary's coins), and the
success rate is reported with a Clopper–Pearson bound against the theorem's ``1/2 + eta``
(``proofs_notes/smale18_game.md``).
"""

from __future__ import annotations

import enum
import json
import secrets
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np
from scipy import stats

from ._errors import EngineError, Smale18Error, check_int_range, short_repr
from ._strict_json import loads_strict, strict_validator_class
from ._verdict import Interval, format_bound
from ._worker import has_rng_parameter
from .constructions.smale18 import MAX_DIGITS as _MAX_DIGITS
from .constructions.smale18 import Smale18Class, Smale18Member
from .dyadic import DyadicArray
from .exact import is_within
from .inexact import DEFAULT_PRECISION_CAP, ProblemSpec, QueryLog, QueryRecord
from .adapters import is_candidate
from .sealed import Limits, Run, RunOutcome, open_host

__all__ = ["Outcome", "GameResult", "RandomisedGameResult", "GameCase", "play", "replay", "read_case", "case_member",
           "case_schema", "judge_output", "is_randomised", "judge_prec_bits", "MAX_DIGITS"]

#: the largest ``D`` a game judges at (accuracy ``10^-D``; smale18.oracle.constructions.smale18.MAX_DIGITS)
MAX_DIGITS = _MAX_DIGITS
#: the most trials a randomised game plays
MAX_TRIALS = 100_000
#: the judge's own budget (seconds) for the commitment and transcript check after a run
JUDGE_SECONDS = 600.0


class Outcome(enum.Enum):
    """DEFEATED: the candidate missed ``10^-D`` (proven) or lost by a judged fault; NOT_DEFEATED: it reached
    ``10^-D`` (proven); UNDECIDED: the enclosure straddles ``10^-D``."""

    DEFEATED = "defeated"
    NOT_DEFEATED = "not defeated"
    UNDECIDED = "undecided"

    def __str__(self) -> str:
        return self.value


def is_randomised(candidate: Callable) -> bool:
    """True if the candidate's signature names a parameter ``rng`` (then it is played as a randomised algorithm).
    ``**kwargs`` alone does not make a candidate randomised. A sealed game asks this of the candidate's own process."""
    return has_rng_parameter(candidate)


def candidate_name(candidate) -> str:
    if isinstance(candidate, str):
        return candidate
    return getattr(candidate, "__name__", None) or type(candidate).__name__


def judge_output(raw, N: int) -> tuple[DyadicArray | None, str | None]:
    """Turn an output into an exact vector of length ``N``, or a one-line reason why it is a loss.

    In a game ``raw`` is what the engine decoded from plain numbers (a fresh float64 array or :class:`DyadicArray`);
    nothing of the candidate's is called here."""
    N = check_int_range(N, "N", 1, 1 << 22)
    if type(raw) is DyadicArray:
        out = raw
    else:
        try:
            arr = np.asarray(raw, dtype=float)
        except (TypeError, ValueError, OverflowError) as exc:
            return None, f"output is not an array of numbers ({type(raw).__name__}: {exc})"
        if arr.shape != (N,):
            return None, f"wrong shape {arr.shape}, expected ({N},)"
        if not np.all(np.isfinite(arr)):
            return None, "output has a non-finite entry (NaN or infinity)"
        out = DyadicArray.from_float64(arr)
    if out.shape != (N,):
        return None, f"wrong shape {out.shape}, expected ({N},)"
    return out, None


@dataclass(frozen=True)
class GameResult:
    """One deterministic game, with its evidence.

    ``instance`` is the committed member (exact; ``instance.to_json()``), ``output`` the candidate's answer (None on
    a judged loss), ``distance`` a rigorous enclosure of ``dist(output, Xi(instance))``, ``accuracy`` the ``10^-D``
    judged against, ``log`` the queries, ``transcript_honest`` whether every answer given equals the committed
    member's honest answer (then :func:`replay` reproduces the game), ``answers_within`` whether every answer is
    proven within ``2^-n`` of the committed member.
    """

    construction: str
    K: int
    digits: int
    candidate: str
    outcome: Outcome
    reason: str
    instance: Smale18Member
    output: DyadicArray | None
    distance: Interval | None
    accuracy: Fraction
    log: QueryLog
    transcript_honest: bool
    answers_within: bool
    seconds: float
    adversary_seed: int | None = None
    predictable: bool = False
    sealed: bool = True
    tail: str = ""

    def to_json(self) -> dict:
        return {
            "kind": "smale18-game",
            "construction": self.construction,
            "K": self.K,
            "digits": self.digits,
            "candidate": self.candidate,
            "outcome": str(self.outcome),
            "reason": self.reason,
            "instance": self.instance.to_json(),
            "output": None if self.output is None else self.output.to_json(),
            "distance": None if self.distance is None else {
                "lower": str(self.distance.lower), "upper": str(self.distance.upper)},
            "accuracy": str(self.accuracy),
            "queries": [{"kind": r.kind, "n": r.n, "refused": r.refused} for r in self.log.records],
            "deepest": self.log.deepest,
            "transcript_honest": self.transcript_honest,
            "answers_within": self.answers_within,
            "seconds": round(self.seconds, 6),
            **_provenance_json(self),
            "candidate_tail": self.tail,
        }

    def summary(self) -> str:
        lines = [f"{self.construction} K={self.K}: candidate {self.candidate} judged at 10^-{self.digits}: "
                 f"{str(self.outcome).upper()}", f"  reason: {self.reason}"]
        if self.distance is not None:
            lines.append(f"  certified: dist(output, Xi) in [{format_bound(self.distance.lower, 'down', 6)}, "
                         f"{format_bound(self.distance.upper, 'up', 6)}]  vs  10^-{self.digits}")
        lines.append(f"  counterexample: {self.instance!r}")
        lines.append(f"  queries: {self.log.summary()}; answers are the honest rounding of this instance: "
                     f"{'yes' if self.transcript_honest else 'no'}")
        lines += _provenance_lines(self)
        if self.tail:
            lines.append("  the candidate's last output:")
            lines += ["    | " + line for line in self.tail.rstrip().splitlines()[-8:]]
        return "\n".join(lines)


@dataclass(frozen=True)
class RandomisedGameResult:
    """A randomised candidate over many trials: success counts with Clopper–Pearson bounds against ``bound + eta``.

    ``eta`` is the probability that the candidate's view depends on the committed fine column (THEORY §2.2 step 4);
    it is estimated as the fraction ``eta_hat`` of trials in which some answer differed between the two fine
    members, with a one-sided 95% Clopper–Pearson upper bound ``eta_upper``.
    """

    construction: str
    K: int
    digits: int
    candidate: str
    trials: int
    successes: int
    undecided: int
    losses: int
    cp_lower: float
    cp_upper: float
    bound: Fraction
    eta_hat: float
    eta_upper: float
    eta_method: str
    outcome: Outcome
    failure: GameResult | None
    seconds: float
    adversary_seed: int | None = None
    predictable: bool = False
    sealed: bool = True
    workers: int = 1

    @property
    def success_rate(self) -> float:
        return self.successes / self.trials

    def to_json(self) -> dict:
        return {
            "kind": "smale18-randomised-game",
            "construction": self.construction, "K": self.K, "digits": self.digits, "candidate": self.candidate,
            "trials": self.trials, "successes": self.successes, "undecided": self.undecided, "losses": self.losses,
            "success_rate": self.success_rate, "cp95_lower": self.cp_lower, "cp95_upper": self.cp_upper,
            "theorem_bound": str(self.bound), "eta_hat": self.eta_hat, "eta_cp95_upper": self.eta_upper,
            "eta_method": self.eta_method, "outcome": str(self.outcome),
            "failure": None if self.failure is None else self.failure.to_json(),
            "seconds": round(self.seconds, 6), "workers": self.workers,
            **_provenance_json(self),
        }

    def summary(self) -> str:
        return "\n".join([
            f"{self.construction} K={self.K}: randomised candidate {self.candidate} judged at 10^-{self.digits}: "
            f"{str(self.outcome).upper()}",
            f"  observed: {self.successes}/{self.trials} certified successes ({self.undecided} undecided counted as "
            f"successes); Clopper-Pearson 95%: p in [{self.cp_lower:.4f}, {self.cp_upper:.4f}]",
            f"  theorem: p <= {self.bound} + eta; eta_hat = {self.eta_hat:.4f} "
            f"(95% upper {self.eta_upper:.4f}): {self.eta_method}",
        ] + _provenance_lines(self))


def _provenance_json(result) -> dict:
    return {"sealed": result.sealed, "adversary_seed": None if result.adversary_seed is None else
            str(result.adversary_seed), "adversary_predictable": result.predictable}


def _provenance_lines(result) -> list[str]:
    lines = []
    if not result.sealed:
        lines.append("  UNSEALED: the candidate ran in the judge's own process (debugging mode); this verdict does "
                     "not hold against a candidate that cheats")
    if result.adversary_seed is not None:
        lines.append(f"  adversary's seed (secret during the game, revealed now): {result.adversary_seed}"
                     + ("; it was given in advance, so this game was PREDICTABLE" if result.predictable else ""))
    return lines


def _clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """One-sided ``level`` lower and upper Clopper–Pearson bounds for ``k`` successes in ``n >= 1`` trials: the ends
    of the two-sided exact interval at confidence ``2 level - 1`` (each end leaves ``1 - level`` outside), from
    :meth:`scipy.stats.binomtest`'s ``proportion_ci(method="exact")``. Observed statistics, not certified."""
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=2 * level - 1, method="exact")
    return float(ci.low), float(ci.high)


def _query_log(out: RunOutcome) -> QueryLog:
    return QueryLog(tuple(QueryRecord(kind, args[0], sec, ans) for kind, args, sec, ans in out.queries))


def _loss_reason(out: RunOutcome, log: QueryLog, cap: int) -> str | None:
    if log.cap_hit:
        refused = [r.n for r in log.records if r.refused]
        return f"asked for precision n={refused[0]} beyond the cap of {cap} bits"
    return out.error


def _transcript_check(log: QueryLog, member: Smale18Member, deadline: float) -> tuple[bool, bool]:
    """(every answer equals the member's honest answer, every answer is proven within 2^-n of the member).
    Each distinct query is checked once; past ``deadline`` (monotonic) the engine gives up with an EngineError."""
    distinct = {(r.kind, r.n): r.answer for r in log.records if not r.refused}
    honest = True
    for (kind, n), answer in distinct.items():
        _check_deadline(deadline)
        if (member.A if kind == "A" else member.y).approx(n) != answer:
            honest = False
            break
    if honest:
        return True, True
    within = True
    for (kind, n), answer in distinct.items():
        _check_deadline(deadline)
        if not is_within(answer, member.A if kind == "A" else member.y, n):
            within = False
            break
    return False, within


def _check_deadline(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise EngineError(f"judging took longer than its budget of {JUDGE_SECONDS:g} s; no verdict")


def judge_prec_bits(digits: int) -> int:
    """Working precision (bits) of the judge's distance enclosures at accuracy ``10^-digits``: 256 bits beyond
    ``digits log2(10)`` (``10/3 > log2 10``), so that an enclosure's width (relative ``2^-prec`` of entries of size at
    most ``10^2``) is far below ``10^-digits`` and a verdict is never UNDECIDED for lack of precision."""
    return 256 + (10 * check_int_range(digits, "digits", 1, MAX_DIGITS)) // 3 + 1


def at_most_with_slack(observed: float, bound: Fraction, slack: float) -> bool:
    """``observed <= bound + slack``, decided exactly: the floats (statistics, observed) are read as the dyadic
    rationals they are and compared with the exact ``bound``; no float addition rounds the comparison."""
    return Fraction(observed) <= bound + Fraction(slack)


def at_least_with_slack(observed: float, bound: Fraction, slack: float) -> bool:
    """``observed >= bound - slack``, decided exactly (see :func:`at_most_with_slack`)."""
    return Fraction(observed) >= bound - Fraction(slack)


def _verdict(distance: Interval, accuracy: Fraction, digits: int) -> tuple[Outcome, str]:
    if distance.lower > accuracy:
        return Outcome.DEFEATED, f"dist(output, Xi) >= {format_bound(distance.lower, 'down', 6)} > 10^-{digits}"
    if distance.upper <= accuracy:
        return Outcome.NOT_DEFEATED, f"dist(output, Xi) <= {format_bound(distance.upper, 'up', 6)} <= 10^-{digits}"
    return Outcome.UNDECIDED, "the distance enclosure straddles the accuracy"


def _check_candidate(candidate) -> None:
    if not (isinstance(candidate, str) or is_candidate(candidate)):
        raise Smale18Error(f"candidate={short_repr(candidate)} must be callable as candidate(inp), an estimator, or a "
                           "spec string")


def _check_name(name) -> str | None:
    if name is not None and (not isinstance(name, str) or len(name) > 4096):
        raise Smale18Error(f"name={short_repr(name)} must be None or a string of at most 4096 characters")
    return name


def _check_sealed(sealed) -> None:
    if not isinstance(sealed, (bool, np.bool_)):
        raise Smale18Error(f"sealed={short_repr(sealed)} must be True or False")


def _check_digits(omega: Smale18Class, digits) -> int:
    return omega.K if digits is None else check_int_range(digits, "digits", 1, MAX_DIGITS)


def adversary_seed_for(adversary_seed) -> tuple[int, bool]:
    """``(seed, predictable)``: a fresh secret 128-bit seed, or the one given (then the game is predictable)."""
    if adversary_seed is None:
        return secrets.randbits(128), False
    return check_int_range(adversary_seed, "adversary_seed", 0, (1 << 128) - 1), True


def problem_spec(omega: Smale18Class) -> dict:
    """The problem a member of ``omega`` poses, as the candidate sees it (``inp.problem``)."""
    if omega.problem == "P1":
        return ProblemSpec("P1", eta=omega.eta).to_json()
    return ProblemSpec(omega.problem, lam=omega.lam).to_json()


def game_limits(time_limit, limits: Limits | None, workers: int | None) -> Limits:
    """``limits`` if given, else the defaults with ``time_limit`` per run and ``workers`` runs at once."""
    if limits is not None:
        if not isinstance(limits, Limits):
            raise Smale18Error(f"limits must be a smale18.oracle.sealed.Limits, not {type(limits).__name__}")
        return limits
    if workers is not None:
        workers = check_int_range(workers, "workers", 1, 256)
    return Limits(wall_seconds=_seconds(time_limit, "time_limit"), workers=workers)


def _seconds(value, name: str, upper: float = 86400.0) -> float:
    """A finite number of seconds in ``(0, upper]`` (any real type; a huge int is refused, not overflowed)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or (isinstance(value, (int, np.integer)) and not 0 < value <= upper) \
            or not (np.isfinite(float(value)) and 0 < value <= upper):
        raise Smale18Error(f"{name}={short_repr(value)} must be a number in (0, {upper:g}]")
    return float(value)


def play(
    candidate,
    omega: Smale18Class,
    digits: int | None = None,
    trials: int = 200,
    seed: int = 0,
    time_limit: float = 60.0,
    precision_cap: int = DEFAULT_PRECISION_CAP,
    name: str | None = None,
    *,
    adversary_seed: int | None = None,
    workers: int | None = None,
    limits: Limits | None = None,
    sealed: bool = True,
    progress: Callable[[int, int], None] | None = None,
):
    """Play the barrier game; return a :class:`GameResult` (deterministic) or :class:`RandomisedGameResult`.

    ``candidate`` is a callable ``candidate(inp)`` (or ``candidate(inp, rng)``: randomised), or a spec string
    ``"path/file.py:fn"`` / ``"package.module:fn"`` that is imported only in the candidate's process. ``digits``
    (default ``omega.K``, at most ``MAX_DIGITS``) sets the accuracy ``10^-digits``; ``seed`` fixes the candidate's
    ``rng``; the adversary's coins come from a fresh secret seed, revealed in the result (``adversary_seed`` fixes it
    and marks the game predictable). ``time_limit`` is the wall-clock limit per run (``limits`` sets all of them);
    ``workers`` runs randomised trials at once (default: all cores; counts do not depend on it). ``sealed=False``
    runs the candidate in this process, for debugging; its result says "unsealed".

    >>> from smale18.oracle.constructions import Smale18Class
    >>> omega = Smale18Class("P3", K=3, N2=2)
    >>> def zero(inp):                                   # a candidate that always answers 0
    ...     return np.zeros(inp.N)
    >>> play(zero, omega).outcome
    <Outcome.DEFEATED: 'defeated'>
    """
    if not isinstance(omega, Smale18Class):
        raise Smale18Error(f"omega must be a Smale18Class, not {type(omega).__name__}")
    _check_candidate(candidate)
    name = _check_name(name)
    _check_sealed(sealed)
    if progress is not None and not callable(progress):
        raise Smale18Error(f"progress={short_repr(progress)} must be None or callable as progress(done, total)")
    digits = _check_digits(omega, digits)
    trials = check_int_range(trials, "trials", 1, MAX_TRIALS)
    seed = check_int_range(seed, "seed", 0, (1 << 128) - 1)
    cap = check_int_range(precision_cap, "precision_cap", 0, 1 << 20)
    limits = game_limits(time_limit, limits, workers)
    adv_seed, predictable = adversary_seed_for(adversary_seed)
    t0 = time.perf_counter()
    host = open_host(candidate, limits, sealed)
    try:
        if host.randomised and sealed:  # trials run in parallel with one BLAS thread each, on any number of workers
            host.close()
            host = open_host(candidate, limits, sealed, blas_threads=1)
        name = name or candidate_name(candidate)
        game = _Game(omega, digits, cap, name, adv_seed, predictable, sealed, t0)
        if host.randomised:
            return game.randomised(host, trials, seed, limits, progress)
        return game.deterministic(host)
    finally:
        host.close()


class _Game:
    """One game's fixed data: the class, the accuracy, the adversary's seed."""

    def __init__(self, omega, digits, cap, name, adv_seed, predictable, sealed, t0):
        self.omega, self.digits, self.cap, self.name = omega, digits, cap, name
        self.adv_seed, self.predictable, self.sealed, self.t0 = adv_seed, predictable, sealed, t0
        self.accuracy = omega.digits_bound(digits)
        self.prec_bits = judge_prec_bits(digits)
        self.problem = problem_spec(omega)
        self._distances: dict = {}

    @property
    def j1(self) -> int:
        """The coarse column, the adversary's first coin."""
        return int(np.random.default_rng([self.adv_seed, 1]).integers(self.omega.N1))

    def _run(self, member: Smale18Member, rng=None) -> Run:
        def answer(kind, n):
            return (member.A if kind == "A" else member.y).approx(n)

        return Run.inexact(answer, (self.omega.m, self.omega.N), self.cap, self.problem, rng)

    def _result(self, outcome, why, member, output, distance, log, honest, within, seconds, tail=""):
        return GameResult(self.omega.name, self.omega.K, self.digits, self.name, outcome, why, member, output,
                          distance, self.accuracy, log, honest, within, seconds, self.adv_seed, self.predictable,
                          self.sealed, tail)

    def judge_fixed(self, member: Smale18Member, out: RunOutcome):
        """Judge a run against a member fixed before it: ``(outcome, why, judged loss?, output, distance, log)``."""
        log = _query_log(out)
        reason = _loss_reason(out, log, self.cap)
        if reason is not None:
            return Outcome.DEFEATED, f"judged loss: {reason}", True, None, None, log
        # randomised trials often repeat an output: read and enclose each (member, output) once. A float64 output is
        # keyed by its bytes (an array the engine decoded itself), so a repeat costs no conversion.
        raw = out.value
        raw_key = ("f8", raw.shape, raw.tobytes()) if type(raw) is np.ndarray and raw.dtype == np.float64 else raw
        key = (member.j1, member.e1, member.j2, member.e2, raw_key)
        if key not in self._distances:
            output, reason = judge_output(raw, self.omega.N)
            self._distances[key] = (output, reason,
                                    None if reason is not None else member.distance(output, self.prec_bits))
        output, reason, distance = self._distances[key]
        if reason is not None:
            return Outcome.DEFEATED, f"judged loss: {reason}", True, None, None, log
        outcome, why = _verdict(distance, self.accuracy, self.digits)
        return outcome, why, False, output, distance, log

    def deterministic(self, host) -> GameResult:
        omega, j1 = self.omega, self.j1
        tied = omega.tied(j1, omega.l0)
        [out] = host.run([self._run(tied)])
        log = _query_log(out)
        reason = _loss_reason(out, log, self.cap)
        output = None
        if reason is None:
            output, reason = judge_output(out.value, omega.N)
        deadline = time.monotonic() + JUDGE_SECONDS
        e2 = max(omega.l0, log.deepest) + omega.l0 + 192  # (2 c_f + 2) eps2 <= 2^-(k* + 192)
        for _ in range(4):
            if output is None:
                committed, distance = omega.member(j1, omega.l0, 0, e2), None
            else:
                options = [omega.member(j1, omega.l0, j2, e2) for j2 in (0, 1)]
                dists = [m.distance(output, self.prec_bits) for m in options]
                best = max(range(2), key=lambda k: dists[k].lower)
                committed, distance = options[best], dists[best]
            honest, within = _transcript_check(log, committed, deadline)
            if honest:
                break
            e2 += 512
        if not within:
            raise EngineError(f"the adversary found no member consistent with every answer given (deepest query "
                              f"n={log.deepest}, eps2 = 2^-{e2}); no verdict")
        if reason is not None:
            outcome, why = Outcome.DEFEATED, f"judged loss: {reason}"
        else:
            outcome, why = _verdict(distance, self.accuracy, self.digits)
        return self._result(outcome, why, committed, output, distance, log, honest, within,
                            time.perf_counter() - self.t0, out.tail)

    def randomised(self, host, trials, seed, limits, progress) -> RandomisedGameResult:
        omega = self.omega
        e2 = self.cap + omega.l0 + 192  # below every precision the oracle answers, fixed before any trial
        members = [omega.member(self.j1, omega.l0, j2, e2) for j2 in (0, 1)]
        coins = np.random.default_rng([self.adv_seed, 2]).integers(2, size=trials)
        streams = np.random.SeedSequence([seed, 3]).spawn(trials)
        runs = [self._run(members[int(coins[t])], (streams[t].entropy, streams[t].spawn_key)) for t in range(trials)]
        differs: dict[int, bool] = {}

        def differ(n):
            if n not in differs:
                differs[n] = members[0].A.approx(n) != members[1].A.approx(n)
            return differs[n]

        verdicts: list = [None] * trials

        def judge(t: int, out: RunOutcome) -> None:  # called as each trial ends, while others still run
            member = members[int(coins[t])]
            outcome, why, lost, output, distance, log = self.judge_fixed(member, out)
            saw = any(r.kind == "A" and not r.refused and differ(r.n) for r in log.records)
            verdicts[t] = (outcome, saw, lost, (why, member, output, distance, log, out))

        host.run(runs, None if progress is None else (lambda done: progress(done, trials)), on_result=judge)
        successes = sum(v[0] is Outcome.NOT_DEFEATED for v in verdicts)
        undecided = sum(v[0] is Outcome.UNDECIDED for v in verdicts)
        losses = sum(v[2] for v in verdicts)
        saw_difference = sum(v[1] for v in verdicts)
        failure = None
        for outcome, _, _, (why, member, output, distance, log, out) in verdicts:
            if outcome is Outcome.DEFEATED:
                failure = self._result(outcome, why, member, output, distance, log, True, True, out.seconds, out.tail)
                break
        counted = successes + undecided
        cp_lower, cp_upper = _clopper_pearson(counted, trials)
        eta_hat = saw_difference / trials
        eta_upper = _clopper_pearson(saw_difference, trials)[1]
        bound = Fraction(1, 2)
        outcome = Outcome.DEFEATED if at_most_with_slack(cp_lower, bound, eta_upper) else Outcome.NOT_DEFEATED
        method = (f"eps2 = 2^-{e2} lies below the precision cap, so the two fine members give identical answers "
                  f"unless rounding differs; eta_hat = fraction of trials whose answers differed between the members "
                  f"({saw_difference}/{trials})")
        return RandomisedGameResult(omega.name, omega.K, self.digits, self.name, trials, successes, undecided, losses,
                                    cp_lower, cp_upper, bound, eta_hat, eta_upper, method, outcome, failure,
                                    time.perf_counter() - self.t0, self.adv_seed, self.predictable, self.sealed,
                                    limits.parallel if self.sealed else 1)


#: the largest e1, e2 a replayed case may name (eps = 2^-e)
MAX_CASE_EXPONENT = 1 << 16
#: the published schema of case files, inside the package
CASE_SCHEMA_FILE = "schemas/game-case.schema.json"
#: the deepest nesting of JSON containers a case file may have (a valid case nests at most 3 deep)
MAX_CASE_DEPTH = 64
#: the longest case text read (the CLI reads at most 64 MiB from a file)
MAX_CASE_CHARS = 64 << 20


@dataclass(frozen=True)
class GameCase:
    """A stored counterexample, validated: the committed member and the accuracy ``10^-digits`` it was judged at.
    Made by :func:`read_case`; :func:`replay` takes it as it is (the file is parsed once)."""

    member: Smale18Member
    digits: int


def case_schema() -> dict:
    """The published JSON Schema of game case files (``oracle/schemas/game-case.schema.json``)."""
    from importlib import resources

    return json.loads((resources.files("smale18.oracle") / CASE_SCHEMA_FILE).read_text(encoding="utf-8"))


_CASE_VALIDATOR = None


def _case_validator():
    """A Draft 2020-12 validator of the case schema, stricter in two ways JSON Schema cannot say: ``integer`` means
    a JSON integer (Python ``int``, not a bool and not an integral float such as ``40.0``), and ``pattern``'s ``$``
    matches only at the end of the string (Python's ``$`` also matches before a final newline)."""
    global _CASE_VALIDATOR
    if _CASE_VALIDATOR is None:
        _CASE_VALIDATOR = strict_validator_class()(case_schema())
    return _CASE_VALIDATOR


def _load_case_text(text: str):
    if len(text) > MAX_CASE_CHARS:
        raise Smale18Error(f"case has {len(text)} characters, more than the limit of {MAX_CASE_CHARS}")
    return loads_strict(text, "case file", MAX_CASE_DEPTH)


def _check_case_depth(obj) -> None:
    """Refuse a case that is not a JSON object, containers nested deeper than MAX_CASE_DEPTH, and integers of more
    than 4096 bits (iteratively: no recursion on hostile input; a dict passed in may hold what JSON text cannot)."""
    if not isinstance(obj, dict):
        raise Smale18Error("case must be a JSON object, a game record with an 'instance' (write one with smale18 game "
                           "--out)")
    stack = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if depth >= MAX_CASE_DEPTH:
            raise Smale18Error(f"case is nested too deeply (more than {MAX_CASE_DEPTH} levels)")
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
            elif isinstance(child, int) and child.bit_length() > 4096:
                raise Smale18Error(f"case has an integer of {child.bit_length()} bits; no field needs more than 4096")


def _case_schema_message(error) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    where = f"case {path}" if path else "case"
    kw, value = error.validator, error.instance
    shown = short_repr(value) if not isinstance(value, (dict, list)) else ""
    if kw == "additionalProperties":
        extra = sorted(set(value) - set(error.schema.get("properties", {})), key=str)
        return f"{where} has unexpected field(s) {short_repr(extra, 80)} (schema {CASE_SCHEMA_FILE})"
    if kw == "required":
        return f"{where}: {error.message[:120]} (schema {CASE_SCHEMA_FILE})"
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    if kw == "type" and error.validator_value == "object" and where == "case":
        return "case must be a JSON object, a game record with an 'instance' (write one with smale18 game --out)"
    if description and kw in ("type", "minimum", "maximum", "pattern", "oneOf"):
        what = f"must be {description}"
    elif kw == "type":
        kind = str(error.validator_value)
        what = "must be a JSON integer" if kind == "integer" else f"must be of type {kind}"
    elif kw in ("minimum", "maximum"):
        what = f"must be {'>=' if kw == 'minimum' else '<='} {error.validator_value}"
    elif kw in ("enum", "const"):
        options = error.validator_value if kw == "enum" else [error.validator_value]
        what = "must be one of " + ", ".join(map(repr, options))
    elif kw in ("maxItems", "maxLength"):
        what = f"must have at most {error.validator_value} {'entries' if kw == 'maxItems' else 'characters'}"
    else:
        what = f"violates {kw} {short_repr(error.validator_value, 60)}"
    return f"{where}{'=' + shown if shown else ''} {what} (schema {CASE_SCHEMA_FILE})"


def read_case(case) -> GameCase:
    """Read and validate a stored game record (its JSON text, or the dict :meth:`GameResult.to_json` gave): first
    the published schema (:func:`case_schema`: strict types, bounded sizes, exponents and nesting), then the semantics:
    a committed (not tied) member with ``e1, e2 >= l0``, and ``digits`` (default the class's K) consistent with the
    stored ``accuracy``. Raises :class:`~smale18.oracle.Smale18Error` with a one-line reason."""
    if isinstance(case, GameCase):
        return case
    if isinstance(case, (bytes, bytearray)):
        try:
            case = bytes(case).decode("utf-8")
        except UnicodeDecodeError:
            raise Smale18Error("case file is not UTF-8 text (JSON)") from None
    if isinstance(case, str):
        case = _load_case_text(case)
    _check_case_depth(case)
    errors = sorted(_case_validator().iter_errors(case), key=lambda e: (len(e.absolute_path), str(e.absolute_path)))
    if errors:
        raise Smale18Error(_case_schema_message(errors[0]))
    inst = case["instance"]
    if inst["e2"] is None:
        raise Smale18Error("case instance is the tied member (e2 = null): a case names a committed member")
    member = Smale18Member.from_json(inst)
    digits = case.get("digits", member.omega.K)
    if "accuracy" in case and case["accuracy"] != str(member.omega.digits_bound(digits)):
        raise Smale18Error(f"case accuracy={short_repr(case['accuracy'])} is not 10^-{digits}: the record was played "
                           "at another accuracy than its digits say")
    return GameCase(member, digits)


def case_member(case) -> tuple[Smale18Member, int]:
    """``(member, digits)`` of a stored game record, validated as :func:`read_case` does."""
    c = read_case(case)
    return c.member, c.digits


def replay(case, candidate, time_limit: float = 60.0,
           precision_cap: int = DEFAULT_PRECISION_CAP, name: str | None = None, *,
           limits: Limits | None = None, sealed: bool = True) -> GameResult:
    """Run ``candidate`` on the stored instance of a game (a :class:`GameCase`, ``GameResult.to_json()`` or its JSON
    text, validated by :func:`read_case`) through an *honest* oracle, sealed as in :func:`play`, and judge it again at
    the stored accuracy."""
    member, digits = case_member(case)
    _check_candidate(candidate)
    name = _check_name(name)
    _check_sealed(sealed)
    cap = check_int_range(precision_cap, "precision_cap", 0, 1 << 20)
    limits = game_limits(time_limit, limits, None)
    omega = member.omega
    game = _Game(omega, digits, cap, name or candidate_name(candidate), None, False, sealed, time.perf_counter())
    with open_host(candidate, limits, sealed) as host:
        [out] = host.run([game._run(member, (0, ()))])
    outcome, why, _, output, distance, log = game.judge_fixed(member, out)
    return game._result(outcome, why, member, output, distance, log, True, True, time.perf_counter() - game.t0,
                        out.tail)
