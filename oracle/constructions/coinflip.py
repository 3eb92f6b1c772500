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

from .._errors import Smale18Error
from .._limits import call_with_limit
from ..exact import RationalArray, is_within
from ..inexact import InexactInput

__all__ = ["coinflip_loss", "CoinflipResult", "play_coinflip", "COINFLIP_BUILTINS"]


def coinflip_loss(w: Fraction, b: Fraction, delta: Fraction) -> Fraction:
    """``L(w, b) = 1/2 [b^2 + (w delta + b - 1)^2]`` exactly."""
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
                  precision_cap: int = 64, name: str | None = None) -> CoinflipResult:
    """Play the coin-flip game. Deterministic candidates: one round, the sign chosen against the output. Randomised
    candidates (accepting ``rng``): ``trials`` rounds with ``delta = +-2^-(cap+4)`` fixed in advance and the sign
    uniform. The default cap is 64 bits so that a candidate can still *write* ``w ~ 1/delta`` in float64 (a guesser
    that does so wins exactly half the time, showing that 1/2 is attained).

    >>> play_coinflip(lambda inp: [1.0, 0.0]).defeated
    True
    """
    from ..adversary import _clopper_pearson, is_randomised

    tau = Fraction(tau)
    if not 0 < tau < Fraction(1, 4):
        raise Smale18Error(f"tau={tau} must lie in (0, 1/4)")
    if not callable(candidate):
        raise Smale18Error(f"candidate={candidate!r} must be callable")
    name = name or getattr(candidate, "__name__", "candidate")
    t0 = time.perf_counter()
    if not is_randomised(candidate):
        inp = InexactInput.honest(RationalArray([[0]]), RationalArray([1]), precision_cap=precision_cap)
        call = call_with_limit(lambda: candidate(inp), time_limit)
        if inp.log.cap_hit or call.error is not None:
            reason = f"judged loss: {call.error or 'asked for precision beyond the cap'}"
            return CoinflipResult(name, 1, 0, 1, 0.0, 1.0, 0.0, 1.0, tau, 0, True, reason, time.perf_counter() - t0)
        out, why = _judge(call.value)
        if out is None:
            return CoinflipResult(name, 1, 0, 1, 0.0, 1.0, 0.0, 1.0, tau, 0, True, f"judged loss: {why}",
                                  time.perf_counter() - t0)
        w, b = out
        e = max(inp.log.deepest, 0) + 2
        sign = -1 if w > 0 else 1
        A, _ = _instance(sign, e)
        assert all(is_within(r.answer, A, r.n) for r in inp.log.records if r.kind == "A" and not r.refused)
        loss = coinflip_loss(w, b, Fraction(sign, 1 << e))
        ok = loss <= tau
        reason = (f"committed to delta = {'+' if sign > 0 else '-'}2^-{e}, opposite to sign(w): loss = "
                  f"{float(loss):.4g} {'<=' if ok else '>'} tau")
        return CoinflipResult(name, 1, int(ok), 0, 0.0, 1.0, 0.0, 1.0, tau, e, not ok, reason,
                              time.perf_counter() - t0)
    e = precision_cap + 4  # the rounding grid of A(n), n <= cap, is 2^-(n+1): +-2^-(cap+4) both round to 0
    insts = {s: _instance(s, e) for s in (-1, 1)}
    adversary = np.random.default_rng([seed, 11])
    streams = np.random.SeedSequence([seed, 12]).spawn(trials)
    successes = losses = differed = 0
    for t in range(trials):
        sign = 1 if adversary.random() < 0.5 else -1
        A, y = insts[sign]
        inp = InexactInput.honest(A, y, precision_cap=precision_cap)
        rng = np.random.default_rng(streams[t])
        call = call_with_limit(lambda: candidate(inp, rng=rng), time_limit)
        if any(r.kind == "A" and not r.refused and insts[1][0].approx(r.n) != insts[-1][0].approx(r.n)
               for r in inp.log.records):
            differed += 1
        if inp.log.cap_hit or call.error is not None:
            losses += 1
            continue
        out, why = _judge(call.value)
        if out is None:
            losses += 1
            continue
        successes += coinflip_loss(out[0], out[1], Fraction(sign, 1 << e)) <= tau
    cp_lower, cp_upper = _clopper_pearson(successes, trials)
    eta_hat, eta_upper = differed / trials, _clopper_pearson(differed, trials)[1]
    defeated = cp_lower <= 0.5 + eta_upper
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
