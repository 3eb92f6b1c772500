"""game-overhead: what the sealed barrier game costs on top of the candidate it judges.

Side by side, in one process:

- the built-in cvxpy candidate called directly on an honest oracle of a member (what a user would otherwise do:
  solve and look at the answer, no verdict), against the full sealed game on the same class (the candidate in its own
  process, answers over a socket, commitment, transcript check, rigorous distance enclosures);
- a candidate that costs nothing, called in process, against its whole sealed game (the engine's fixed cost);
- the randomised game of 200 trials on one worker against all cores, with the counts compared (they must be
  identical: each trial's coins and rng depend on its index only), for the built-in ``random`` candidate (which
  memoises its cvxpy solve, so that a trial costs the candidate almost nothing and the engine's own work per trial
  bounds the speed-up) and for the same candidate solving afresh each trial (the case parallel trials are for).

ratio = direct time / sealed game time for the cvxpy candidate (1 means the engine is free). The template process that
every sealed game forks its candidate's process from is started once, before timing, as it is once per session.
"""

from __future__ import annotations

import os
import time

import numpy as np

from smale18.oracle import InexactInput
from smale18.oracle.adversary import play
from smale18.oracle.candidates import builtin
from smale18.oracle.constructions import Smale18Class

NAME = "game-overhead"
TARGET = 0.2


def _best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _zero(inp):
    return np.zeros(inp.N)


def _solving_each_trial(omega):
    """The built-in ``random`` candidate without its memo: a new one per trial, so each trial pays its cvxpy solve
    (about 10 ms here) as a candidate doing real work per trial would."""
    def random_afresh(inp, rng):
        return builtin("random", omega)(inp, rng)

    return random_afresh


def run(quick: bool = False) -> float:
    repeat = 3 if quick else 7
    omega = Smale18Class("P3", 4)
    cand = builtin("cvxpy", omega)
    member = omega.tied(0, omega.l0)
    play(cand, omega)  # starts the template process and warms both sides (cvxpy compilation, the exact sources)
    direct = _best(lambda: cand(InexactInput.honest(member.A, member.y)), repeat)
    game = _best(lambda: play(cand, omega), repeat)
    free = _best(lambda: _zero(InexactInput.honest(member.A, member.y)), repeat)
    zero = _best(lambda: play(_zero, omega), repeat)
    print(f"{NAME}: cvxpy candidate alone {direct * 1e3:.1f} ms, in the sealed game {game * 1e3:.1f} ms; "
          f"a free candidate alone {free * 1e3:.2f} ms, its whole sealed game {zero * 1e3:.1f} ms "
          f"(22 x 26 instance, best of {repeat})")
    trials = 50 if quick else 200
    omega3 = Smale18Class("P3", 3)
    cores = os.cpu_count() or 1
    for label, cand in (("built-in random (memoises its one cvxpy solve)", builtin("random", omega3)),
                        ("random solving afresh each trial", _solving_each_trial(omega3))):
        play(cand, omega3, trials=4, workers=1)  # start the one-BLAS-thread template used by parallel trials
        t = time.perf_counter()
        one = play(cand, omega3, trials=trials, seed=1, adversary_seed=1, workers=1)
        t_one = time.perf_counter() - t
        t = time.perf_counter()
        many = play(cand, omega3, trials=trials, seed=1, adversary_seed=1, workers=cores)
        t_many = time.perf_counter() - t
        same = (one.successes, one.undecided, one.losses) == (many.successes, many.undecided, many.losses)
        print(f"{NAME}: randomised game, {trials} trials, {label}: 1 worker {t_one:.2f} s, {cores} workers "
              f"{t_many:.2f} s, speed-up {t_one / t_many:.2f}x; counts identical: {'yes' if same else 'NO'} "
              f"({one.successes} / {many.successes} successes)")
    ratio = direct / game
    print(f"{NAME}: ratio={ratio:.2f} target={TARGET:g}")
    return ratio
