"""The command line: verbs, exit codes, one-line errors."""

import json
import subprocess
import sys

import pytest

from verify.cli import main


def _run(*args):
    return subprocess.run([sys.executable, "-m", "verify.cli", *args], capture_output=True, text=True, timeout=300)


def test_help_lists_the_verbs():
    out = _run("--help")
    assert out.returncode == 0
    assert "tour" in out.stdout and "oracle" in out.stdout


@pytest.mark.parametrize(
    "args, match",
    [
        (["bogus"], "invalid choice"),
        (["oracle", "dct2:8"], "--n"),
        (["oracle", "dct2:8", "--n", "-3"], "n=-3 must be a non-negative integer"),
        (["oracle", "dct2:8", "--n", "x"], "invalid int value"),
        (["oracle", "nope:3", "--n", "3"], "must be one of dct2:N"),
        (["oracle", "hadamard:6", "--n", "3"], "N=6 must be a power of two"),
        ([], ""),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(args, match, capsys):
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2
    if args:
        assert err.count("\n") == 1 and match in err and "Traceback" not in err


def test_oracle_verb_certifies_and_prints_exact_json():
    out = _run("oracle", "dct2:16", "--n", "100")
    assert out.returncode == 0 and "certified" in out.stdout
    js = _run("oracle", "dct2:4", "--n", "30", "--json")
    data = json.loads(js.stdout)
    assert data["answer"]["shape"] == [4, 4] and all(isinstance(s, str) for s in data["answer"]["numerators"])


def test_quick_tour_writes_a_report_linking_every_figure(tmp_path):
    out = _run("tour", "--quick", "--out", str(tmp_path / "rep"))
    assert out.returncode == 0, out.stderr
    assert "certified" in out.stdout and "observed" in out.stdout and "precision cap" in out.stdout
    report = (tmp_path / "rep" / "report.md").read_text()
    pngs = sorted(p.name for p in (tmp_path / "rep").glob("*.png"))
    assert len(pngs) >= 7  # game, table, convergence, certificate, image, attack, paradox
    for name in pngs:
        assert f"]({name})" in report
    assert "**Certified**" in report and "**Observed**" in report


def test_game_and_replay(tmp_path):
    case = tmp_path / "case.json"
    out = _run("game", "smale18-p3", "--K", "4", "--candidate", "builtin:centroid", "--out", str(case))
    assert out.returncode == 0 and "DEFEATED" in out.stdout and "certified" in out.stdout
    stored = json.loads(case.read_text())
    assert stored["instance"]["construction"] == "smale18-p3" and stored["outcome"] == "defeated"
    again = _run("replay", str(case), "--candidate", "builtin:centroid", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["output"] == stored["output"]
    js = _run("game", "smale18-p1", "--K", "2", "--candidate", "builtin:k-minus-1", "--digits", "1", "--json")
    assert js.returncode == 1 and json.loads(js.stdout)["outcome"] == "not defeated"
    mine = tmp_path / "mine.py"
    mine.write_text("def solve(inp):\n    raise RuntimeError('boom')\n")
    lost = _run("game", "smale18-p2", "--K", "3", "--candidate", f"{mine}:solve")
    assert lost.returncode == 0 and "judged loss: raised RuntimeError: boom" in lost.stdout


@pytest.mark.parametrize(
    "args, match",
    [
        (["game", "smale18-p7", "--K", "3", "--candidate", "builtin:cvxpy"], "must be one of smale18-p1"),
        (["game", "smale18-p3", "--K", "0", "--candidate", "builtin:cvxpy"], "K=0 must be an integer in [1, 1000]"),
        (["game", "smale18-p3", "--K", "3", "--candidate", "nope"], "must be builtin:NAME"),
        (["game", "smale18-p3", "--K", "3", "--candidate", "builtin:cvxpy", "--trials", "0"], "trials=0"),
        (["replay", "/does/not/exist.json", "--candidate", "builtin:cvxpy"], "cannot read case file"),
    ],
)
def test_game_bad_usage(args, match, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and match in err
