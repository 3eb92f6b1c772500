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


def test_quick_tour_runs():
    out = _run("tour", "--quick")
    assert out.returncode == 0, out.stderr
    assert "certified" in out.stdout and "observed" in out.stdout and "precision cap" in out.stdout
