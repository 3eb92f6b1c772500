"""Properties of the user's solver, written with smale18's strategies.

``holds`` is true: ISTA reduces the LASSO objective below that of the zero vector on any exact instance, whatever
rounding the oracle chooses inside its 2^-n ball. ``falsified`` is false, as the barrier theorem says: no algorithm is
K-digit accurate on the whole class; Hypothesis finds a member where it fails and shrinks it, and the failure message
prints that member exactly.
"""

import numpy as np
from hypothesis import given, settings

from smale18.oracle import Lasso, RationalArray
from smale18.oracle.strategies import exact_matrices, inexact_inputs, smale18_instances
from smale18.verify.testing import assert_k_digit_accurate

from .my_solver import ista


@settings(max_examples=25, deadline=None)
@given(exact_matrices(max_size=5, structured=False))
def holds(A):
    y = RationalArray([1] * A.shape[0])
    x = ista(_honest(A, y))
    P = Lasso(A, y, "1/10")
    assert P.objective(x).upper <= P.objective(np.zeros(A.shape[1])).lower + 1e-12


def _honest(A, y):
    from smale18.oracle import InexactInput

    return InexactInput.honest(A, y)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(smale18_instances(problems=("P2",), K=2), __import__("hypothesis").strategies.data())
def falsified(case, data):
    member, _ = case
    inp = data.draw(inexact_inputs(member.A, member.y))
    assert_k_digit_accurate(ista, member, digits=2, inp=inp)
