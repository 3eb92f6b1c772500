"""smale18 audit: report cards for a built-in, a user's file and an ONNX network; every verdict re-derived from the
evidence files; the same records on a Dask cluster as on the local pool; a budget that stops cleanly."""

import json
import os
import pathlib

import pytest
from _support import require_extra

from smale18.app.audit import audit, recheck
from smale18.app.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _without_timings(value):
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k not in ("seconds", "figures")}
    if isinstance(value, (list, tuple)):
        return [_without_timings(v) for v in value]
    return value


def test_audit_of_a_builtin_writes_a_card_whose_verdicts_recheck(tmp_path, capsys):
    out = tmp_path / "card"
    assert main(["audit", "builtin:fista", "--max-K", "2", "--adversary-seed", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "| barrier game P3, K = 2 | defeated | certified |" in printed.out
    assert "audit: 6/6 done" in printed.err  # progress on stderr
    card = json.loads((out / "card.json").read_text())
    assert card["complete"] and len(card["records"]) == 6 and (out / "games.png").is_file()
    assert all((out / r["evidence_file"]).is_file() for r in card["records"])
    checks = recheck(str(out))
    assert len(checks) == 6 and all(ok for _, ok, _ in checks), checks
    # every game's case file replays through the CLI to the same verdict
    assert main(["replay", str(out / "game-P2-K1.json"), "--candidate", "builtin:fista"]) == 0


def test_recheck_catches_an_evidence_file_that_does_not_support_its_verdict(tmp_path):
    out = tmp_path / "card"
    audit("builtin:k-minus-1", out=str(out), max_K=1, adversary_seed=1, progress=False)
    assert all(ok for _, ok, _ in recheck(str(out)))
    # the k-minus-1 algorithm is defeated at 10^-K; claim it was not, and the re-derivation disagrees
    card = json.loads((out / "card.json").read_text())
    card["records"][0]["verdict"] = "not defeated"
    (out / "card.json").write_text(json.dumps(card))
    assert not recheck(str(out))[0][1]


def test_audit_of_a_users_solver_file(tmp_path):
    out = tmp_path / "card"
    card = audit(f"{ROOT / 'examples' / 'my_solver.py'}:solve", out=str(out), max_K=2, adversary_seed=2,
                 progress=False)
    games = [r for r in card.records if r["test"].startswith("barrier game")]
    assert card.complete and len(games) == 6 and {r["verdict"] for r in games} == {"defeated"}
    # beside the games: its error on certified instances against FIRENET's proven error (the example ISTA solves
    # the LASSO with the square-root LASSO's lambda, and stays above the bound)
    [accuracy] = [r for r in card.records if r["test"] == "accuracy on certified instances"]
    assert accuracy["numbers"]["instances"] == 3 and len(accuracy["numbers"]["errors"]) == 3
    assert accuracy["verdict"] == f"within FIRENET's proven error on {accuracy['numbers']['reached']}/3"
    checks = recheck(str(out))
    assert len(checks) == 7 and all(ok for _, ok, _ in checks), checks
    assert "survives" in (out / "card.md").read_text()


def test_a_randomised_candidate_is_played_over_trials(tmp_path):
    card = audit("builtin:random", out=str(tmp_path), max_K=1, trials=20, adversary_seed=4, progress=False)
    assert {r["status"] for r in card.records} == {"observed"}
    assert all(r["numbers"]["trials"] == 20 for r in card.records)
    assert all(ok for _, ok, _ in recheck(str(tmp_path)))


def test_audit_of_an_onnx_network_bounds_and_attacks_it(tmp_path):
    require_extra("onnx")
    import numpy as np

    from smale18.verify.nets import firenet, to_onnx

    path = tmp_path / "net.onnx"
    to_onnx(firenet(np.random.default_rng(0).standard_normal((6, 10)) / 3, lam=0.1, restarts=2, inner=4), str(path))
    out = tmp_path / "card"
    card = audit(str(path), out=str(out), seed=1, progress=False)
    kinds = {r["test"]: r for r in card.records}
    assert card.kind == "reconstruction" and kinds["Lipschitz bound"]["status"] == "certified"
    bound = float(__import__("fractions").Fraction(kinds["Lipschitz bound"]["numbers"]["lipschitz_upper"]))
    worst = max(kinds["worst-case perturbation"]["numbers"]["worst_amplification"])
    assert 0 < worst <= bound  # what the attack finds cannot exceed what is proven
    assert all(ok for _, ok, _ in recheck(str(out)))


def test_a_dask_cluster_gives_the_same_card_as_the_local_pool(tmp_path):
    distributed = require_extra("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        remote = audit("builtin:fista", out=str(tmp_path / "dask"), max_K=2, adversary_seed=5,
                       scheduler=cl.scheduler_address, progress=False)
    local = audit("builtin:fista", out=str(tmp_path / "local"), max_K=2, adversary_seed=5, progress=False)
    assert remote.complete and local.complete
    assert _without_timings(list(remote.records)) == _without_timings(list(local.records))
    for name in os.listdir(tmp_path / "local"):
        if name.startswith("game-"):
            assert (_without_timings(json.loads((tmp_path / "dask" / name).read_text()))
                    == _without_timings(json.loads((tmp_path / "local" / name).read_text())))


def test_a_budget_stops_the_audit_cleanly_and_says_what_it_covered(tmp_path):
    slow = tmp_path / "slow.py"
    slow.write_text("import time\nimport numpy as np\n\n\ndef solve(inp):\n    time.sleep(30)\n"
                    "    return np.zeros(inp.N)\n")
    out = tmp_path / "card"
    assert main(["audit", f"{slow}:solve", "--budget", "3", "--max-K", "1", "--out", str(out), "--json"]) == 1
    card = json.loads((out / "card.json").read_text())
    assert not card["complete"]
    assert "did not run within the budget" in (out / "card.md").read_text()


@pytest.mark.parametrize("argv, message", [
    (["audit", "builtin:fista", "--budget", "0"], "budget"),
    (["audit", "builtin:fista", "--max-K", "9"], "max_K"),
    (["audit", "no/such/file.py:solve"], "does not exist"),
    (["audit", "net.onnx", "--kind", "reconstruction"], "reconstruction map"),
])
def test_bad_audit_arguments_are_one_line_errors(argv, message, capsys, tmp_path):
    assert main(argv + ["--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_audit_of_an_onnx_relu_classifier_counts_its_witnesses_exactly(tmp_path):
    require_extra("onnx")
    from smale18.app.paradox import train_relu_classifier
    from smale18.oracle.constructions.classification import StripeFamily
    from smale18.verify.nets import Affine, Network, ReLU, to_onnx

    family = StripeFamily(K=50)
    X, y = family.sample(3, seed=0)
    relu = train_relu_classifier(X, y, (8,), iterations=300, seed=0)
    (W1, b1), (W2, b2) = relu.layers
    path = tmp_path / "classifier.onnx"
    to_onnx(Network(2, (Affine(R=W1, c=b1), ReLU(), Affine(W=W2, c=b2))), str(path))
    out = tmp_path / "card"
    assert main(["audit", str(path), "--kind", "classifier", "--out", str(out)]) == 0
    [record] = json.loads((out / "card.json").read_text())["records"]
    assert record["status"] == "certified" and record["numbers"]["flipped"] >= record["numbers"]["guaranteed"] > 0
    assert all(ok for _, ok, _ in recheck(str(out)))


def test_audit_of_a_learner_plays_the_training_set_game(tmp_path):
    learner = tmp_path / "learner.py"
    learner.write_text("def learn(train):\n    return train.sample(0, 32).x  # sample 0's label, read at 32 bits\n")
    out = tmp_path / "card"
    card = audit(f"{learner}:learn", kind="learner", out=str(out), trials=10, adversary_seed=6, progress=False)
    assert card.complete and len(card.records) == 3
    assert all(r["verdict"] == "defeated" and r["numbers"]["trials"] == 10 for r in card.records)
    assert all(ok for _, ok, _ in recheck(str(out)))


def test_a_raising_candidate_is_a_loss_by_rule_with_its_traceback_on_the_card(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def solve(inp):\n    raise ValueError('my solver gave up')\n")
    out = tmp_path / "card"
    card = audit(f"{bad}:solve", out=str(out), max_K=1, adversary_seed=8, progress=False)
    games = [r for r in card.records if r["test"].startswith("barrier game")]
    assert {r["status"] for r in games} == {"rule"} and all("my solver gave up" in r["summary"] for r in games)
    text = (out / "card.md").read_text()
    assert "The candidate's last output:" in text and "ValueError: my solver gave up" in text
    assert all(ok for _, ok, _ in recheck(str(out)))


def test_recheck_reads_only_bounded_files_of_the_card_folder(tmp_path):
    from smale18.oracle import Smale18Error

    out = tmp_path / "card"
    audit("builtin:fista", out=str(out), max_K=1, adversary_seed=1, progress=False)
    card = json.loads((out / "card.json").read_text())
    card["records"][0]["evidence_file"] = "../../outside.json"  # a card may not point outside its folder
    (out / "card.json").write_text(json.dumps(card))
    with pytest.raises(Smale18Error, match="not a file name of the card's folder"):
        recheck(str(out))
    (out / "card.json").write_text('{"records": [], "records": []}')  # strict JSON: duplicate keys refused
    with pytest.raises(Smale18Error, match="duplicate"):
        recheck(str(out))


def test_an_unreachable_scheduler_is_one_clear_error_quickly():
    """The audit connects through smale18.verify._parallel.connect_scheduler: a dead address is refused after a plain
    socket probe, naming the option, instead of a Client that blocks again while it is collected."""
    import time

    from smale18.app.audit._runner import run_jobs
    from smale18.oracle import Smale18Error

    require_extra("distributed")
    t = time.monotonic()
    with pytest.raises(Smale18Error, match=r"scheduler='tcp://127.0.0.1:1': cannot reach a Dask scheduler"):
        run_jobs([], time.monotonic() + 60, scheduler="tcp://127.0.0.1:1")
    assert time.monotonic() - t < 15
