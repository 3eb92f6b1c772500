"""Mutation testing of the checkers: the functions that decide "certified", "refuted", "proven", "within" or a
verdict. One command, from the repository root (not part of the test suite; needs ``pip install mutmut``):

    python tools/mutation.py                 # every group; exit 1 below 90 % or with an unexplained survivor
    python tools/mutation.py --group rnsp    # one group

For each group, the current working tree (tracked files and new ones, not ignored ones) is copied to a temporary
folder, with ``oracle/``, ``verify/`` and ``app/`` nested under a regular package ``smale18/`` there (so the mutated
copy, found first on mutmut's path, is what ``import smale18.oracle`` loads rather than the installed tree),
``[tool.mutmut]`` is written there (the group's file to mutate and the tests that judge it), and ``mutmut
run`` mutates the group's functions only; the results are read from mutmut's ``.meta`` files. A mutant is killed
when a test fails or times out with it. A survivor must be killed by a new test or listed in
``tools/mutation_equivalent.txt`` (``name reason``, one per line) with the reason it cannot change any result; the
list is printed with the score and the reasons are in the proof notes.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
THRESHOLD = 0.90

#: group -> (file to mutate, tests that judge it, mutmut names of its checker functions)
GROUPS = {
    "rnsp": ("verify/rnsp.py", ["tests/test_rnsp.py", "tests/test_check_hostile.py"], [
        "smale18.verify.rnsp.x__check_certificate__mutmut_*", "smale18.verify.rnsp.x__claim_context__mutmut_*",
        "smale18.verify.rnsp.x__check_refutation__mutmut_*", "smale18.verify.rnsp.x_rnsp_violation__mutmut_*",
        "smale18.verify.rnsp.x__admissible__mutmut_*", "smale18.verify.rnsp.x__support_indices__mutmut_*",
        "smale18.verify.rnsp.x__bounds_from_witness__mutmut_*"]),
    "within": ("oracle/exact.py", ["tests/test_exact.py", "tests/test_inexact.py"], [
        "smale18.oracle.exact.x_is_within__mutmut_*"]),
    "minimiser": ("oracle/problems.py", ["tests/test_problems.py"], [
        "smale18.oracle.problems.xǁ_Problemǁcertify_minimiser__mutmut_*"]),
    "game": ("oracle/adversary.py", ["tests/test_adversary.py"], [
        "smale18.oracle.adversary.x__verdict__mutmut_*", "smale18.oracle.adversary.x__transcript_check__mutmut_*",
        "smale18.oracle.adversary.x_judge_output__mutmut_*"]),
}


LAYERS = ("oracle", "verify", "app")


def _copy_tree(dest: pathlib.Path) -> None:
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    for name in files:
        src = ROOT / name
        target = dest / "smale18" / name if name.split("/")[0] in LAYERS else dest / name
        if src.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    (dest / "smale18" / "__init__.py").write_text('"""smale18, nested for mutation testing."""\n')


def _config(mutate: str, tests: list[str]) -> str:
    return ("\n[tool.mutmut]\n"
            'source_paths = ["smale18/"]\n'
            f'only_mutate = ["smale18/{mutate}"]\n'
            f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
            'pytest_add_cli_args = ["-p", "no:cacheprovider", "-x"]\n')


def _equivalent() -> dict[str, str]:
    path = ROOT / "tools" / "mutation_equivalent.txt"
    out = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, reason = line.strip().partition(" ")
                out[name] = reason.strip()
    return out


def run_group(name: str, max_children: int) -> dict[str, int | None]:
    mutate, tests, targets = GROUPS[name]
    with tempfile.TemporaryDirectory(prefix=f"smale18-mutation-{name}-") as tmp:
        work = pathlib.Path(tmp)
        _copy_tree(work)
        with open(work / "pyproject.toml", "a") as fh:
            fh.write(_config(mutate, tests))
        subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children), *targets],
                       cwd=work, check=False, stdout=subprocess.DEVNULL)
        results: dict[str, int | None] = {}
        for meta in (work / "mutants").rglob("*.meta"):
            results.update(json.loads(meta.read_text())["exit_code_by_key"])
    return {k: v for k, v in results.items() if any(fnmatch.fnmatchcase(k, t) for t in targets)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", action="append", choices=sorted(GROUPS), help="only these groups (repeatable)")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--report", help="also write the summary to this file")
    args = parser.parse_args(argv)
    equivalent = _equivalent()
    lines, total, killed_all, bad = [], 0, 0, False
    for name in args.group or list(GROUPS):
        t0 = time.perf_counter()
        results = run_group(name, args.max_children)
        killed = sorted(k for k, v in results.items() if v not in (0, None))
        survivors = sorted(k for k, v in results.items() if v in (0, None))
        unexplained = [k for k in survivors if k not in equivalent]
        total, killed_all = total + len(results), killed_all + len(killed)
        bad |= bool(unexplained) or not results
        lines.append(f"{name}: {len(killed)} of {len(results)} mutants killed, {len(survivors) - len(unexplained)} "
                     f"survivors explained as equivalent, {len(unexplained)} unexplained "
                     f"({time.perf_counter() - t0:.0f} s)")
        lines += [f"  explained  {k}: {equivalent[k]}" for k in survivors if k in equivalent]
        lines += [f"  SURVIVED   {k}" for k in unexplained]
        print(lines[-1 - len(survivors)] if survivors else lines[-1], flush=True)
    score = killed_all / total if total else 0.0
    lines.append(f"mutation score of the checkers: {killed_all} of {total} killed ({100 * score:.1f} %)")
    print("\n".join(lines))
    if args.report:
        pathlib.Path(args.report).write_text("\n".join(lines) + "\n")
    return 0 if score >= THRESHOLD and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
