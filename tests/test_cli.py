"""The command line: verbs, exit codes, one-line errors."""

import json
import subprocess
import sys

import pytest

from smale18.app.cli import main


def _run(*args):
    return subprocess.run([sys.executable, "-m", "smale18.app.cli", *args], capture_output=True, text=True, timeout=300)


def test_help_lists_the_verbs():
    out = _run("--help")
    assert out.returncode == 0
    assert "tour" in out.stdout and "oracle" in out.stdout


@pytest.mark.parametrize(
    "args, match",
    [
        (["bogus"], "invalid choice"),
        (["oracle", "dct2:8"], "--n"),
        (["oracle", "dct2:8", "--n", "-3"], "n=-3 must be an integer in [0, 16384]"),
        (["oracle", "dct2:8", "--n", "x"], "n='x' must be an integer in [0, 16384]"),
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


@pytest.fixture(scope="module")
def quick_tour(tmp_path_factory):
    """One quick tour per test module (about 40 s here): its completed process and its folder."""
    folder = tmp_path_factory.mktemp("tour") / "rep"
    return _run("tour", "--quick", "--out", str(folder)), folder


def test_quick_tour_writes_a_report_linking_every_figure(quick_tour):
    out, folder = quick_tour
    assert out.returncode == 0, out.stderr
    assert "certified" in out.stdout and "observed" in out.stdout and "precision cap" in out.stdout
    report = (folder / "report.md").read_text()
    pngs = sorted(p.name for p in folder.glob("*.png"))
    assert len(pngs) >= 7  # game, table, convergence, certificate, image, attack, paradox
    from smale18.app._tour import FIGURES

    assert set(pngs) <= set(FIGURES)  # the names a new run removes first (no stale figure beside a new report)
    assert "the run finished; every certified claim proven: yes" in report
    for name in pngs:
        assert f"]({name})" in report
    assert "**Certified**" in report and "**Observed**" in report


_GROUP_HEADS = {"**Certified**": "certified", "**Observed**": "observed", "**Details**": "detail"}


def _grouped_report_lines(report):
    """``(section heading, status, line)`` for every non-empty line printed under a **Certified**, **Observed** or
    **Details** heading (a group ends at the next heading, figure or link)."""
    section = status = None
    for line in report.splitlines():
        if line.startswith("#"):
            section, status = line, None
        elif line in _GROUP_HEADS:
            status = _GROUP_HEADS[line]
        elif line.startswith(("![", "[")):
            status = None
        elif line.strip() and status is not None:
            yield section, status, line


def _sections(report):
    """``{number: text}`` of the report's numbered sections (heading included)."""
    import re

    parts = re.split(r"\n(?=## )", report)
    return {int(m.group(1)): part for part in parts if (m := re.match(r"## (\d+)\. ", part))}


def _table_blocks(text):
    """The runs of consecutive lines that start with '|' (each one Markdown table), as lists of cell lists."""
    blocks, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif current:
            blocks.append(current)
            current = []
    return blocks


def test_tour_report_groups_hold_one_status_each(quick_tour):
    """Under **Certified** no line is tagged [observed, under **Observed** none [certified, Details carry neither;
    every result line and table caption carries the tag of its group."""
    _, folder = quick_tour
    report = (folder / "report.md").read_text()
    seen = set()
    for section, status, line in _grouped_report_lines(report):
        seen.add(status)
        where = f"{section}: {line}"
        if status == "certified":
            assert "[observed" not in line, where
        elif status == "observed":
            assert "[certified" not in line, where
        else:
            assert "[certified" not in line and "[observed" not in line, where
        if status != "detail" and line.startswith(("- `", "`")):  # a result line or a table's caption
            assert f"[{status}" in line, where
    assert seen == {"certified", "observed", "detail"}


def test_tour_report_tables_are_whole(quick_tour):
    """Table 1 (section 5) and the oracle's table (section 1) are each one Markdown table, header first, with their
    tagged caption just above; no row is left as a bullet."""
    import re

    _, folder = quick_tour
    sections = _sections((folder / "report.md").read_text())
    expected = ((5, ["K", "n", "LISTA dist to Xi_3", "FIRENET dist to Xi_3"], ["1", "3", "6"]),
                (1, ["n", "bits/entry", "certified bound"], ["10", "53", "200", "1000"]))
    for number, header_start, first_column in expected:
        text = sections[number]
        blocks = _table_blocks(text)
        assert len(blocks) == 1, (number, blocks)
        header, separator, *body = blocks[0]
        assert header[:len(header_start)] == header_start
        assert all(re.fullmatch(r":?-{2,}:?", c) for c in separator) and len(separator) == len(header)
        assert [row[0] for row in body] == first_column and all(len(row) == len(header) for row in body)
        lines = text.splitlines()
        first = next(i for i, line in enumerate(lines) if line.startswith("|"))
        tag = "[observed" if number == 5 else "[certified"
        assert lines[first - 1] == "" and lines[first - 2].startswith(f"`{tag}"), lines[first - 2]
        assert not any(re.match(r"- `\s*\d+\s+\d+\s", line) for line in lines)  # no row split into a bullet


def test_tour_report_explains_each_section_and_times_it(quick_tour):
    """Each section opens with a paragraph and states its wall time; the symbols are defined where they first appear;
    the last table gives every section's time and the total."""
    import re

    _, folder = quick_tour
    report = (folder / "report.md").read_text()
    sections = _sections(report)
    assert sorted(sections) == list(range(1, 11))
    for number, text in sections.items():
        heading, blank, opener = text.splitlines()[:3]
        assert re.search(r" \(\d+\.\d s\)$", heading), heading
        assert blank == "" and len(opener) > 200 and "Look at" in opener, (number, opener[:80])
    defined_in = {"2^-n": 1, "P1, P2, P3": 2, "Xi": 2, "K": 4, "Omega_K": 4, "eta": 4, "FIRENET": 5, "LISTA": 5,
                  "rNSP": 6, "rNSPL": 6}
    for symbol, number in defined_in.items():
        assert f"- **`{symbol}`**: " in sections[number], symbol
    assert "P3** (square-root LASSO" in sections[2] and "F(x) = lam ||x||_1 + ||Ax - y||_2" in sections[2]
    assert "||v_Delta||_2 <= rho ||v_{Delta^c}||_1 / sqrt(s) + gamma ||Av||_2" in sections[6]
    times = report.split("## Time per section")[1]
    assert len(_table_blocks(times)[0]) == 2 + 10 + 1  # header, separator, ten sections, the total
    assert re.search(r"\| \*\*total\*\* \| \d+\.\d s \|", times)
    assert report.index("**What this is.**") < report.index("**Certified or observed.**") < report.index("## 1.")


def test_tour_report_shows_clean_errors_beside_the_attack(quick_tour):
    """Section 7: a newcomer sees each map's error on a clean image before the output change the attack caused."""
    _, folder = quick_tour
    (table,) = [b for b in _table_blocks(_sections((folder / "report.md").read_text())[7]) if "map" in b[0]]
    header, _, *rows = table
    assert header[:2] == ["map", "clean relative error"] and "output change" in header
    assert [r[0] for r in rows] == ["trained map", "FIRENET"]
    assert all(r[1].endswith("%") and float(r[1][:-1]) >= 0 for r in rows)


def test_tour_report_status_must_match_the_line_tag(capsys):
    """The grouping rule is an explicit status, checked against the inline tag: a mismatch is refused."""
    from smale18.app._tour import _check_status, _Report

    for text, status in (("[observed] x", "certified"), ("[certified] x [observed] y", "certified"),
                         ("[certified] x", "observed"), ("[observed] x", "detail"), ("x", "certified"),
                         ("[certified] x", "proven")):
        with pytest.raises(ValueError):
            _check_status(text, status)
    ticks = iter(range(100))
    report = _Report(clock=lambda: float(next(ticks)))
    report.section("1. One", "What it shows.", (("s", "a symbol"),))
    report.say("[observed] measured 3", "observed")
    report.say("[certified] proven 2", "certified")
    report.table("[certified] a table", ("a", "b"), [(1, "x|y")], "certified")
    report.say("set-up, status unknown [unknown]", "detail")
    with pytest.raises(ValueError):
        report.table("[certified] a table", ("a", "b"), [(1,)], "certified")
    report.section("2. Two", "Stopped.")
    text = report.markdown("/tmp", "status", total_seconds=7.0, interrupted=True)
    assert "## 1. One (" in text and "## 2. Two (stopped after" in text and "| **total** | 7.0 s |" in text
    one = text.split("## 1. One")[1].split("## 2.")[0]
    assert one.index("What it shows.") < one.index("**`s`**") < one.index("**Certified**") \
        < one.index("`[certified] proven 2`") < one.index("| 1 | x\\|y |") < one.index("**Observed**") \
        < one.index("measured 3") < one.index("**Details**") < one.index("[unknown]")
    assert "[observed] measured 3" in capsys.readouterr().out


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


# -- robustness: every hostile invocation exits 2 with one line on stderr, and never hangs ----------------------
def _main_within(argv, seconds=30):
    """``main(argv)``, failing (instead of hanging) if it runs longer than ``seconds``."""
    import signal

    def timeout(signum, frame):
        raise TimeoutError(f"smale18 {' '.join(argv)} ran longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(seconds)
    try:
        return main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


_GAME = ["game", "smale18-p3", "--K", "3", "--candidate", "builtin:centroid"]


def _hostile(tmp):
    existing = tmp / "existing.json"
    existing.write_text("{}")
    png = tmp / "existing.png"
    png.write_bytes(b"not a figure")
    folder = tmp / "folder"
    folder.mkdir()
    return [
        (_GAME + ["--seed", "-1"], "--seed"),
        (["game", "coinflip", "--candidate", "builtin:gd", "--seed", "-1"], "--seed"),
        (["table1", "--seed", "-1"], "--seed"),
        (["attack", "--seed", "-1"], "--seed"),
        (["paradox", "--seed", "-1"], "--seed"),
        (["tour", "--quick", "--seed", "-1", "--out", str(tmp / "rep")], "--seed"),
        (_GAME + ["--adversary-seed", "-1"], "--adversary-seed"),
        (_GAME + ["--time-limit", "inf"], "--time-limit"),
        (_GAME + ["--time-limit", "1e300"], "--time-limit"),
        (_GAME + ["--time-limit", "1e-7"], "--time-limit"),
        (_GAME + ["--time-limit", "nan"], "--time-limit"),
        (["game", "coinflip", "--candidate", "builtin:gd", "--time-limit", "1e-7"], "--time-limit"),
        (_GAME + ["--memory-limit", "inf"], "--memory-limit"),
        (_GAME + ["--workers", "0"], "--workers"),
        (_GAME + ["--digits", "1000000"], "--digits"),
        (_GAME + ["--digits", "0"], "--digits"),
        (_GAME + ["--N2", "100000"], "--N2"),
        (_GAME + ["--trials", "1000000000"], "--trials"),
        (["game", "coinflip", "--candidate", "builtin:gd", "--trials", "-3"], "--trials"),
        (["game", "smale18-p3", "--K", "100000", "--candidate", "builtin:centroid"], "--K"),
        (["game", "smale18-p3", "--K", "9" * 5000, "--candidate", "builtin:centroid"], "--K"),
        (_GAME + ["--out", str(tmp / "missing" / "case.json")], "--out"),
        (_GAME + ["--out", str(existing)], "--force"),
        (_GAME + ["--out", str(folder)], "--out"),
        (["tour", "--quick", "--out", str(existing)], "--out"),
        (["oracle", "dct2:8", "--n", "100000000"], "--n"),
        (["oracle", "dct2:8", "--n", "1e3"], "--n"),
        (["oracle", "dct2:100000", "--n", "3"], "N=100000"),
        (["oracle", "hilbert:512", "--n", "16384"], "too much work"),
        (["paradox", "--K", "1000000"], "--K"),
        (["paradox", "--out", str(png)], "--force"),
        (["paradox", "--out", str(tmp / "figure")], ".png"),
        (["attack", "--out", str(folder)], "--out"),
        (["attack", "--out", str(tmp / "figure")], ".png"),
        (["attack", "--out", str(tmp / "missing" / "a.png")], "--out"),
        (["attack", "--n", "8"], "--n"),
        (["attack", "--n", "4096"], "--n"),
        (["attack", "--steps", "1000000000"], "--steps"),
        (["certify", "rnsp", "dct2:8", "--sparsity", "1", "--out", str(existing)], "--force"),
        (["replay", str(existing), "--candidate", "builtin:cvxpy", "--time-limit", "inf"], "--time-limit"),
        (["certify", "rnsp", "dct2:8", "--sparsity", "1", "--weights", "1e-1000000000"], "--weights"),
        (["certify", "rnsp", "dct2:8", "--sparsity", "9" * 5000], "--sparsity"),
    ]


@pytest.mark.parametrize("index", range(42))
def test_hostile_invocations_exit_2_with_one_line(index, tmp_path, capsys):
    cases = _hostile(tmp_path)
    argv, match = cases[index]
    before = sorted(p.name for p in tmp_path.iterdir())
    code = _main_within(argv)
    captured = capsys.readouterr()
    assert code == 2, (argv, captured.err)
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    assert match in captured.err, captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, nothing clobbered
    assert (tmp_path / "existing.json").read_text() == "{}"


def test_the_hostile_list_is_covered(tmp_path):
    assert len(_hostile(tmp_path)) == 42


def _help(verb, capsys):
    with pytest.raises(SystemExit):
        main([verb, "--help"])
    return capsys.readouterr().out


def test_help_states_every_bound(capsys):
    verbs = ("game", "oracle", "attack", "paradox", "tour", "table1")
    parser_help = {verb: _help(verb, capsys) for verb in verbs}
    game = " ".join(parser_help["game"].split())
    for text in ("[1, 1000]", "[1, 10000]", "[0, 1024]", "[1, 100000]", "[0.1, 86400]", "--force"):
        assert text in game, text
    oracle = " ".join(parser_help["oracle"].split())
    assert "[0, 16384]" in oracle and "N^2 max(n, 64) <= 2^27" in oracle
    assert "[16, 32]" in " ".join(parser_help["attack"].split())
    assert "[2, 500]" in " ".join(parser_help["paradox"].split())
    for verb in ("attack", "paradox", "tour", "table1"):
        assert "[0, 4294967295]" in " ".join(parser_help[verb].split()), verb


def test_cli_bounds_are_the_library_bounds():
    from smale18.oracle.adversary import MAX_DIGITS, MAX_TRIALS
    from smale18.oracle.constructions.smale18 import MAX_K, MAX_N2
    from smale18.app import cli, paradox, table1
    from smale18.app._tour import MAX_SEED as TOUR_SEED
    from smale18.app.instability_demo import SIDES

    assert (cli.GAME_MAX_K, cli.GAME_MAX_N2, cli.GAME_MAX_DIGITS, cli.GAME_MAX_TRIALS) == (MAX_K, MAX_N2, MAX_DIGITS,
                                                                                          MAX_TRIALS)
    assert cli.PARADOX_MAX_K == paradox.MAX_K and cli.ATTACK_SIDES == SIDES
    assert cli.MAX_SEED == TOUR_SEED == table1.MAX_SEED == paradox.MAX_SEED


def test_oracle_compares_exactly_where_floats_underflow(capsys):
    """2^-1075 is 0 in float64: the certified bound must be compared with the exact power of two."""
    assert main(["oracle", "dct2:8", "--n", "1075"]) == 0
    out = capsys.readouterr().out
    assert "certified" in out and "2^-1075" in out


def test_out_with_force_replaces_an_existing_file_atomically(tmp_path):
    case = tmp_path / "case.json"
    case.write_text("old")
    out = _run(*_GAME, "--out", str(case), "--force", "--adversary-seed", "3")
    assert out.returncode == 0, out.stderr
    assert json.loads(case.read_text())["instance"]["construction"] == "smale18-p3"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.json"]  # no temporary file left behind


# -- the tour's report: atomic, and never stale ------------------------------------------------------------------
def _old_report(folder):
    folder.mkdir()
    (folder / "report.md").write_text("# smale18 tour report\n\nMode: quick; every certified claim proven: yes.\n")
    (folder / "game.png").write_bytes(b"a figure of an earlier run")
    (folder / "notes.txt").write_text("the user's own file")


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_tour_marks_its_report_and_leaves_no_stale_figures(error, tmp_path, monkeypatch):
    from smale18.app import _tour

    folder = tmp_path / "rep"
    _old_report(folder)

    def boom(*args, **kwargs):
        raise error("stopped here")

    monkeypatch.setattr(_tour, "_oracle_section", boom)
    with pytest.raises(error):
        _tour.run_tour(quick=True, out=str(folder))
    report = (folder / "report.md").read_text()
    assert "INTERRUPTED" in report and "proven: yes" not in report
    assert not (folder / "game.png").exists()  # a figure of the earlier run is not left beside the new report
    assert (folder / "notes.txt").read_text() == "the user's own file"
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "report.md"]  # no temporary file


def test_a_tour_killed_outright_leaves_an_incomplete_report(tmp_path, monkeypatch):
    """Even SIGKILL (no handler runs) cannot leave the old 'proven: yes': the report is replaced first."""
    from smale18.app import _tour

    folder = tmp_path / "rep"
    _old_report(folder)
    seen = {}

    def look(*args, **kwargs):
        seen["report"] = (folder / "report.md").read_text()
        raise SystemExit(9)

    monkeypatch.setattr(_tour, "_oracle_section", look)
    with pytest.raises(SystemExit):
        _tour.run_tour(quick=True, out=str(folder))
    assert "INCOMPLETE" in seen["report"] and "proven: yes" not in seen["report"]


def test_report_writes_are_atomic(tmp_path, monkeypatch):
    import os

    from smale18.app import _tour

    path = tmp_path / "report.md"
    path.write_text("the old report")

    def failing_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        _tour._write_atomic(str(path), "the new report")
    assert path.read_text() == "the old report" and sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]
    monkeypatch.undo()
    _tour._write_atomic(str(path), "the new report")
    assert path.read_text() == "the new report" and sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_oracle_and_certificates_accept_the_same_matrix_names(capsys):
    # one parser (smale18.verify.named): the oracle verb answers subdct:N:m:seed, the name certificates use
    from smale18.verify.named import named_matrix

    assert main(["oracle", "subdct:16:5:3", "--n", "40", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["answer"]["shape"] == [5, 16]
    assert named_matrix("subdct:16:5:3").shape == (5, 16)
    assert main(["oracle", "subdct:16:17:3", "--n", "40"]) == 2  # the name's own limit (m <= N), one line
    assert "subdct needs 1 <= m <= N" in capsys.readouterr().err
