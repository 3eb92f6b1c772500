"""The game engine: the Smale-18 barrier (THEORY §2.2) played against any candidate algorithm.

:func:`play` runs a candidate against a class :class:`~oracle.constructions.Smale18Class`:

1. The coarse row is fixed (``j1`` from the seed, ``eps1 = 2^-l0``); the fine row is *tied*. Every query is answered
   with the honest rounding of the tied member.
2. The candidate halts with an output ``z`` after reading precision at most ``k*``.
3. The adversary commits to ``eps2 = 2^-e2`` below every precision read (``e2 = max(l0, k*) + 192``) and, for a
   deterministic candidate, to the fine column ``j2`` whose minimiser is farthest from ``z``. It then checks that
   every answer given is *exactly* the honest answer of the committed member (so :func:`replay` reproduces the run
   through an honest oracle), or failing that, that each answer is proven within ``2^-n`` of it.
4. The verdict comes from a rigorous enclosure of ``dist(z, Xi)``: DEFEATED if its lower end exceeds ``10^-D``.

Randomised candidates (those accepting ``rng``) play ``trials`` independent rounds against a member fixed in advance
(``eps2`` below the precision cap, ``j2`` uniform), and the success rate is reported with a Clopper–Pearson bound
against the theorem's ``1/2 + eta`` (``proofs_notes/smale18_game.md``).
"""

from __future__ import annotations

import enum
import inspect
import json
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np
from scipy import stats

from ._errors import Smale18Error
from ._limits import call_with_limit
from ._verdict import Interval, format_bound
from .constructions.smale18 import Smale18Class, Smale18Member
from .dyadic import DyadicArray
from .exact import ExactArray, is_within
from .inexact import DEFAULT_PRECISION_CAP, InexactInput, QueryLog

__all__ = ["Outcome", "GameResult", "RandomisedGameResult", "play", "replay", "judge_output", "is_randomised"]


class Outcome(enum.Enum):
    """DEFEATED: the candidate missed ``10^-D`` (proven) or lost by a judged fault; NOT_DEFEATED: it reached
    ``10^-D`` (proven); UNDECIDED: the enclosure straddles ``10^-D``."""

    DEFEATED = "defeated"
    NOT_DEFEATED = "not defeated"
    UNDECIDED = "undecided"

    def __str__(self) -> str:
        return self.value


def is_randomised(candidate: Callable) -> bool:
    """True if the candidate accepts a keyword ``rng`` (then it is played as a randomised algorithm)."""
    try:
        params = inspect.signature(candidate).parameters
    except (TypeError, ValueError):
        return False
    return "rng" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def candidate_name(candidate: Callable) -> str:
    return getattr(candidate, "__name__", None) or type(candidate).__name__


def judge_output(raw, N: int) -> tuple[DyadicArray | None, str | None]:
    """Turn what a candidate returned into an exact vector, or a one-line reason why it is a loss."""
    if isinstance(raw, DyadicArray):
        out = raw
    elif isinstance(raw, ExactArray):
        return judge_output(raw.approx(256), N) if raw.shape == (N,) else (None, f"wrong shape {raw.shape}, expected ({N},)")
    else:
        try:
            arr = np.asarray(raw, dtype=float)
        except (TypeError, ValueError) as exc:
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
            "seconds": round(self.seconds, 6),
        }

    def summary(self) -> str:
        return "\n".join([
            f"{self.construction} K={self.K}: randomised candidate {self.candidate} judged at 10^-{self.digits}: "
            f"{str(self.outcome).upper()}",
            f"  observed: {self.successes}/{self.trials} certified successes ({self.undecided} undecided counted as "
            f"successes); Clopper-Pearson 95%: p in [{self.cp_lower:.4f}, {self.cp_upper:.4f}]",
            f"  theorem: p <= {float(self.bound):g} + eta; eta_hat = {self.eta_hat:.4f} "
            f"(95% upper {self.eta_upper:.4f}): {self.eta_method}",
        ])


def _clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """One-sided ``level`` lower and upper Clopper–Pearson bounds for ``k`` successes in ``n`` trials."""
    lower = 0.0 if k == 0 else float(stats.beta.ppf(1 - level, k, n - k + 1))
    upper = 1.0 if k == n else float(stats.beta.ppf(level, k + 1, n - k))
    return lower, upper


def _run(candidate, inp, rng, time_limit):
    if rng is None:
        return call_with_limit(lambda: candidate(inp), time_limit)
    return call_with_limit(lambda: candidate(inp, rng=rng), time_limit)


def _loss_reason(call, inp) -> str | None:
    if inp.log.cap_hit:
        refused = [r.n for r in inp.log.records if r.refused]
        return f"asked for precision n={refused[0]} beyond the cap of {inp.precision_cap} bits"
    if call.error is not None:
        return call.error
    return None


def _transcript_check(log: QueryLog, member: Smale18Member) -> tuple[bool, bool]:
    """(every answer equals the member's honest answer, every answer is proven within 2^-n of the member)."""
    honest = True
    for r in log.records:
        if r.refused:
            continue
        source = member.A if r.kind == "A" else member.y
        if source.approx(r.n) != r.answer:
            honest = False
            break
    if honest:
        return True, True
    within = all(
        is_within(r.answer, member.A if r.kind == "A" else member.y, r.n) for r in log.records if not r.refused
    )
    return False, within


def _verdict(distance: Interval, accuracy: Fraction) -> tuple[Outcome, str]:
    if distance.lower > accuracy:
        return Outcome.DEFEATED, f"dist(output, Xi) >= {format_bound(distance.lower, 'down', 6)} > {float(accuracy):g}"
    if distance.upper <= accuracy:
        return Outcome.NOT_DEFEATED, f"dist(output, Xi) <= {format_bound(distance.upper, 'up', 6)} <= {float(accuracy):g}"
    return Outcome.UNDECIDED, "the distance enclosure straddles the accuracy"


def _check_digits(omega: Smale18Class, digits) -> int:
    if digits is None:
        return omega.K
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)):
        raise Smale18Error(f"digits={digits!r} must be an integer")
    return int(digits)


def play(
    candidate: Callable,
    omega: Smale18Class,
    digits: int | None = None,
    trials: int = 200,
    seed: int = 0,
    time_limit: float = 60.0,
    precision_cap: int = DEFAULT_PRECISION_CAP,
    name: str | None = None,
):
    """Play the barrier game; return a :class:`GameResult` (deterministic) or :class:`RandomisedGameResult`.

    ``digits`` (default ``omega.K``) sets the accuracy ``10^-digits`` the candidate is judged at; ``seed`` fixes the
    adversary's choices and the candidate's ``rng``; ``time_limit`` is the wall-clock limit per run.

    >>> from oracle.constructions import Smale18Class
    >>> omega = Smale18Class("P3", K=3, N2=2)
    >>> centroid = lambda inp: np.zeros(inp.N)          # a candidate that always answers 0
    >>> play(centroid, omega).outcome
    <Outcome.DEFEATED: 'defeated'>
    """
    if not callable(candidate):
        raise Smale18Error(f"candidate={candidate!r} must be callable as candidate(inp)")
    if not isinstance(omega, Smale18Class):
        raise Smale18Error(f"omega must be a Smale18Class, not {type(omega).__name__}")
    digits = _check_digits(omega, digits)
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
        raise Smale18Error(f"trials={trials!r} must be a positive integer")
    if not (isinstance(time_limit, (int, float)) and time_limit > 0):
        raise Smale18Error(f"time_limit={time_limit!r} must be a positive number of seconds")
    name = name or candidate_name(candidate)
    if is_randomised(candidate):
        return _play_randomised(candidate, omega, digits, int(trials), seed, time_limit, precision_cap, name)
    return _play_deterministic(candidate, omega, digits, seed, time_limit, precision_cap, name)


def _coarse(omega: Smale18Class, seed: int) -> tuple[int, int]:
    rng = np.random.default_rng([seed, 1])
    return int(rng.integers(omega.N1)), omega.l0


def _play_deterministic(candidate, omega, digits, seed, time_limit, cap, name) -> GameResult:
    t0 = time.perf_counter()
    j1, e1 = _coarse(omega, seed)
    tied = omega.tied(j1, e1)
    inp = InexactInput.honest(tied.A, tied.y, precision_cap=cap)
    call = _run(candidate, inp, None, time_limit)
    log = inp.log
    accuracy = omega.digits_bound(digits)
    reason = _loss_reason(call, inp)
    output = None
    if reason is None:
        output, reason = judge_output(call.value, omega.N)
    e2 = max(omega.l0, log.deepest) + 192
    for attempt in range(4):
        if output is None:
            committed, distance = omega.member(j1, e1, 0, e2), None
        else:
            options = [omega.member(j1, e1, j2, e2) for j2 in (0, 1)]
            dists = [m.distance(output) for m in options]
            best = max(range(2), key=lambda k: dists[k].lower)
            committed, distance = options[best], dists[best]
        honest, within = _transcript_check(log, committed)
        if honest:
            break
        e2 += 512
    if reason is not None:
        outcome, why = Outcome.DEFEATED, f"judged loss: {reason}"
    else:
        outcome, why = _verdict(distance, accuracy)
    return GameResult(omega.name, omega.K, digits, name, outcome, why, committed, output, distance, accuracy, log,
                      honest, within, time.perf_counter() - t0)


def _play_randomised(candidate, omega, digits, trials, seed, time_limit, cap, name) -> RandomisedGameResult:
    t0 = time.perf_counter()
    j1, e1 = _coarse(omega, seed)
    e2 = cap + 192  # below every precision the oracle answers, fixed before any trial
    members = [omega.member(j1, e1, j2, e2) for j2 in (0, 1)]
    adversary = np.random.default_rng([seed, 2])
    streams = np.random.SeedSequence([seed, 3]).spawn(trials)
    accuracy = omega.digits_bound(digits)
    successes = undecided = losses = saw_difference = 0
    failure = None
    for t in range(trials):
        j2 = int(adversary.integers(2))
        member = members[j2]
        inp = InexactInput.honest(member.A, member.y, precision_cap=cap)
        call = _run(candidate, inp, np.random.default_rng(streams[t]), time_limit)
        log = inp.log
        if any(r.kind == "A" and not r.refused and members[0].A.approx(r.n) != members[1].A.approx(r.n)
               for r in log.records):
            saw_difference += 1
        reason = _loss_reason(call, inp)
        output = distance = None
        if reason is None:
            output, reason = judge_output(call.value, omega.N)
        if reason is not None:
            losses += 1
            outcome, why = Outcome.DEFEATED, f"judged loss: {reason}"
        else:
            distance = member.distance(output)
            outcome, why = _verdict(distance, accuracy)
            successes += outcome is Outcome.NOT_DEFEATED
            undecided += outcome is Outcome.UNDECIDED
        if failure is None and outcome is Outcome.DEFEATED:
            failure = GameResult(omega.name, omega.K, digits, name, outcome, why, member, output, distance, accuracy,
                                 log, True, True, call.seconds)
    counted = successes + undecided
    cp_lower, cp_upper = _clopper_pearson(counted, trials)
    eta_hat = saw_difference / trials
    eta_upper = _clopper_pearson(saw_difference, trials)[1]
    bound = Fraction(1, 2)
    outcome = Outcome.DEFEATED if cp_lower <= float(bound) + eta_upper else Outcome.NOT_DEFEATED
    method = (f"eps2 = 2^-{e2} lies below the precision cap, so the two fine members give identical answers unless "
              f"rounding differs; eta_hat = fraction of trials whose answers differed between the members "
              f"({saw_difference}/{trials})")
    return RandomisedGameResult(omega.name, omega.K, digits, name, trials, successes, undecided, losses, cp_lower,
                                cp_upper, bound, eta_hat, eta_upper, method, outcome, failure,
                                time.perf_counter() - t0)


def replay(case: dict | str, candidate: Callable, time_limit: float = 60.0,
           precision_cap: int = DEFAULT_PRECISION_CAP, name: str | None = None) -> GameResult:
    """Run ``candidate`` on the stored instance of a game (``GameResult.to_json()`` or its JSON text) through an
    *honest* oracle, and judge it again at the stored accuracy."""
    if isinstance(case, str):
        try:
            case = json.loads(case)
        except json.JSONDecodeError as exc:
            raise Smale18Error(f"case file is not JSON: {exc}") from None
    if not isinstance(case, dict) or "instance" not in case:
        raise Smale18Error("case must be a game record with an 'instance' (write one with smale18 game --out)")
    member = Smale18Member.from_json(case["instance"])
    digits = int(case.get("digits", member.omega.K))
    t0 = time.perf_counter()
    inp = InexactInput.honest(member.A, member.y, precision_cap=precision_cap)
    call = _run(candidate, inp, np.random.default_rng(0) if is_randomised(candidate) else None, time_limit)
    accuracy = member.omega.digits_bound(digits)
    reason = _loss_reason(call, inp)
    output = distance = None
    if reason is None:
        output, reason = judge_output(call.value, member.omega.N)
    if reason is not None:
        outcome, why = Outcome.DEFEATED, f"judged loss: {reason}"
    else:
        distance = member.distance(output)
        outcome, why = _verdict(distance, accuracy)
    return GameResult(member.omega.name, member.omega.K, digits, name or candidate_name(candidate), outcome, why,
                      member, output, distance, accuracy, inp.log, True, True, time.perf_counter() - t0)
