"""The ``smale18`` command.

Exit codes (DESIGN.md): 0 = what was asked holds, 1 = it does not, 2 = bad input or usage (one line on stderr).

Every argument is bounded so that one invocation's work is bounded (the bounds below; ``--help`` states each), and
every bound is checked before any work starts. ``--out FILE`` never replaces an existing file unless ``--force`` is
given (a certificate or a counterexample written earlier is evidence; a second run must not clobber it silently); the
file is written to a temporary name in the same folder and renamed into place, so it is either complete or absent.
``tour --out DIR`` reuses its own folder: it replaces the tour's report and figures there and nothing else.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from fractions import Fraction

from smale18.oracle import Smale18Error
from smale18.verify.named import MAX_NAMED_N, MAX_SUBDCT_N

__all__ = ["main"]

#: seeds of the demonstrations (tour, table1, attack, paradox)
MAX_SEED = 2**32 - 1
#: seeds of the games (the engine's own bound)
MAX_GAME_SEED = 2**128 - 1
#: wall-clock seconds per candidate run (below 0.1 s no candidate process can even start: every run would be a
#: judged loss by the limit rather than by the theorem)
MIN_TIME_LIMIT, MAX_TIME_LIMIT = 0.1, 86400.0
#: address-space limit of a candidate's process, GiB (at 1/2 GiB a built-in cvxpy candidate still runs; at 1/4 GiB
#: its process dies without an answer, and every run would be a judged loss by the limit, not by the theorem)
MIN_MEMORY_GIB, MAX_MEMORY_GIB = 0.5, float(1 << 20)
#: ``smale18 oracle``: precision and the work bound N^2 * max(n, 64) (measured here: under 2 s at the bound); the
#: names and their orders are smale18.verify.named's, as for certificates
ORACLE_MAX_N, ORACLE_MAX_WORK = 1 << 14, 1 << 27
#: ``smale18 attack``: image sides (those of smale18.app.instability_demo.SIDES) and ascent steps
ATTACK_SIDES, MAX_STEPS = (16, 32), 1000
#: the games' bounds (the same as the engine's: smale18.oracle.constructions.smale18.MAX_K, its N2 bound,
#: smale18.oracle.adversary.MAX_DIGITS and MAX_TRIALS, smale18.oracle.sealed.Limits' workers; a test keeps them equal)
GAME_MAX_K, GAME_MAX_N2, GAME_MAX_DIGITS, GAME_MAX_TRIALS, MAX_WORKERS = 1000, 1024, 10_000, 100_000, 256
#: ``smale18 paradox``: stripes (smale18.app.paradox.MAX_K; measured here: 14 s at 200, 89 s at 500)
PARADOX_MAX_K = 500
#: the longest integer argument read (digits)
_MAX_INT_CHARS = 60


def _int_arg(name: str, lo: int, hi: int):
    """An argparse type: an integer in ``[lo, hi]``, or a one-line error naming the argument."""

    def parse(text: str) -> int:
        t = text.strip()
        if len(t) > _MAX_INT_CHARS or not re.fullmatch(r"[+-]?[0-9]+", t):
            raise argparse.ArgumentTypeError(f"{name}={text[:_MAX_INT_CHARS]!r} must be an integer in [{lo}, {hi}]")
        value = int(t)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{name}={value} must be an integer in [{lo}, {hi}]")
        return value

    parse.__name__ = "integer"
    return parse


def _number_arg(name: str, lo: float, hi: float, unit: str, shown: str | None = None):
    """An argparse type: a finite number in ``[lo, hi]``."""

    def parse(text: str) -> float:
        try:
            value = float(text) if len(text) <= _MAX_INT_CHARS else math.nan
        except ValueError:
            raise argparse.ArgumentTypeError(f"{shown or name}={text[:_MAX_INT_CHARS]!r} must be a number in "
                                             f"[{lo:.10g}, {hi:.10g}] ({unit})") from None
        if not (math.isfinite(value) and lo <= value <= hi):
            raise argparse.ArgumentTypeError(f"{shown or name}={value!r} must be a number in [{lo:.10g}, {hi:.10g}] "
                                             f"({unit})")
        return value

    parse.__name__ = "number"
    return parse


def _seed_option(p, hi: int = MAX_SEED, default: int = 0, what: str = "seed for every random choice") -> None:
    p.add_argument("--seed", type=_int_arg("seed", 0, hi), default=default,
                   help=f"{what} (default {default}; an integer in [0, {hi}])")


def _out_option(p, what: str, suffix: str | None = None) -> None:
    p.add_argument("--out", help=f"write {what} to this {'file' if suffix is None else suffix + ' file'} (its folder "
                   "must exist; an existing file is refused unless --force; written atomically)")
    p.add_argument("--force", action="store_true", help="let --out replace an existing file")


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2 (raised, so main() decides how to print it)."""

    def error(self, message):  # noqa: D401 - argparse API
        raise _UsageError(message)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="smale18",
        description="The computability barriers of deep learning, executable: exact 2^-n oracles, "
        "adversaries that defeat any algorithm, and certificates checked rigorously (ball arithmetic, or float64 with "
        "proven error bounds).",
        epilog="Exit codes: 0 = holds / certified, 1 = does not hold, 2 = bad input or usage.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    tour = sub.add_parser("tour", help="the main job: a guided run of what smale18 computes, certified vs observed")
    tour.add_argument("--quick", action="store_true",
                      help="smaller sizes, and skglm's game left out (18-26 s measured here, against 67 s for the "
                      "full tour)")
    _seed_option(tour)
    tour.add_argument("--out", default="smale18-report",
                      help="folder for the report and figures (default smale18-report; created if missing; an existing "
                      "folder is reused: the tour replaces its own report.md, figures and audit-fista/ there, nothing "
                      "else; a report marked INCOMPLETE or INTERRUPTED means the run did not finish)")
    oracle = sub.add_parser("oracle", help="answer an exact named matrix at precision n and certify the error")
    oracle.add_argument("matrix",
                        help=f"dct2:N, hadamard:N (N a power of two) or hilbert:N, N in [1, {MAX_NAMED_N}], or "
                        f"subdct:N:m:seed (m rows of dct2:N drawn with the seed, N <= {MAX_SUBDCT_N}); the names "
                        "certificates use")
    oracle.add_argument("--n", type=_int_arg("n", 0, ORACLE_MAX_N), required=True,
                        help=f"precision: answer within 2^-n in operator 2-norm; an integer in [0, {ORACLE_MAX_N}], "
                        f"and N^2 max(n, 64) <= 2^27 (under 2 s at the bound, measured here)")
    oracle.add_argument("--json", action="store_true", help="print the exact answer as JSON")
    game = sub.add_parser("game", help="play the Smale-18 barrier against a candidate algorithm")
    game.add_argument("construction", help="smale18-p1, smale18-p2, smale18-p3 or coinflip")
    game.add_argument("--K", type=_int_arg("K", 1, GAME_MAX_K),
                      help=f"the class Omega_K, an integer in [1, {GAME_MAX_K}] (not used by coinflip)")
    game.add_argument("--candidate", required=True, help="builtin:NAME, package.module:callable or path/file.py:callable")
    game.add_argument("--digits", type=_int_arg("digits", 1, GAME_MAX_DIGITS), default=None,
                      help=f"judge at accuracy 10^-D (default K; an integer in [1, {GAME_MAX_DIGITS}])")
    game.add_argument("--trials", type=_int_arg("trials", 1, GAME_MAX_TRIALS), default=200,
                      help=f"trials for a randomised candidate (default 200; an integer in [1, {GAME_MAX_TRIALS}])")
    _seed_option(game, MAX_GAME_SEED, what="seed of the candidate's own rng")
    game.add_argument("--adversary-seed", type=_int_arg("adversary_seed", 0, MAX_GAME_SEED), default=None,
                      help="fix the adversary's coins (default: a fresh secret seed, revealed after the game); "
                      f"a game with a given seed is predictable and says so; an integer in [0, {MAX_GAME_SEED}]")
    game.add_argument("--N2", type=_int_arg("N2", 0, GAME_MAX_N2), default=20,
                      help=f"size of the identity block (default 20: A is 22 x 26; an integer in [0, {GAME_MAX_N2}])")
    _add_limit_options(game)
    game.add_argument("--json", action="store_true", help="print the result as JSON (exact instance included)")
    _out_option(game, "the result (the counterexample case, JSON)")
    t1 = sub.add_parser("table1", help="the paper's Table 1 (LISTA vs FIRENET on the barrier class), observed")
    t1.add_argument("--quick", action="store_true", help="train LISTA on fewer samples (19 s measured here, 67 s without)")
    _seed_option(t1)
    t1.add_argument("--reference-instance", action="store_true",
                    help="run on the authors' reference code's own 21 x 22 instance (its member 2 as input, distance "
                    "to member 1's minimiser, FIRENET with its schedule and valid steps) instead of the class Omega_K: "
                    "the like-for-like comparison with the published table")
    t1.add_argument("--json", action="store_true", help="a JSON list of rows {K, n, lista, firenet, bound}")
    cert = sub.add_parser("certify", help="certify a property of a matrix (rnsp: the weighted rNSP in levels)")
    cert.add_argument("property", choices=["rnsp"], help="rnsp")
    cert.add_argument("matrix", help="a .npy file, or a named exact matrix: subdct:N:m:seed, dct2:N, hadamard:N, hilbert:N")
    cert.add_argument("--sparsity", required=True,
                      help=f"local sparsities, comma-separated (one per level; at most {MAX_LIST} integers)")
    cert.add_argument("--levels", help="level ends, comma-separated, the last = N (default: one level)")
    cert.add_argument("--weights", help="level weights, comma-separated exact rationals such as 1/2 or 0.25 "
                      "(default: 1, or sqrt(s/s_k))")
    cert.add_argument("--method", choices=["entrywise", "column"], default="entrywise")
    cert.add_argument("--workers", type=_int_arg("workers", 1, MAX_WORKERS), default=None,
                      help="processes solving the entrywise column LPs (default: all cores for m*N >= 4096, else one; "
                      f"an integer in [1, {MAX_WORKERS}]); the certificate is the same for every value")
    cert.add_argument("--dask", metavar="ADDRESS", help="address of a running Dask scheduler (tcp://host:port) whose "
                      "workers solve the column LPs instead of local processes (needs the dask extra)")
    _out_option(cert, "the certificate (JSON)")
    cert.add_argument("--json", action="store_true", help="print the certificate as JSON")
    check = sub.add_parser("check", help="check a certificate file from its witness alone (exit 0 valid, 1 invalid)")
    check.add_argument("certificate", help="a certificate JSON file")
    check.add_argument("--ball", action="store_true",
                       help="prove in ball arithmetic only (the independent re-check; default: float64 with proven "
                       "error bounds, then balls if that does not establish the claim)")
    check.add_argument("--json", action="store_true")
    attack = sub.add_parser("attack", help="worst-case perturbations: a trained reconstruction against FIRENET")
    attack.add_argument("--n", type=_int_arg("n", min(ATTACK_SIDES), max(ATTACK_SIDES)), default=32,
                        help=f"image side, a power of two in [{min(ATTACK_SIDES)}, {max(ATTACK_SIDES)}] (default 32, "
                        "18 s measured on the 2-core machine under load)")
    _seed_option(attack)
    attack.add_argument("--steps", type=_int_arg("steps", 1, MAX_STEPS), default=40,
                        help=f"ascent steps per attack (default 40; an integer in [1, {MAX_STEPS}])")
    attack.add_argument("--json", action="store_true")
    _out_option(attack, "the figure", ".png")
    par = sub.add_parser("paradox", help="accurate but unstable classifiers vs a certified stable one")
    par.add_argument("--K", type=_int_arg("K", 2, PARADOX_MAX_K), default=200,
                     help=f"number of stripes (default 200, 14 s measured here; an integer in [2, {PARADOX_MAX_K}]: "
                     "the work grows as K^2, 89 s at 500)")
    _seed_option(par)
    par.add_argument("--json", action="store_true")
    _out_option(par, "the decision-region figure", ".png")
    replay = sub.add_parser("replay", help="run a candidate on a stored counterexample through an honest oracle")
    replay.add_argument("case", help="a case file written by smale18 game --out (JSON Schema: "
                        "oracle/schemas/game-case.schema.json)")
    replay.add_argument("--candidate", required=True, help="builtin:NAME, package.module:callable or path/file.py:callable")
    _add_limit_options(replay)
    replay.add_argument("--json", action="store_true")
    aud = sub.add_parser("audit", help="one command, an algorithm in, a report card out (games, attacks, bounds)")
    aud.add_argument("subject", help="a solver: builtin:NAME, package.module:callable or path/file.py:callable; a "
                     "reconstruction map: a .onnx file or path/file.py:name of a torch module")
    aud.add_argument("--kind", choices=("solver", "learner", "reconstruction", "classifier"),
                     help="what the subject is (default: reconstruction for a .onnx file, else solver); a learner is "
                     "called as learner(train) on training sets")
    aud.add_argument("--budget", type=_number_arg("budget", 1.0, 86400.0, "seconds"), default=120.0,
                     help="seconds for all the audit's jobs (default 120; tests not finished by then are reported as "
                     "not run)")
    aud.add_argument("--max-K", type=_int_arg("max_K", 1, 8), default=4,
                     help="solver: play the games for K = 1 .. max-K (default 4; an integer in [1, 8])")
    aud.add_argument("--out", default="smale18-audit",
                     help="folder for card.md, card.json, the evidence files and figures (default smale18-audit)")
    aud.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:port) to run the jobs on, "
                     "instead of a local pool (needs the dask extra)")
    aud.add_argument("--workers", type=_int_arg("workers", 1, MAX_WORKERS), default=2,
                     help=f"local pool size (default 2; an integer in [1, {MAX_WORKERS}])")
    _seed_option(aud)
    aud.add_argument("--adversary-seed", type=_int_arg("adversary_seed", 0, MAX_GAME_SEED), default=None,
                     help="the games' coins (default: drawn now and revealed in the card)")
    aud.add_argument("--json", action="store_true", help="print card.json instead of the table")
    return parser


def _add_limit_options(p) -> None:
    p.add_argument("--time-limit", type=_number_arg("time_limit", MIN_TIME_LIMIT, MAX_TIME_LIMIT, "seconds"),
                   default=60.0, help="wall-clock seconds per candidate run (default 60; a number in "
                   f"[{MIN_TIME_LIMIT:.10g}, {MAX_TIME_LIMIT:.10g}]; the candidate's process is killed at the limit)")
    p.add_argument("--memory-limit", type=_number_arg("memory_limit", MIN_MEMORY_GIB, MAX_MEMORY_GIB, "GiB",
                                                      shown="--memory-limit"), default=4.0,
                   help="address-space limit of the candidate's process, GiB (default 4; a number in "
                   f"[{MIN_MEMORY_GIB:.10g}, {MAX_MEMORY_GIB:.10g}])")
    p.add_argument("--workers", type=_int_arg("workers", 1, MAX_WORKERS), default=None,
                   help=f"randomised trials run at once (default: all cores; an integer in [1, {MAX_WORKERS}])")


def _limits(args):
    from smale18.oracle.sealed import Limits

    return Limits(wall_seconds=args.time_limit, memory_bytes=int(args.memory_limit * (1 << 30)),
                  workers=getattr(args, "workers", None))


def _candidate(spec: str, omega=None):
    """A built-in (our own code, made here) or the spec string itself: a user's module is imported only in the
    candidate's own process."""
    from smale18.oracle.candidates import builtin, check_spec

    if spec.startswith("builtin:"):
        if omega is None:
            raise Smale18Error("built-in candidates need a construction")
        return builtin(spec.split(":", 1)[1], omega)
    check_spec(spec)
    return spec


def _class(construction: str, K: int, N2: int):
    from smale18.oracle.constructions import CONSTRUCTIONS

    if construction not in CONSTRUCTIONS:
        raise Smale18Error(f"construction={construction!r} must be one of {', '.join(CONSTRUCTIONS)}")
    return CONSTRUCTIONS[construction](K, N2=N2)


def _emit(result, as_json: bool, out: str | None, force: bool = False) -> None:
    import json

    from ._figures import write_text_atomic

    data = result.to_json()
    if out:
        record = data.get("failure") or data if data.get("kind") == "smale18-randomised-game" else data
        _write_out(lambda: write_text_atomic(out, json.dumps(record, indent=1), replace=force), out)
    print(json.dumps(data) if as_json else result.summary())


def _write_out(write, out: str):
    """Run ``write()``; an OSError (disk full, permissions changed meanwhile) is a one-line error."""
    try:
        return write()
    except OSError as exc:
        raise Smale18Error(f"cannot write --out {out!r}: {exc.strerror or exc}") from None


def _check_out(args, suffix: str | None = None) -> None:
    """Refuse a bad --out before any work (see smale18.app._figures.check_out_file)."""
    if getattr(args, "out", None) is not None:
        from ._figures import check_out_file

        check_out_file(args.out, args.force, suffix)


def _cmd_coinflip(args) -> int:
    import json

    from smale18.oracle.constructions.coinflip import COINFLIP_BUILTINS, play_coinflip

    if args.out is not None:
        raise Smale18Error("--out: the coin-flip game has no replayable case to write; use --json for its result")
    if args.candidate.startswith("builtin:"):
        name = args.candidate.split(":", 1)[1]
        if name not in COINFLIP_BUILTINS:
            raise Smale18Error(f"unknown coinflip candidate {name!r}; known: {', '.join(COINFLIP_BUILTINS)}")
        candidate = COINFLIP_BUILTINS[name]
    else:
        candidate = _candidate(args.candidate)
    result = play_coinflip(candidate, trials=args.trials, seed=args.seed, limits=_limits(args),
                           adversary_seed=args.adversary_seed, name=args.candidate)
    print(json.dumps(result.to_json()) if args.json else result.summary())
    return 0 if result.defeated else 1


def _cmd_game(args) -> int:
    from smale18.oracle.adversary import Outcome, play

    if args.construction == "coinflip":
        return _cmd_coinflip(args)
    if args.K is None:
        raise Smale18Error(f"--K is required for {args.construction}")
    _check_out(args)
    omega = _class(args.construction, args.K, args.N2)
    limits = _limits(args)
    result = play(_candidate(args.candidate, omega), omega, digits=args.digits, trials=args.trials, seed=args.seed,
                  adversary_seed=args.adversary_seed, limits=limits, name=args.candidate,
                  progress=_progress("trials") if not args.json else None)
    _emit(result, args.json, args.out, args.force)
    return 0 if result.outcome is Outcome.DEFEATED else 1


def _progress(what: str):
    """A one-line progress counter on stderr (only when stderr is a terminal)."""
    if not sys.stderr.isatty():
        return None

    def show(done, total):
        print(f"\r{what}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    return show


def _cmd_replay(args) -> int:
    from smale18.oracle.adversary import Outcome, read_case, replay

    case = read_case(_read_text(args.case, "case file"))  # parsed and validated once (schema, then semantics)
    result = replay(case, _candidate(args.candidate, case.member.omega), limits=_limits(args), name=args.candidate)
    _emit(result, args.json, None)
    return 0 if result.outcome is Outcome.DEFEATED else 1


def _cmd_table1(args) -> int:
    import json

    if args.reference_instance:
        from .table1_reference import table1_reference as table1
    else:
        from .table1 import table1

    if args.json:
        rows = table1(quick=args.quick, seed=args.seed)
        print(json.dumps([r.to_json() for r in rows]))
        return 0
    if args.reference_instance:
        print("Table 1 on the reference code's 21 x 22 instance (observed): input member 2's (A, y), distances to "
              "member 1's")
        print("minimiser (the published table's pairing for K = 6; for K = 1, 3 the script compared with another "
              "member's).")
        print("Published: LISTA 0.2999690, 0.3000000, ..., 0.0000030; FIRENET with the index fixed 0.1500, 0.0015000, "
              "0.0000015.")
    else:
        print("Table 1 (observed for one pair of members; only the game proves failure). Distances to Xi_3 of the "
              "true")
        print("member, lower ends of rigorous enclosures; the theorem: no algorithm reaches 10^-K on the whole "
              "class.")
    print(f"{'K':>3} {'n':>4} {'LISTA':>14} {'FIRENET':>14} {'10^-K':>10} {'s':>6}")
    from smale18.oracle import format_bound

    table1(quick=args.quick, seed=args.seed, progress=lambda r: print(
        f"{r.K:>3} {r.n:>4} {format_bound(r.lista, 'down', 8):>14} {format_bound(r.firenet, 'down', 8):>14} "
        f"{'10^-' + str(r.K):>10} {r.seconds:>6.1f}", flush=True))
    return 0


#: the largest file the CLI reads (certificates, cases)
MAX_FILE_BYTES = 64 << 20


def _read_text(path: str, what: str) -> str:
    """A regular file's text, at most MAX_FILE_BYTES (a FIFO, a device or a larger file is refused)."""
    from smale18.oracle._files import read_regular_file

    try:
        return read_regular_file(path, MAX_FILE_BYTES, what).decode("utf-8")
    except UnicodeDecodeError:
        raise Smale18Error(f"{what} {path!r} is not a text (JSON) file") from None


#: the most entries of a comma-separated list argument (levels, sparsities, weights)
MAX_LIST = 4096


def _int_list(text: str, name: str) -> list[int]:
    parts = text.split(",")
    if len(parts) > MAX_LIST or not all(re.fullmatch(r"\s*[+-]?[0-9]{1,18}\s*", v) for v in parts):
        raise Smale18Error(f"--{name}={text[:60]!r} must be at most {MAX_LIST} comma-separated integers of at most "
                           "18 digits")
    return [int(v) for v in parts]


_MAX_NPY_BYTES = 16 << 20  # a 1024 x 1024 float64 matrix (the certify limit) is 8 MiB


def _load_matrix(spec: str):
    import numpy as np

    if spec.endswith(".npy"):
        import os
        import stat

        try:
            st = os.stat(spec)
        except OSError as exc:
            raise Smale18Error(f"cannot read matrix {spec!r}: {exc.strerror}") from None
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_NPY_BYTES:
            raise Smale18Error(f"matrix {spec!r} must be a regular .npy file of at most {_MAX_NPY_BYTES >> 20} MiB")
        try:
            arr = np.load(spec, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise Smale18Error(f"cannot read matrix {spec!r}: {exc}") from None
        if arr.ndim != 2 or arr.dtype.kind not in "fiu":
            raise Smale18Error(f"matrix {spec!r} must be a 2-D real array, got shape {arr.shape} dtype {arr.dtype}")
        if not np.all(np.isfinite(arr)):
            raise Smale18Error(f"matrix {spec!r} has a NaN or infinite entry")
        return arr  # read exactly by certify/refute (integers above 2^53 are refused there, not rounded here)
    from smale18.verify.named import named_matrix

    return named_matrix(spec)


def _cmd_certify(args) -> int:
    from smale18.oracle import Status

    from smale18.verify.rnsp import certify

    _check_out(args)
    A = _load_matrix(args.matrix)
    sparsity = _int_list(args.sparsity, "sparsity")
    levels = _int_list(args.levels, "levels") if args.levels else None
    weights = None
    if args.weights:
        from smale18.oracle._errors import check_rational

        parts = args.weights.split(",")
        if len(parts) > MAX_LIST:
            raise Smale18Error(f"--weights has {len(parts)} entries, more than {MAX_LIST}")
        # exact, with bounded size: "1e-1000000000" is refused, not expanded into a billion-digit power
        weights = [check_rational(v, "--weights") for v in parts]
    cert = certify(A, sparsity, levels=levels, weights=weights, method=args.method, workers=args.workers,
                   dask=args.dask, progress=None if args.json else _progress("certify: columns solved"))
    if args.out:
        from ._figures import write_text_atomic

        _write_out(lambda: write_text_atomic(args.out, cert.dumps(), replace=args.force), args.out)
    if args.json:
        print(cert.dumps())
    elif cert.status is Status.CERTIFIED:
        print(f"certified: weighted rNSP in levels of order s={sparsity}, levels={cert.data['levels']}: "
              f"rho <= {cert.claim['rho']}, gamma <= {cert.claim['gamma']} (upper ends of ball enclosures, "
              f"{args.method} witness)")
    else:
        failure, q = cert.witness.get("failure"), cert.claim.get("q")
        if failure:
            print(f"not certified: no {args.method} witness was found ({failure})")
        elif q is None:
            print(f"not certified: the {args.method} witness's bounds exceed the float64 range")
        else:
            print(f"not certified: the {args.method} witness gives q <= {q} (q < 1/2 is needed)")
    return 0 if cert.status is Status.CERTIFIED else 1


def _cmd_check(args) -> int:
    import json

    from smale18.verify.certificates import Certificate
    from smale18.verify import rnsp  # noqa: F401  (registers the rNSP checkers)

    cert = Certificate.from_json(_read_text(args.certificate, "certificate"))
    result = cert.check(rigorous="ball" if args.ball else "auto")
    if args.json:
        print(json.dumps({"valid": result.valid, "reason": result.reason, "recomputed": result.recomputed}))
    else:
        print(f"{'valid' if result.valid else 'INVALID'}: {cert.kind}: {result.reason}")
    return 0 if result.valid else 1


def _cmd_attack(args) -> int:
    import json

    from smale18.oracle import format_bound

    from .instability_demo import demonstration_figure, demonstration_pair

    from ._figures import atomic_path

    if args.n not in ATTACK_SIDES:
        raise Smale18Error(f"--n={args.n} must be one of {', '.join(map(str, ATTACK_SIDES))} (a power of two)")
    _check_out(args, ".png")
    counters = {}

    def step(what, done, total):
        show = counters.setdefault(what, _progress(f"attack on the {what}, ascent steps"))
        if show is not None:
            show(done, total)

    if not args.json and sys.stderr.isatty():
        print("attack: training the map and building FIRENET ...", file=sys.stderr, flush=True)
    pair = demonstration_pair(n=args.n, seed=args.seed, steps=args.steps, progress=None if args.json else step)
    if args.out:
        def write():
            with atomic_path(args.out, replace=args.force) as tmp:
                demonstration_figure(pair, tmp)

        _write_out(write, args.out)
    rows = {name: {"r_norm": res.r_norm, "measurement_change": res.measurement_change,
                   "output_change": res.output_change, "amplification_observed": res.amplification,
                   "amplification_certified_upper": format_bound(bound, "up", 6)}
            for name, res, bound in (("trained", pair.trained, pair.trained_bound),
                                     ("firenet", pair.firenet, pair.firenet_bound))}
    if args.json:
        print(json.dumps({"radius": pair.radius, "training_error": pair.training_error,
                          "validation_error": pair.validation_error, "firenet_error": pair.firenet_error, **rows}))
    else:
        print(f"attack with ||r|| <= {pair.radius:.4g} (5% of ||Ax||); observed unless said otherwise")
        for name, row in rows.items():
            print(f"  {name:8s} ||r|| = {row['r_norm']:.4g}, ||A r|| = {row['measurement_change']:.4g}, output change "
                  f"{row['output_change']:.4g}: attack found amplification >= {row['amplification_observed']:.4g}; "
                  f"certified amplification <= {row['amplification_certified_upper']}")
        print(f"  clean relative errors on the shown held-out image: trained map {pair.validation_error:.1%}, FIRENET "
              f"{pair.firenet_error:.1%}; over {len(pair.trained_heldout_errors)} held-out images (mean): trained map "
              f"{sum(pair.trained_heldout_errors) / len(pair.trained_heldout_errors):.1%}, FIRENET "
              f"{sum(pair.firenet_heldout_errors) / len(pair.firenet_heldout_errors):.1%}")
    return 0


def _cmd_paradox(args) -> int:
    import json

    from smale18.oracle import format_bound

    from ._figures import atomic_path
    from .paradox import paradox, paradox_figure, train_relu_classifier

    _check_out(args, ".png")
    family, X, rows, stable, cert = paradox(K=args.K, seed=args.seed,
                                            progress=None if args.json else _progress("paradox: networks trained "
                                                                                      "(then the certificate)"))
    if args.out:
        y = (X[:, 1] > 0).astype(int)

        def write():
            with atomic_path(args.out, replace=args.force) as tmp:
                paradox_figure(family, train_relu_classifier(X, y, (8,), seed=args.seed), stable, X, tmp)

        _write_out(write, args.out)
    if args.json:
        print(json.dumps([{"network": r.name, "widths": list(r.widths), "train_accuracy": r.train_accuracy,
                           "validation_accuracy": r.validation_accuracy, "witnesses_flipped_exact": r.flipped,
                           "lemma_guarantee": r.guaranteed, "n": r.n, "certified_stable": r.certified_stable}
                          for r in rows]))
        return 0
    print(f"stripe family K={args.K}, false feature delta={family.delta}; witnesses at l-inf distance "
          f"delta/2 = {family.delta / 2} from data of the same label")
    print(f"  {'network':30s} {'train':>6s} {'valid':>6s} {'flipped (exact)':>16s} {'lemma >=':>9s}")
    for r in rows:
        print(f"  {r.name:30s} {r.train_accuracy:6.1%} {r.validation_accuracy:6.1%} {r.flipped:>16d} {r.guaranteed:>9d}")
    print(f"  trapezoids: {'certified' if cert.holds else 'NOT certified'} equal to f on the whole eps/2-neighbourhood"
          f" of {cert.checked_points} data points (exact piecewise-linear analysis, margin >= "
          f"{format_bound(cert.margin, 'down', 4)})")
    return 0


def _named_matrix(spec: str, n: int):
    """The exact matrix called ``spec`` (:func:`smale18.verify.named.named_matrix`: its names and limits), refused
    when the certificate at precision ``n`` would cost more than ``N^2 max(n, 64) <= ORACLE_MAX_WORK`` (``N`` the
    order of the transform, also for ``subdct``, whose rows are enclosed from the full transform's table)."""
    from smale18.verify.named import named_matrix, named_shape

    _, N = named_shape(spec)
    if N * N * max(n, 64) > ORACLE_MAX_WORK:
        raise Smale18Error(f"matrix={spec!r} at --n={n} is too much work: N^2 max(n, 64) = {N * N * max(n, 64)} "
                           f"exceeds 2^27; lower N or n")
    return named_matrix(spec)


def _cmd_oracle(args) -> int:
    import json

    from smale18.oracle import distance_upper_bound, format_bound

    A = _named_matrix(args.matrix, args.n)
    answer = A.approx(args.n)
    if args.json:
        print(json.dumps({"matrix": args.matrix, "n": args.n, "answer": answer.to_json()}))
        return 0
    target = Fraction(1, 1 << args.n)  # exact: 2.0 ** -n is 0 in float64 beyond n = 1074
    bound = distance_upper_bound(answer, A, stop_below=target)
    met = bound <= target
    print(f"{args.matrix} at n={args.n}: {answer!r}")
    print(f"certified: ||A_n - A||_2 <= {format_bound(bound, 'up', 6)}  (target 2^-{args.n}: "
          f"{'met' if met else 'NOT met'}; compared exactly)")
    return 0 if met else 1


def _cmd_audit(args) -> int:
    import json

    from ._tour import check_out_folder
    from .audit import audit

    out = check_out_folder(args.out, "--out")
    card = audit(args.subject, kind=args.kind, budget=args.budget, out=out, scheduler=args.scheduler,
                 seed=args.seed, adversary_seed=args.adversary_seed, max_K=args.max_K, workers=args.workers,
                 progress=not args.json)
    if args.json:
        print(json.dumps(card.to_json()))
    else:
        print(card.to_markdown().split("\n## ", 1)[0].rstrip())
        print(f"\ncard: {out}/card.md ({card.seconds:.1f} s)")
    return 0 if card.complete and all(r["section"] != "error" for r in card.records) else 1


def _one_line(exc) -> str:
    """An error message on one line (a message quoting a user's text may contain line breaks)."""
    return " ".join(str(exc).split())


def main(argv=None) -> int:
    """Run the command line; return the exit code."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if args.verb is None:
            parser.print_help()
            return 2
        if args.verb == "tour":
            from ._tour import check_out_folder, run_tour

            check_out_folder(args.out, "--out")
            return run_tour(quick=args.quick, seed=args.seed, out=args.out)
        if args.verb == "oracle":
            return _cmd_oracle(args)
        if args.verb == "game":
            return _cmd_game(args)
        if args.verb == "replay":
            return _cmd_replay(args)
        if args.verb == "table1":
            return _cmd_table1(args)
        if args.verb == "certify":
            return _cmd_certify(args)
        if args.verb == "check":
            return _cmd_check(args)
        if args.verb == "attack":
            return _cmd_attack(args)
        if args.verb == "paradox":
            return _cmd_paradox(args)
        if args.verb == "audit":
            return _cmd_audit(args)
        raise _UsageError(f"unknown verb {args.verb!r}")
    except _UsageError as exc:
        print(f"smale18: error: {_one_line(exc)} (see smale18 --help)", file=sys.stderr)
        return 2
    except Smale18Error as exc:
        print(f"smale18: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("smale18: interrupted", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
