"""The coin-flip barrier for approximate minimisers (THEORY §6, proofs in ``proofs_notes/coinflip.md``).

Data ``{(0, 0), (delta, 1)}``, affine model ``t -> w t + b``, loss ``L(w, b) = 1/2 [b^2 + (w delta + b - 1)^2]`` (minimum
0). Every ``tau``-approximate minimiser with ``tau < 1/4`` has ``sign(w) = sign(delta)``. A candidate reads ``delta``
through the oracle as the 1x1 matrix ``A(n)`` (``y`` is the label 1) and returns ``(w, b)``. The adversary answers with
``delta = 0`` (exactly), then commits to ``delta = -+2^-e`` with ``e`` beyond every precision read and the sign
opposite to the candidate's ``w``: a deterministic candidate always fails; a randomised one, facing a sign drawn
uniformly, succeeds with probability at most ``1/2 + eta``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .._errors import Smale18Error, check_rational, short_repr
from .._verdict import format_bound
from ..exact import RationalArray, is_within

#: the most bits of w, b, delta, tau in :func:`coinflip_loss` (numerator and denominator; a float64 has < 1100)
MAX_LOSS_BITS = 1 << 17

__all__ = ["coinflip_loss", "CoinflipResult", "play_coinflip", "COINFLIP_BUILTINS"]


def _loss_arg(value, name: str) -> Fraction:
    f = check_rational(value, name)
    if max(f.numerator.bit_length(), f.denominator.bit_length()) > MAX_LOSS_BITS:
        raise Smale18Error(f"{name}={short_repr(value)} has more than {MAX_LOSS_BITS} bits in its numerator or "
                           "denominator")
    return f


def coinflip_loss(w, b, delta) -> Fraction:
    """``L(w, b) = 1/2 [b^2 + (w delta + b - 1)^2]`` exactly, for exact rationals (ints, Fractions, finite floats,
    ``"p/q"``) of at most ``MAX_LOSS_BITS`` bits each."""
    w, b, delta = _loss_arg(w, "w"), _loss_arg(b, "b"), _loss_arg(delta, "delta")
    return (b * b + (w * delta + b - 1) ** 2) / 2


@dataclass(frozen=True)
class CoinflipResult:
    """Trials of the coin-flip game: successes (loss <= tau, exact), Clopper–Pearson bounds, eta estimate."""

    candidate: str
    trials: int
    successes: int
    losses: int
    cp_lower: float
    cp_upper: float
    eta_hat: float
    eta_upper: float
    tau: Fraction
    e: int
    defeated: bool
    reason: str
    seconds: float

    def summary(self) -> str:
        return "\n".join([
            f"coinflip: candidate {self.candidate}: {'DEFEATED' if self.defeated else 'NOT DEFEATED'} — {self.reason}",
            f"  observed: {self.successes}/{self.trials} tau-approximate minimisers (tau = {self.tau}, exact); "
            f"Clopper-Pearson 95%: [{self.cp_lower:.4f}, {self.cp_upper:.4f}]",
            f"  theorem: success <= 1/2 + eta; eta_hat = {self.eta_hat:.4f} (95% upper {self.eta_upper:.4f}): the "
            f"fraction of trials whose answers differed between delta = +2^-{self.e} and -2^-{self.e}",
        ])

    def to_json(self) -> dict:
        return {"kind": "coinflip-game", "candidate": self.candidate, "trials": self.trials,
                "successes": self.successes, "judged_losses": self.losses, "cp95_lower": self.cp_lower,
                "cp95_upper": self.cp_upper, "eta_hat": self.eta_hat, "eta_cp95_upper": self.eta_upper,
                "tau": str(self.tau), "delta": f"+-2^-{self.e}", "outcome": "defeated" if self.defeated else
                "not defeated", "reason": self.reason, "seconds": round(self.seconds, 6)}


def _instance(sign: int, e: int):
    d = Fraction(sign, 1 << e)
    return RationalArray([[d]]), RationalArray([1])


def _judge(raw):
    try:
        out = np.asarray(raw, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return None, "output is not two numbers (w, b)"
    if out.shape != (2,) or not np.all(np.isfinite(out)):
        return None, f"output must be two finite numbers (w, b), got shape {out.shape}"
    return (Fraction(float(out[0])), Fraction(float(out[1]))), None


def play_coinflip(candidate, trials: int = 200, seed: int = 0, tau=Fraction(1, 8), time_limit: float = 60.0,
                  precision_cap: int = 64, name: str | None = None, *, adversary_seed: int | None = None,
                  workers: int | None = None, limits=None, sealed: bool = True) -> CoinflipResult:
    """Play the coin-flip game, sealed as :func:`smale18.oracle.adversary.play` is (the candidate runs in its own
    process; the sign is drawn from the adversary's secret seed). Deterministic candidates: one round, the sign chosen
    against the output. Randomised candidates (an explicit ``rng`` parameter): ``trials`` rounds with
    ``delta = +-2^-(cap+4)`` fixed in advance and the sign uniform. The default cap is 64 bits so that a candidate can
    still *write* ``w ~ 1/delta`` in float64 (a guesser that does so wins exactly half the time, showing that 1/2 is
    attained).

    >>> play_coinflip(_gradient_descent).defeated
    True
    """
    from .._errors import EngineError
    from .._errors import check_int_range
    from ..adversary import (MAX_TRIALS, _check_name, _check_sealed, _clopper_pearson, adversary_seed_for,
                             at_most_with_slack, candidate_name, game_limits)
    from ..sealed import Run, open_host

    tau = _loss_arg(tau, "tau")
    if not 0 < tau < Fraction(1, 4):
        raise Smale18Error(f"tau={short_repr(tau)} must lie in (0, 1/4)")
    if not (callable(candidate) or isinstance(candidate, str)):
        raise Smale18Error(f"candidate={short_repr(candidate)} must be callable, or a spec string")
    name = _check_name(name)
    _check_sealed(sealed)
    trials = check_int_range(trials, "trials", 1, MAX_TRIALS)
    seed = check_int_range(seed, "seed", 0, (1 << 128) - 1)
    cap = check_int_range(precision_cap, "precision_cap", 0, 1 << 16)
    limits = game_limits(time_limit, limits, workers)
    adv_seed, _ = adversary_seed_for(adversary_seed)
    name = name or candidate_name(candidate)
    t0 = time.perf_counter()

    def run_for(A, y, rng=None):
        return Run.inexact(lambda kind, n: (A if kind == "A" else y).approx(n), (1, 1), cap, None, rng)

    with open_host(candidate, limits, sealed) as host:
        if not host.randomised:
            [out] = host.run([run_for(RationalArray([[0]]), RationalArray([1]))])  # delta = 0 until it commits
            refused = any(ans is None for _, _, _, ans in out.queries)
            if refused or out.error is not None:
                reason = f"judged loss: {out.error or 'asked for precision beyond the cap'}"
                return CoinflipResult(name, 1, 0, 1, 0.0, 1.0, 0.0, 1.0, tau, 0, True, reason,
                                      time.perf_counter() - t0)
            judged, why = _judge(out.value)
            if judged is None:
                return CoinflipResult(name, 1, 0, 1, 0.0, 1.0, 0.0, 1.0, tau, 0, True, f"judged loss: {why}",
                                      time.perf_counter() - t0)
            w, b = judged
            e = max([args[0] for kind, args, _, ans in out.queries if ans is not None] + [0]) + 2
            sign = -1 if w > 0 else 1
            A, _ = _instance(sign, e)
            if not all(is_within(ans, A, args[0]) for kind, args, _, ans in out.queries if kind == "A"):
                raise EngineError("the committed delta is not consistent with the answers given; no verdict")
            loss = coinflip_loss(w, b, Fraction(sign, 1 << e))
            ok = loss <= tau
            # compared exactly; a long loss is shown by its first digits (rounded down) and "..."
            reason = (f"committed to delta = {'+' if sign > 0 else '-'}2^-{e}, opposite to sign(w): loss = "
                      f"{loss if loss.denominator < 10**12 else format_bound(loss, 'down', 6) + '...'} "
                      f"{'<=' if ok else '>'} tau = {tau} (compared exactly)")
            return CoinflipResult(name, 1, int(ok), 0, 0.0, 1.0, 0.0, 1.0, tau, e, not ok, reason,
                                  time.perf_counter() - t0)
        e = cap + 4  # the rounding grid of A(n), n <= cap, is 2^-(n+1): +-2^-(cap+4) both round to 0
        insts = {s: _instance(s, e) for s in (-1, 1)}
        signs = np.where(np.random.default_rng([adv_seed, 11]).random(trials) < 0.5, 1, -1)
        streams = np.random.SeedSequence([seed, 12]).spawn(trials)
        outs = host.run([run_for(*insts[int(signs[t])], (streams[t].entropy, streams[t].spawn_key))
                         for t in range(trials)])
    successes = losses = differed = 0
    for t, out in enumerate(outs):
        if any(kind == "A" and ans is not None and insts[1][0].approx(args[0]) != insts[-1][0].approx(args[0])
               for kind, args, _, ans in out.queries):
            differed += 1
        if any(ans is None for _, _, _, ans in out.queries) or out.error is not None:
            losses += 1
            continue
        judged, _ = _judge(out.value)
        if judged is None:
            losses += 1
            continue
        successes += coinflip_loss(judged[0], judged[1], Fraction(int(signs[t]), 1 << e)) <= tau
    cp_lower, cp_upper = _clopper_pearson(successes, trials)
    eta_hat, eta_upper = differed / trials, _clopper_pearson(differed, trials)[1]
    defeated = at_most_with_slack(cp_lower, Fraction(1, 2), eta_upper)
    reason = "the data are consistent with success <= 1/2 + eta" if defeated else "success above 1/2 + eta"
    return CoinflipResult(name, trials, successes, losses, cp_lower, cp_upper, eta_hat, eta_upper, tau, e, defeated,
                          reason, time.perf_counter() - t0)


def _gradient_descent(inp):
    """Gradient descent on the loss with delta read at 52 bits (a user's first try)."""
    d = float(np.asarray(inp.A(52), dtype=float)[0, 0])
    w = b = 0.0
    for _ in range(2000):
        r = w * d + b - 1
        w, b = w - 0.5 * r * d, b - 0.5 * (b + r)
    return [w, b]


def _sign_guesser(inp, rng):
    """Reads delta at the cap; if it is 0 there, guesses the sign, with the magnitude 2^(cap+4) this adversary uses
    (the most a candidate could know), so it attains success 1/2."""
    d = Fraction(*np.asarray(inp.A(inp.precision_cap), dtype=float)[0, 0].as_integer_ratio())
    if d != 0:
        return [float(1 / d), 0.0]
    s = 1.0 if rng.random() < 0.5 else -1.0
    return [s * 2.0 ** (inp.precision_cap + 4), 0.0]


#: built-in candidates for ``smale18 game coinflip``
COINFLIP_BUILTINS = {"gd": _gradient_descent, "sign-guesser": _sign_guesser}
