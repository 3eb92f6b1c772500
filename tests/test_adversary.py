"""The barrier game: every candidate is defeated at 10^-K; the class algorithms are not at K-1 and K-2 digits;
judged losses; replay; properties of the engine over generated candidate behaviour."""

import json
import re
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle import Smale18Error, is_within
from oracle.adversary import GameResult, Outcome, RandomisedGameResult, play, replay
from oracle.candidates import BUILTINS, builtin, class_error_bound, load_candidate
from oracle.constructions import Smale18Class

PROBLEMS = ["P1", "P2", "P3"]


# SciPy-style common suite: every built-in, every problem, every K in 1..8
@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("K", range(1, 9))
@pytest.mark.parametrize("name", sorted(set(BUILTINS) - {"hiprec"}))
def test_every_builtin_is_defeated_at_K_digits(problem, K, name):
    omega = Smale18Class(problem, K)
    result = play(builtin(name, omega), omega, trials=40)
    assert result.outcome is Outcome.DEFEATED
    if isinstance(result, GameResult) and result.distance is not None:
        assert result.distance.lower > Fraction(1, 10**K)
        assert result.transcript_honest and result.answers_within


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("K", [1, 8])
def test_a_candidate_reading_5000_bits_is_defeated(problem, K):
    omega = Smale18Class(problem, K)
    result = play(builtin("hiprec", omega), omega)
    assert result.outcome is Outcome.DEFEATED and result.log.deepest == 5000
    assert result.distance.lower > Fraction(1, 10**K)
    assert result.transcript_honest


def test_adaptive_and_insatiable_candidates_are_defeated_with_their_reasons():
    omega = Smale18Class("P3", 5)
    adaptive = play(builtin("adaptive", omega), omega)
    assert adaptive.outcome is Outcome.DEFEATED and adaptive.log.deepest >= 32 and "dist(output, Xi)" in adaptive.reason
    greedy = play(builtin("insatiable", omega), omega)
    assert greedy.outcome is Outcome.DEFEATED and "beyond the cap of 8192 bits" in greedy.reason
    assert greedy.log.cap_hit and greedy.output is None


@pytest.mark.parametrize("problem", PROBLEMS)
def test_randomised_candidate_over_200_trials(problem):
    omega = Smale18Class(problem, 3)
    result = play(builtin("random", omega), omega, trials=200, seed=7, adversary_seed=7)
    assert isinstance(result, RandomisedGameResult) and result.trials == 200
    assert result.outcome is Outcome.DEFEATED
    assert result.cp_lower <= float(result.bound) + result.eta_upper  # consistent with p <= 1/2 + eta
    if problem == "P3":  # observed: a coin flip between the two fine vertices (for P1/P2 cvxpy's float64 solution
        assert 0.3 < result.success_rate < 0.7  # cannot resolve eps1 = 2^-l0 in the coarse row, so it always fails)
    assert result.cp_upper < 0.6 and "eta_hat = fraction of trials" in result.eta_method
    assert result.failure is not None and result.failure.distance.lower > Fraction(1, 10**3)


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("K", range(1, 9))
def test_class_algorithms_are_not_defeated_at_K_minus_1_and_K_minus_2(problem, K):
    omega = Smale18Class(problem, K)
    for name, digits in (("k-minus-1", K - 1), ("k-minus-2", K - 2)):
        if digits < 1:  # 10^0 or coarser is no accuracy at all: such a game is refused as bad input
            with pytest.raises(Smale18Error, match=f"digits={digits} must be an integer in"):
                play(builtin(name, omega), omega, digits=digits)
            continue
        result = play(builtin(name, omega), omega, digits=digits)
        assert result.outcome is Outcome.NOT_DEFEATED, (name, result.reason)
        assert result.distance.upper <= class_error_bound(omega, name)


def test_randomness_is_reproducible():
    omega = Smale18Class("P3", 2, N2=2)
    a = play(builtin("random", omega), omega, trials=30, seed=3, adversary_seed=5)
    b = play(builtin("random", omega), omega, trials=30, seed=3, adversary_seed=5, workers=1)
    assert (a.successes, a.cp_upper) == (b.successes, b.cp_upper)
    assert a.predictable and a.adversary_seed == 5 and "PREDICTABLE" in a.summary()


def _raises(inp):
    raise ValueError("no idea")


def _nan(inp):
    return np.full(inp.N, np.nan)


def _short(inp):
    return np.zeros(3)


def _text(inp):
    return "x"


def _exits(inp):
    raise SystemExit(3)


def _sleeps(inp):
    t = time.time()
    while time.time() - t < 30:
        pass


@pytest.mark.parametrize(
    "candidate, match",
    [
        (_raises, "raised ValueError: no idea"),
        (_nan, "non-finite entry"),
        (_short, r"wrong shape \(3,\), expected \(26,\)"),
        (_text, "output is not an array of numbers"),
        (_exits, "raised SystemExit"),
        (_sleeps, "exceeded the wall-clock limit of 0.5 s"),
    ],
)
def test_judged_losses_never_crash(candidate, match):
    omega = Smale18Class("P3", 3)
    result = play(candidate, omega, time_limit=0.5)
    assert result.outcome is Outcome.DEFEATED and result.output is None
    assert result.reason.startswith("judged loss") and re.search(match, result.reason)


def test_json_holds_the_exact_instance_and_replay_reproduces(tmp_path):
    omega = Smale18Class("P1", 4)
    cand = builtin("cvxpy", omega)
    result = play(cand, omega)
    data = json.loads(json.dumps(result.to_json()))
    assert data["instance"]["e2"] == result.instance.e2 and data["outcome"] == "defeated"
    again = replay(data, cand)
    assert again.outcome is Outcome.DEFEATED
    assert again.output == result.output and again.distance == result.distance


def test_candidate_specs(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("import numpy as np\ndef solve(inp):\n    return np.zeros(inp.N)\n")
    omega = Smale18Class("P3", 2)
    cand = load_candidate(f"{path}:solve", omega)
    assert play(cand, omega).outcome is Outcome.DEFEATED
    assert load_candidate("numpy:zeros") is np.zeros
    for spec, match in [
        ("nocolon", "must be builtin:NAME"),
        ("builtin:nope", "unknown built-in"),
        (f"{tmp_path}/missing.py:f", "does not exist"),
        ("no_such_module_xyz:f", "could not load"),
        (f"{path}:absent", "has no callable"),
    ]:
        with pytest.raises(Smale18Error, match=match):
            load_candidate(spec, omega)


def test_bad_arguments():
    omega = Smale18Class("P3", 2)
    with pytest.raises(Smale18Error, match="must be callable"):
        play(3, omega)
    with pytest.raises(Smale18Error, match=r"trials=0 must be an integer in \[1, 100000\]"):
        play(_nan, omega, trials=0)
    with pytest.raises(Smale18Error, match="time_limit=-1"):
        play(_nan, omega, time_limit=-1)
    with pytest.raises(Smale18Error, match="must be a Smale18Class"):
        play(_nan, "smale18-p3")


# -- properties of the engine over generated candidate behaviour --------------------------------------------------
behaviour = st.fixed_dictionaries(
    {
        "queries": st.lists(st.tuples(st.sampled_from("Ay"), st.integers(0, 300)), max_size=6),
        "output": st.one_of(
            st.lists(st.floats(-1, 1, allow_nan=False), min_size=8, max_size=8),
            st.sampled_from(["vertex0", "vertex1", "middle"]),
        ),
        "problem": st.sampled_from(PROBLEMS),
        "K": st.integers(1, 8),
    }
)


@settings(max_examples=25, deadline=None)
@given(behaviour)
def test_engine_verdicts_and_answers(b):
    omega = Smale18Class(b["problem"], b["K"], N2=2)

    def candidate(inp):
        for kind, n in b["queries"]:
            (inp.A if kind == "A" else inp.y)(n)
        if isinstance(b["output"], str):
            tied = omega.tied(0, omega.l0)
            v0 = np.asarray(tied.vertex(0).approx(80), dtype=float)
            v1 = np.asarray(tied.vertex(1).approx(80), dtype=float)
            return {"vertex0": v0, "vertex1": v1, "middle": (v0 + v1) / 2}[b["output"]]
        return np.array(b["output"])

    result = play(candidate, omega)
    # no output whatsoever reaches 10^-K: the adversary commits to the farther fine vertex
    assert result.outcome is Outcome.DEFEATED
    assert result.distance.lower > omega.digits_bound(omega.K)
    # every answer given lies within 2^-n of the committed instance (proven in ball arithmetic)
    committed = result.instance
    for r in result.log.records:
        source = committed.A if r.kind == "A" else committed.y
        assert is_within(r.answer, source, r.n)
        assert source.approx(r.n) == r.answer  # and is exactly its honest rounding
    assert committed.e2 > max([n for _, n in b["queries"]] + [0])


@pytest.mark.slow
@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("K", range(2, 8))
def test_hiprec_is_defeated_for_every_K(problem, K):
    omega = Smale18Class(problem, K)
    result = play(builtin("hiprec", omega), omega)
    assert result.outcome is Outcome.DEFEATED and result.log.deepest == 5000
