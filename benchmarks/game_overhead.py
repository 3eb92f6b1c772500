"""game-overhead: what the barrier game costs on top of the candidate it judges.

Side by side, in one process: the built-in cvxpy candidate run directly on an honest oracle of a member (what a user
would otherwise do — solve and look at the answer, with no verdict), against the full game on the same class
(tied answers, commitment, transcript check, rigorous distance enclosures). ratio = direct time / game time: 1 means
the engine is free, 0.5 that it doubles the cost. Also reported: the game's absolute time with a candidate that
costs nothing.
"""

from __future__ import annotations

import time

import numpy as np

from oracle import InexactInput
from oracle.adversary import play
from oracle.candidates import builtin
from oracle.constructions import Smale18Class

NAME = "game-overhead"
TARGET = 0.5


def _best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def run(quick: bool = False) -> float:
    repeat = 3 if quick else 7
    omega = Smale18Class("P3", 4)
    cand = builtin("cvxpy", omega)
    member = omega.tied(0, omega.l0)
    play(cand, omega)  # warm caches of both sides (cvxpy compilation, the exact sources)
    direct = _best(lambda: cand(InexactInput.honest(member.A, member.y)), repeat)
    game = _best(lambda: play(cand, omega), repeat)
    zero = _best(lambda: play(lambda inp: np.zeros(inp.N), omega), repeat)
    print(f"{NAME}: cvxpy candidate alone {direct * 1e3:.1f} ms, in the game {game * 1e3:.1f} ms; "
          f"a free candidate's whole game {zero * 1e3:.1f} ms (22 x 26 instance, best of {repeat})")
    ratio = direct / game
    print(f"{NAME}: ratio={ratio:.2f} target={TARGET:g}")
    return ratio
