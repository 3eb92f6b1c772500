"""The sealed judge against candidates that cheat: each is DEFEATED or a judged loss, through the API and the CLI,
and the engine survives every one of them (issue 11)."""

import gc
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction

import numpy as np
import pytest

from smale18.oracle import EngineError, Smale18Error
from smale18.oracle.adversary import Outcome, play, replay
from smale18.oracle.candidates import builtin
from smale18.oracle.constructions import Smale18Class
from smale18.oracle.constructions.coinflip import play_coinflip
from smale18.oracle.sealed import CandidateHost, Limits, Run
from smale18.oracle.training_game import LEARNERS, play_training, training_class

OMEGA = Smale18Class("P3", 3, N2=2)


def _vertex(j1, j2, omega=OMEGA):
    """What a cheater would answer if it knew the member: the fine vertex j2 of the member with coarse column j1."""
    return np.asarray(omega.tied(j1, omega.l0).vertex(j2).approx(80), dtype=float)


def _defeated(result):
    assert result.outcome is Outcome.DEFEATED, result.summary()
    assert result.sealed
    return result


# -- reading the engine's state ------------------------------------------------------------------------------------
def test_the_input_holds_no_instance_and_only_public_facts():
    def spy(inp):
        assert inp.instance is None and inp.problem.name == "P3" and inp.problem.lam == 1
        assert (inp.m, inp.N) == (OMEGA.m, OMEGA.N) and inp.precision_cap == 8192
        return np.zeros(inp.N)

    r = _defeated(play(spy, OMEGA))
    assert r.output is not None  # the asserts inside held: it answered


def test_the_garbage_collector_stack_frames_and_module_globals_find_nothing():
    def snoop(inp):
        import smale18.oracle.adversary as adv

        found = [o for o in gc.get_objects() if type(o).__name__ in ("Smale18Member", "_Game", "_Active")]
        frame, names = sys._getframe(), set()
        while frame is not None:
            names |= set(frame.f_locals)
            frame = frame.f_back
        members = [o for o in found if type(o).__name__ == "Smale18Member" and not o.is_tied]
        if members or "tied" in names or "members" in names or hasattr(adv, "_SECRET"):
            m = members[0]
            return np.asarray(m.vertex(m.j2).approx(80), dtype=float)
        return np.zeros(inp.N)

    r = _defeated(play(snoop, OMEGA))
    assert r.output == r.output.__class__.from_float64(np.zeros(OMEGA.N))


def test_monkeypatching_the_engine_numpy_and_fractions_changes_nothing():
    def patcher(inp):
        import fractions

        import smale18.oracle.adversary as adv

        adv._verdict = lambda *a: (Outcome.NOT_DEFEATED, "patched")
        adv.judge_output = lambda raw, N: (None, None)
        np.asarray = lambda *a, **k: np.zeros(OMEGA.N)
        fractions.Fraction.__gt__ = lambda a, b: False
        return [0.0] * inp.N

    r = _defeated(play(patcher, OMEGA))
    assert r.reason.startswith("dist(output, Xi) >=") and r.distance.lower > Fraction(1, 1000)


def test_a_lying_output_object_is_read_once_and_judged():
    class Shifty:
        reads = 0

        def __array__(self, dtype=None, copy=None):
            Shifty.reads += 1
            v = np.zeros(OMEGA.N)
            v[0] = Shifty.reads  # a different vector each time it is read
            return v

    def liar(inp):
        return Shifty()

    r = _defeated(play(liar, OMEGA))
    assert r.output is not None and r.distance.lower > Fraction(1, 1000)


def test_a_mutable_dyadic_subclass_is_frozen_when_it_crosses():
    from smale18.oracle import DyadicArray

    class Morphing(DyadicArray):
        __slots__ = ()

        @property
        def numerators(self):
            return np.array([np.random.randint(10**6) for _ in range(OMEGA.N)], dtype=object)

    def morph(inp):
        return Morphing([0] * inp.N, 0)

    r = _defeated(play(morph, OMEGA))
    assert type(r.output) is DyadicArray  # the engine's own object, built from plain numbers
    assert r.output == type(r.output)(r.output.numerators, r.output.exponent)


# -- the adversary's coins -----------------------------------------------------------------------------------------
def test_predicting_the_coin_from_the_public_seed_fails():
    seed = 11

    def predictor(inp, rng):
        t = rng.bit_generator.seed_seq.spawn_key[0]  # the trial index is public; the adversary's seed is not
        j1 = int(np.random.default_rng([seed, 1]).integers(OMEGA.N1))
        j2 = int(np.random.default_rng([seed, 2]).integers(2, size=t + 1)[t])
        return _vertex(j1, j2)

    r = play(predictor, OMEGA, trials=60, seed=seed, adversary_seed=12345)
    assert r.outcome is Outcome.DEFEATED and r.cp_lower <= 0.5 + r.eta_upper
    assert r.successes < 45  # old engine: 60 of 60 (the coins followed the public seed)


def test_the_adversary_seed_is_secret_fresh_and_revealed():
    a, b = play(lambda inp: np.zeros(inp.N), OMEGA), play(lambda inp: np.zeros(inp.N), OMEGA)
    assert a.adversary_seed != b.adversary_seed and not a.predictable
    assert str(a.adversary_seed) in a.summary() and a.to_json()["adversary_seed"] == str(a.adversary_seed)
    c = play(lambda inp: np.zeros(inp.N), OMEGA, adversary_seed=3)
    assert c.predictable and "PREDICTABLE" in c.summary() and c.to_json()["adversary_predictable"]


def test_kwargs_alone_does_not_make_a_candidate_randomised():
    def anything(inp, **kwargs):
        assert not kwargs
        return np.zeros(inp.N)

    r = _defeated(play(anything, OMEGA))
    assert hasattr(r, "instance")  # a deterministic game


def test_randomised_counts_do_not_depend_on_the_number_of_workers():
    cand = builtin("random", OMEGA)
    one = play(cand, OMEGA, trials=40, seed=2, adversary_seed=9, workers=1)
    two = play(cand, OMEGA, trials=40, seed=2, adversary_seed=9, workers=2)
    assert (one.successes, one.undecided, one.losses, one.eta_hat) == (two.successes, two.undecided, two.losses,
                                                                        two.eta_hat)
    assert (one.workers, two.workers) == (1, 2)


# -- the query log and the cap live in the engine -----------------------------------------------------------------
def test_wiping_the_log_and_raising_the_cap_are_seen():
    def wiper(inp):
        inp.A(60)
        inp._records.clear()
        return np.zeros(inp.N)

    r = _defeated(play(wiper, OMEGA))
    assert [(q.kind, q.n) for q in r.log.records] == [("A", 60)] and r.transcript_honest
    again = replay(r.to_json(), wiper)
    assert again.outcome is Outcome.DEFEATED and again.output == r.output

    def greedy(inp):
        inp.precision_cap = 10**6
        inp._records.clear()
        try:
            inp.A(9000)
        except Smale18Error:
            pass
        return np.zeros(inp.N)

    r = _defeated(play(greedy, OMEGA))
    assert "asked for precision n=9000 beyond the cap of 8192 bits" in r.reason and r.log.cap_hit


def test_poisoning_caches_in_the_candidate_process_leaves_the_next_game_alone():
    def poisoner(inp):
        import smale18.oracle.exact as ex

        for obj in gc.get_objects():
            if isinstance(obj, ex.ExactArray):
                obj._cache.clear()
        ex.ExactArray.approx = lambda self, n: None
        return np.zeros(inp.N)

    _defeated(play(poisoner, OMEGA))
    omega = Smale18Class("P3", 3)
    honest = play(builtin("k-minus-1", omega), omega, digits=2)
    assert honest.outcome is Outcome.NOT_DEFEATED


def test_many_cheap_queries_cost_the_judge_little_and_a_query_budget_holds():
    def chatty(inp):
        for _ in range(20000):
            inp.A(10)
        return np.zeros(inp.N)

    t = time.perf_counter()
    r = _defeated(play(chatty, OMEGA))
    assert r.log.count == 20000 and time.perf_counter() - t < 30
    limited = play(chatty, OMEGA, limits=Limits(wall_seconds=30, max_queries=500))
    assert limited.outcome is Outcome.DEFEATED and "made more than 500 queries" in limited.reason


# -- every way a process can end ----------------------------------------------------------------------------------
def _os_exit(inp):
    os._exit(0)


def _sys_exit(inp):
    sys.exit(1)


def _sigterm(inp):
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)


def _segfault(inp):
    import ctypes

    ctypes.string_at(0)


def _memory_bomb(inp):
    return np.ones(10 * 2**30 // 8)  # 10 GiB


def _lifts_its_own_limits(inp):
    import resource

    for which in (resource.RLIMIT_AS, resource.RLIMIT_CPU):
        try:
            resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        except (ValueError, OSError):
            pass
    return np.ones(10 * 2**30 // 8)


def _ignores_alarms(inp):
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    signal.setitimer(signal.ITIMER_REAL, 0)
    while True:
        try:
            time.sleep(0.05)
        except BaseException:  # noqa: BLE001 - a candidate that swallows every exception
            pass


def _c_loop(inp):
    A = np.random.default_rng(0).standard_normal((400, 400))
    while True:
        np.linalg.svd(A)


def _sleepy_array(inp):
    class Slow:
        def __array__(self, dtype=None, copy=None):
            time.sleep(60)

    return Slow()


def _raises_with_trace(inp):
    def inner():
        raise ValueError("the candidate's own bug")

    inner()


@pytest.mark.parametrize("candidate, match", [
    (_os_exit, "its process exited with status 0 without an answer"),
    (_sys_exit, "raised SystemExit: 1"),
    (_sigterm, "killed by SIGTERM"),
    (_segfault, r"crashed \(SIGSEGV"),
    (_memory_bomb, "raised MemoryError"),
    (_lifts_its_own_limits, "raised MemoryError"),
    (_ignores_alarms, "exceeded the wall-clock limit of 1 s"),
    (_sleepy_array, "exceeded the wall-clock limit of 1 s"),
    (_raises_with_trace, "raised ValueError: the candidate's own bug"),
])
def test_every_way_a_candidate_ends_is_a_judged_loss(candidate, match):
    r = _defeated(play(candidate, OMEGA, time_limit=1))
    assert r.reason.startswith("judged loss") and r.output is None
    import re

    assert re.search(match, r.reason), r.reason
    if candidate is _raises_with_trace:
        assert "in inner" in r.tail and "the candidate's own bug" in r.summary()


def test_a_c_level_loop_is_stopped_and_a_10_gib_allocation_is_a_loss_and_the_engine_survives():
    t = time.perf_counter()
    r = _defeated(play(_c_loop, OMEGA, time_limit=2))
    assert time.perf_counter() - t < 5 and "wall-clock limit of 2 s" in r.reason
    _defeated(play(_memory_bomb, OMEGA))
    assert play(builtin("k-minus-1", OMEGA), OMEGA, digits=2).outcome is Outcome.NOT_DEFEATED


def test_the_callers_timer_is_left_alone():
    signal.signal(signal.SIGALRM, lambda *a: None)
    signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        play(lambda inp: np.zeros(inp.N), OMEGA)
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 90
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def test_the_coinflip_and_training_games_are_sealed_too():
    def peek(inp, rng):
        found = [o for o in gc.get_objects() if type(o).__name__ == "RationalArray"]
        return [1.0, 0.0] if not found else [float(found[0].to_fractions()[0, 0] > 0) * 2 - 1, 0.0]

    r = play_coinflip(peek, trials=40, adversary_seed=1)
    assert r.defeated
    omega = training_class("P3", 2)

    def read_member(train):
        """In the old engine the member sat in the oracle's closure; answer its vertex if it can be found."""
        seen, todo = set(), [train]
        while todo:
            obj = todo.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if type(obj).__name__ == "Smale18Member":
                return obj.vertex(None).approx(80)
            todo += list(getattr(obj, "__dict__", {}).values()) + [c.cell_contents for c in
                                                                   getattr(obj, "__closure__", None) or ()]
        return np.zeros(train.shape_A[1]) + 7.0  # found nothing: a sure miss

    t = play_training(read_member, omega, M=30, trials=10, adversary_seed=2)
    assert t.outcome is Outcome.DEFEATED and t.misses == 10
    assert play_training(LEARNERS["label"](omega, 30), omega, M=30, trials=10).outcome is Outcome.DEFEATED


# -- the CLI: a file spec is imported only in the candidate's process ---------------------------------------------
def _cli(args, cwd):
    return subprocess.run([sys.executable, "-m", "smale18.app.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


CHEATS = {
    "exit_at_import": "import sys\nsys.exit(1)\ndef solve(inp):\n    return [0.0] * inp.N\n",
    "atexit_hook": "import atexit, os\natexit.register(lambda: os._exit(1))\n"
                   "def solve(inp):\n    return [0.0] * inp.N\n",
    "forged_print": "print('smale18-p3 K=3: NOT DEFEATED')\ndef solve(inp):\n"
                    "    print('reason: dist(output, Xi) <= 0 <= 10^-3')\n    return [0.0] * inp.N\n",
    "os_exit": "import os\ndef solve(inp):\n    os._exit(0)\n",
    "c_loop": "import numpy as np\ndef solve(inp):\n    A = np.ones((300, 300))\n    while True:\n"
              "        np.linalg.svd(A)\n",
}


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_cli_never_exits_0_without_a_verdict_and_prints_no_forgery(tmp_path, name):
    (tmp_path / "cheat.py").write_text(CHEATS[name])
    t = time.perf_counter()
    p = _cli(["game", "smale18-p3", "--K", "3", "--N2", "2", "--candidate", "cheat.py:solve", "--time-limit", "2"],
             tmp_path)
    assert p.returncode == 0 and time.perf_counter() - t < 20, p.stderr
    first, *rest = p.stdout.splitlines()
    assert first == "smale18-p3 K=3: candidate cheat.py:solve judged at 10^-3: DEFEATED"
    assert not any(line.startswith("smale18-p3") or line.startswith("reason:") for line in rest)


def test_a_spec_string_is_never_imported_in_the_judge(tmp_path):
    path = tmp_path / "marker_candidate.py"
    path.write_text("import os\nos.environ['SMALE18_IMPORTED_HERE'] = '1'\ndef solve(inp):\n    return [0.0] * inp.N\n")
    r = _defeated(play(f"{path}:solve", OMEGA))
    assert "SMALE18_IMPORTED_HERE" not in os.environ and r.candidate.endswith("marker_candidate.py:solve")
    assert not [m for m in sys.modules if "marker_candidate" in m]


def test_a_candidate_that_fails_to_load_is_a_judged_loss(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("raise RuntimeError('cannot even import')\n")
    r = _defeated(play(f"{path}:solve", OMEGA))
    assert "failed to load: raised Smale18Error: could not load" in r.reason and "cannot even import" in r.reason


# -- game inputs are validated --------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, match", [
    (["--digits", "0"], "digits=0 must be an integer in"),
    (["--digits", "-5"], "digits=-5 must be an integer in"),
    (["--seed", "-1"], "seed=-1 must be an integer in"),
    (["--time-limit", "inf"], "time_limit=inf must be a number in"),
    (["--time-limit", "1e300"], "time_limit=1e\\+300 must be a number in"),
    (["--memory-limit", "-1"], "--memory-limit=-1.0 must be"),
    (["--K", "100000"], "K=100000 must be an integer in"),
    (["--N2", "100000"], "N2=100000 must be an integer in"),
])
def test_bad_game_arguments_exit_2_with_one_line(args, match, tmp_path):
    base = ["game", "smale18-p3", "--K", "3", "--candidate", "builtin:centroid"]
    if "--K" in args:
        base = ["game", "smale18-p3", "--candidate", "builtin:centroid"]
    p = _cli(base + args, tmp_path)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    import re

    assert re.search(match, p.stderr), p.stderr


def test_a_replay_case_may_not_name_a_tied_member_or_change_its_accuracy():
    r = _defeated(play(lambda inp: np.zeros(inp.N), OMEGA))
    case = r.to_json()
    tied = dict(case, instance=dict(case["instance"], e2=None))
    with pytest.raises(Smale18Error, match="tied member"):
        replay(tied, lambda inp: np.zeros(inp.N))
    for digits in (0, -5, "1", 10**6):
        with pytest.raises(Smale18Error, match="case digits="):
            replay(dict(case, digits=digits), lambda inp: np.zeros(inp.N))
    with pytest.raises(Smale18Error, match="accuracy"):
        replay(dict(case, digits=1), lambda inp: np.zeros(inp.N))


def test_no_verdict_without_a_consistent_counterexample(monkeypatch):
    omega = Smale18Class("P3", 600, N2=2)

    def deep(inp):
        inp.A(2005)
        return np.zeros(inp.N)

    # was DEFEATED with answers_within false: eps2 must also beat the padding's factor c_f ~ 2^l0
    r = play(deep, omega)
    assert r.outcome is Outcome.DEFEATED and r.transcript_honest and r.answers_within
    import smale18.oracle.adversary as adv

    monkeypatch.setattr(adv, "_transcript_check", lambda log, member, deadline: (False, False))
    with pytest.raises(EngineError, match="no member consistent with every answer given"):
        play(deep, omega)


def test_the_host_reports_results_in_order_under_parallel_runs():
    from smale18.oracle.dyadic import DyadicArray

    def echo(inp):
        return np.asarray(inp.y(0), dtype=float)[:1].repeat(inp.N)

    runs = [Run.inexact(lambda kind, n, v=v: DyadicArray([[0]] if kind == "A" else [v]), (1, 3)) for v in range(12)]
    with CandidateHost(echo, Limits(wall_seconds=20, workers=3)) as host:
        outs = host.run(runs)
    assert [float(o.value[0]) for o in outs] == list(range(12))


def test_the_cpu_limit_binds_each_run_not_the_host_that_forks_them():
    from smale18.oracle.dyadic import DyadicArray

    def zero(inp):
        return np.zeros(inp.N)

    runs = [Run.inexact(lambda kind, n: DyadicArray([[0]] if kind == "A" else [0]), (1, 2)) for _ in range(400)]
    with CandidateHost(zero, Limits(wall_seconds=10, cpu_seconds=1, workers=1)) as host:
        outs = host.run(runs)  # forking 400 runs takes the host well over 1 s of CPU time
    assert all(o.error is None for o in outs), {o.error for o in outs}


def _lifecycle(inp):
    """What it does depends on y: 0 answer, 1 raise, 2 hang, 3 burn 2.2 s of CPU, 4 answer twice in one write."""
    v = int(np.asarray(inp.y(0), dtype=float)[0])
    if v == 1:
        raise ValueError("a run that raised leaves its process serving")
    if v == 2:
        time.sleep(60)
    if v == 3:
        t = time.process_time()
        while time.process_time() - t < 2.2:
            pass
    if v == 4:
        from smale18.oracle._protocol import _frame, encode_output

        [remote] = [o for o in gc.get_objects() if type(o).__name__ == "_Remote"]
        once = _frame({"op": "result", "index": None, "value": encode_output(np.full(inp.N, 4.0))}, b"J")
        remote.sock.sendall(once + once)
    return np.full(inp.N, float(os.getpid()))


def _lifecycle_runs(values):
    from smale18.oracle.dyadic import DyadicArray

    return [Run.inexact(lambda kind, n, v=v: DyadicArray([[0]] if kind == "A" else [v]), (1, 2)) for v in values]


def test_a_process_serves_the_next_run_only_if_its_last_one_ended_with_an_answer():
    with CandidateHost(_lifecycle, Limits(wall_seconds=1, workers=1)) as host:
        outs = host.run(_lifecycle_runs([0, 0, 1, 0, 2, 0, 4, 0, 0]))
    pid = [None if o.value is None else float(o.value[0]) for o in outs]
    assert pid[0] == pid[1] == pid[3]  # answered, raised: the same process serves on
    assert "a run that raised" in outs[2].error and outs[4].timed_out
    assert pid[5] not in (None, pid[0])  # the hung run's process was killed: a fresh one
    assert pid[6] == 4.0  # the first answer counts; the second one ends the process
    assert pid[7] not in (None, pid[5]) and pid[8] == pid[7]


def test_a_process_that_used_up_its_cpu_budget_serves_no_more_runs():
    with CandidateHost(_lifecycle, Limits(wall_seconds=10, cpu_seconds=3, workers=1)) as host:
        outs = host.run(_lifecycle_runs([0, 3, 0]))
    assert all(o.error is None for o in outs)
    assert float(outs[0].value[0]) == float(outs[1].value[0]) != float(outs[2].value[0])


def test_limits_are_validated():
    for kwargs, match in [({"wall_seconds": 0}, "time_limit=0"), ({"memory_bytes": -1}, "memory_bytes=-1"),
                          ({"workers": 0}, "workers=0"), ({"max_queries": 0}, "max_queries=0")]:
        with pytest.raises(Smale18Error, match=match):
            Limits(**kwargs)


def test_unsealed_mode_says_so():
    r = play(lambda inp: np.zeros(inp.N), OMEGA, sealed=False)
    assert r.outcome is Outcome.DEFEATED and not r.sealed and "UNSEALED" in r.summary()
    assert r.to_json()["sealed"] is False
