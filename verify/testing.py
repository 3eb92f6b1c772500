"""Assertions for test suites: readable failures that carry the exact counterexample.

>>> from smale18.oracle.constructions import Smale18Class
>>> omega = Smale18Class("P3", 2, N2=2)
>>> member = omega.member(0, omega.l0, 1, 40)
>>> assert_k_digit_accurate(lambda inp: np.zeros(inp.N), member, digits=2)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
AssertionError: not 2-digit accurate on the exact instance {"construction": "smale18-p3", ...
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np

from smale18.oracle import InexactInput, format_bound
from smale18.oracle.adversary import judge_output

__all__ = ["assert_k_digit_accurate", "assert_meets_firenet_bound"]


def assert_k_digit_accurate(algorithm, member, digits: int, inp: InexactInput | None = None) -> None:
    """Run ``algorithm`` on ``member`` (an honest oracle unless ``inp`` is given) and assert, rigorously, that its
    output is within ``10^-digits`` of the minimiser set. On failure the message holds the exact instance (JSON), the
    output and the certified distance enclosure."""
    inp = inp or InexactInput.honest(member.A, member.y)
    out, reason = judge_output(algorithm(inp), member.omega.N)
    instance = json.dumps(member.to_json())
    if reason is not None:
        raise AssertionError(f"not {digits}-digit accurate on the exact instance {instance}: {reason}")
    d = member.distance(out)
    bound = Fraction(1, 10**digits) if digits >= 0 else Fraction(10 ** (-digits))
    if not d.upper <= bound:
        raise AssertionError(
            f"not {digits}-digit accurate on the exact instance {instance}: dist(output, Xi) in "
            f"[{format_bound(d.lower, 'down', 6)}, {format_bound(d.upper, 'up', 6)}] (certified), "
            f"output = {np.asarray(out, dtype=float).tolist()}, queries: {inp.log.summary()}")


def assert_meets_firenet_bound(psi: np.ndarray, x: np.ndarray, guarantee, k: int) -> None:
    """Assert ``||psi - x||_2 <= eps_k`` of a :class:`smale18.verify.bounds.FirenetGuarantee` (the float64 norm's own
    rounding allowed: a relative 1e-12)."""
    err = float(np.linalg.norm(np.asarray(psi) - np.asarray(x)))
    bound = guarantee.bound(k)
    if not err <= float(bound) * (1 + 1e-12):
        raise AssertionError(f"||psi_{k} - x|| = {err:.6g} exceeds the certified bound eps_{k} <= "
                             f"{format_bound(bound, 'up', 6)} (c = {format_bound(guarantee.c, 'up', 6)}, "
                             f"p >= {guarantee.p_min})")
