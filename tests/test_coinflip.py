"""The coin-flip barrier: tau-approximate minimisers need the sign of delta, which the oracle never reveals."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smale18.oracle import Smale18Error
from smale18.oracle.constructions.coinflip import COINFLIP_BUILTINS, coinflip_loss, play_coinflip
from smale18.app.cli import main


@settings(max_examples=300, deadline=None)
@given(st.fractions(min_value=-100, max_value=100), st.fractions(min_value=-100, max_value=100),
       st.sampled_from([Fraction(1, 3), Fraction(-1, 7), Fraction(5, 2), Fraction(-1, 1024)]))
def test_wrong_sign_means_loss_at_least_one_quarter(w, b, delta):
    if w * delta <= 0:
        assert coinflip_loss(w, b, delta) >= Fraction(1, 4)


def test_deterministic_candidates_always_lose():
    for cand in (COINFLIP_BUILTINS["gd"], lambda inp: [1e30, 0.0], lambda inp: [-5.0, 0.0], lambda inp: [0.0, 0.0]):
        r = play_coinflip(cand)
        assert r.defeated and r.successes == 0


def test_randomised_candidate_over_200_trials():
    r = play_coinflip(COINFLIP_BUILTINS["sign-guesser"], trials=200, seed=0, adversary_seed=0)
    assert r.trials == 200 and r.defeated
    assert r.cp_lower <= 0.5 + r.eta_upper  # consistent with success <= 1/2 + eta
    assert r.eta_hat == 0 and 0.35 < r.successes / 200 < 0.65  # observed: a fair coin


def test_judged_losses_and_cli(capsys):
    assert play_coinflip(lambda inp: [np.nan, 0]).defeated
    assert play_coinflip(lambda inp: 1 / 0).reason.startswith("judged loss")
    assert main(["game", "coinflip", "--candidate", "builtin:gd"]) == 0
    assert main(["game", "coinflip", "--candidate", "builtin:nope"]) == 2
    with pytest.raises(Smale18Error, match="tau="):
        play_coinflip(COINFLIP_BUILTINS["gd"], tau=Fraction(1, 2))
