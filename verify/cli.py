"""The ``smale18`` command.

Exit codes (DESIGN.md): 0 = what was asked holds, 1 = it does not, 2 = bad input or usage (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys

from oracle import Smale18Error

__all__ = ["main"]


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
        "adversaries that defeat any algorithm, and certificates checked in ball arithmetic.",
        epilog="Exit codes: 0 = holds / certified, 1 = does not hold, 2 = bad input or usage.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    tour = sub.add_parser("tour", help="the main job: a guided run of what smale18 computes, certified vs observed")
    tour.add_argument("--quick", action="store_true", help="smaller sizes, a few seconds")
    tour.add_argument("--seed", type=int, default=0, help="seed for every random choice (default 0)")
    tour.add_argument("--out", default="smale18-report", help="folder for the figures (default smale18-report)")
    oracle = sub.add_parser("oracle", help="answer an exact named matrix at precision n and certify the error")
    oracle.add_argument("matrix", help="dct2:N, hadamard:N or hilbert:N")
    oracle.add_argument("--n", type=int, required=True, help="precision: answer within 2^-n in operator 2-norm")
    oracle.add_argument("--json", action="store_true", help="print the exact answer as JSON")
    game = sub.add_parser("game", help="play the Smale-18 barrier against a candidate algorithm")
    game.add_argument("construction", help="smale18-p1, smale18-p2, smale18-p3 or coinflip")
    game.add_argument("--K", type=int, help="the class Omega_K (K >= 1; not used by coinflip)")
    game.add_argument("--candidate", required=True, help="builtin:NAME, package.module:callable or path/file.py:callable")
    game.add_argument("--digits", type=int, default=None, help="judge at accuracy 10^-D (default K; D >= 1)")
    game.add_argument("--trials", type=int, default=200, help="trials for a randomised candidate (default 200)")
    game.add_argument("--seed", type=int, default=0, help="seed of the candidate's own rng (default 0)")
    game.add_argument("--adversary-seed", type=int, default=None,
                      help="fix the adversary's coins (default: a fresh secret seed, revealed after the game); "
                      "a game with a given seed is predictable and says so")
    game.add_argument("--N2", type=int, default=20, help="size of the identity block (default 20: A is 22 x 26)")
    _add_limit_options(game)
    game.add_argument("--json", action="store_true", help="print the result as JSON (exact instance included)")
    game.add_argument("--out", help="write the result (the counterexample case) to this JSON file")
    t1 = sub.add_parser("table1", help="the paper's Table 1 (LISTA vs FIRENET on the barrier class), observed")
    t1.add_argument("--quick", action="store_true", help="train LISTA on fewer samples (under 2 minutes)")
    t1.add_argument("--seed", type=int, default=0)
    t1.add_argument("--json", action="store_true", help="a JSON list of rows {K, n, lista, firenet, bound}")
    cert = sub.add_parser("certify", help="certify a property of a matrix (rnsp: the weighted rNSP in levels)")
    cert.add_argument("property", choices=["rnsp"], help="rnsp")
    cert.add_argument("matrix", help="a .npy file, or a named exact matrix: subdct:N:m:seed, dct2:N, hadamard:N, hilbert:N")
    cert.add_argument("--sparsity", required=True, help="local sparsities, comma-separated (one per level)")
    cert.add_argument("--levels", help="level ends, comma-separated, the last = N (default: one level)")
    cert.add_argument("--weights", help="level weights, comma-separated rationals (default: 1, or sqrt(s/s_k))")
    cert.add_argument("--method", choices=["entrywise", "column"], default="entrywise")
    cert.add_argument("--out", help="write the certificate (JSON) here")
    cert.add_argument("--json", action="store_true", help="print the certificate as JSON")
    check = sub.add_parser("check", help="check a certificate file from its witness alone (exit 0 valid, 1 invalid)")
    check.add_argument("certificate", help="a certificate JSON file")
    check.add_argument("--json", action="store_true")
    attack = sub.add_parser("attack", help="worst-case perturbations: a trained reconstruction against FIRENET")
    attack.add_argument("--n", type=int, default=32, help="image side (power of two, default 32)")
    attack.add_argument("--seed", type=int, default=0)
    attack.add_argument("--steps", type=int, default=40, help="ascent steps per attack")
    attack.add_argument("--json", action="store_true")
    attack.add_argument("--out", help="write the figure (PNG) here")
    par = sub.add_parser("paradox", help="accurate but unstable classifiers vs a certified stable one")
    par.add_argument("--K", type=int, default=200, help="number of stripes (default 200)")
    par.add_argument("--seed", type=int, default=0)
    par.add_argument("--json", action="store_true")
    par.add_argument("--out", help="write the decision-region figure (PNG) here")
    replay = sub.add_parser("replay", help="run a candidate on a stored counterexample through an honest oracle")
    replay.add_argument("case", help="a case file written by smale18 game --out")
    replay.add_argument("--candidate", required=True, help="builtin:NAME, package.module:callable or path/file.py:callable")
    _add_limit_options(replay)
    replay.add_argument("--json", action="store_true")
    return parser


def _add_limit_options(p) -> None:
    p.add_argument("--time-limit", type=float, default=60.0, help="wall-clock seconds per candidate run (default 60; "
                   "the candidate's process is killed at the limit)")
    p.add_argument("--memory-limit", type=float, default=4.0,
                   help="address-space limit of the candidate's process, GiB (default 4)")
    p.add_argument("--workers", type=int, default=None, help="randomised trials run at once (default: all cores)")


def _limits(args):
    from oracle.sealed import Limits

    memory = args.memory_limit
    if not (0 < memory <= 1 << 20):
        raise Smale18Error(f"--memory-limit={memory!r} must be a number of GiB in (0, 1048576]")
    return Limits(wall_seconds=args.time_limit, memory_bytes=int(memory * (1 << 30)),
                  workers=getattr(args, "workers", None))


def _candidate(spec: str, omega=None):
    """A built-in (our own code, made here) or the spec string itself: a user's module is imported only in the
    candidate's own process."""
    from oracle.candidates import builtin, check_spec

    if spec.startswith("builtin:"):
        if omega is None:
            raise Smale18Error("built-in candidates need a construction")
        return builtin(spec.split(":", 1)[1], omega)
    check_spec(spec)
    return spec


def _class(construction: str, K: int, N2: int):
    from oracle.constructions import CONSTRUCTIONS

    if construction not in CONSTRUCTIONS:
        raise Smale18Error(f"construction={construction!r} must be one of {', '.join(CONSTRUCTIONS)}")
    return CONSTRUCTIONS[construction](K, N2=N2)


def _emit(result, as_json: bool, out: str | None) -> None:
    import json

    data = result.to_json()
    if out:
        record = data.get("failure") or data if data.get("kind") == "smale18-randomised-game" else data
        try:
            with open(out, "w", encoding="utf-8") as fh:
                json.dump(record, fh, indent=1)
        except OSError as exc:
            raise Smale18Error(f"cannot write --out {out!r}: {exc.strerror}") from None
    print(json.dumps(data) if as_json else result.summary())


def _cmd_coinflip(args) -> int:
    import json

    from oracle.constructions.coinflip import COINFLIP_BUILTINS, play_coinflip

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
    from oracle.adversary import Outcome, play

    if args.construction == "coinflip":
        return _cmd_coinflip(args)
    if args.K is None:
        raise Smale18Error(f"--K is required for {args.construction}")
    omega = _class(args.construction, args.K, args.N2)
    result = play(_candidate(args.candidate, omega), omega, digits=args.digits, trials=args.trials, seed=args.seed,
                  adversary_seed=args.adversary_seed, limits=_limits(args), name=args.candidate,
                  progress=_progress("trials") if not args.json else None)
    _emit(result, args.json, args.out)
    return 0 if result.outcome is Outcome.DEFEATED else 1


def _progress(what: str):
    """A one-line progress counter on stderr (only when stderr is a terminal)."""
    if not sys.stderr.isatty():
        return None

    def show(done, total):
        print(f"\r{what}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    return show


def _cmd_replay(args) -> int:
    from oracle.adversary import Outcome, case_member, replay

    text = _read_text(args.case, "case file")
    member, _ = case_member(text)
    result = replay(text, _candidate(args.candidate, member.omega), limits=_limits(args), name=args.candidate)
    _emit(result, args.json, None)
    return 0 if result.outcome is Outcome.DEFEATED else 1


def _cmd_table1(args) -> int:
    import json

    from .table1 import table1

    if args.json:
        rows = table1(quick=args.quick, seed=args.seed)
        print(json.dumps([r.to_json() for r in rows]))
        return 0
    print("Table 1 (observed for one pair of members; only the game proves failure). Distances to Xi_3 of the true")
    print("member, lower ends of rigorous enclosures; the theorem: no algorithm reaches 10^-K on the whole class.")
    print(f"{'K':>3} {'n':>4} {'LISTA':>14} {'FIRENET':>14} {'10^-K':>10} {'s':>6}")
    table1(quick=args.quick, seed=args.seed, progress=lambda r: print(
        f"{r.K:>3} {r.n:>4} {float(r.lista):>14.7e} {float(r.firenet):>14.7e} {float(r.bound):>10.0e} "
        f"{r.seconds:>6.1f}", flush=True))
    return 0


#: the largest file the CLI reads (certificates, cases)
MAX_FILE_BYTES = 64 << 20


def _read_text(path: str, what: str) -> str:
    """A regular file's text, at most MAX_FILE_BYTES (a FIFO, a device or a larger file is refused)."""
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise Smale18Error(f"{what} {path!r} is not a regular file")
            if st.st_size > MAX_FILE_BYTES:
                raise Smale18Error(f"{what} {path!r} has {st.st_size} bytes, more than the limit of {MAX_FILE_BYTES}")
            data = os.read(fd, MAX_FILE_BYTES + 1)
        finally:
            os.close(fd)
        return data.decode("utf-8")
    except OSError as exc:
        raise Smale18Error(f"cannot read {what} {path!r}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise Smale18Error(f"{what} {path!r} is not a text (JSON) file") from None


def _int_list(text: str, name: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise Smale18Error(f"--{name}={text!r} must be comma-separated integers") from None


def _load_matrix(spec: str):
    import numpy as np

    if spec.endswith(".npy"):
        try:
            arr = np.load(spec, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise Smale18Error(f"cannot read matrix {spec!r}: {exc}") from None
        if arr.ndim != 2 or arr.dtype.kind not in "fiu":
            raise Smale18Error(f"matrix {spec!r} must be a 2-D real array, got shape {arr.shape} dtype {arr.dtype}")
        if not np.all(np.isfinite(arr)):
            raise Smale18Error(f"matrix {spec!r} has a NaN or infinite entry")
        return arr.astype(float)
    from .named import named_matrix

    return named_matrix(spec)


def _cmd_certify(args) -> int:
    from fractions import Fraction

    from oracle import Status

    from .rnsp import certify

    A = _load_matrix(args.matrix)
    sparsity = _int_list(args.sparsity, "sparsity")
    levels = _int_list(args.levels, "levels") if args.levels else None
    weights = None
    if args.weights:
        try:
            weights = [Fraction(v) for v in args.weights.split(",")]
        except (ValueError, ZeroDivisionError):
            raise Smale18Error(f"--weights={args.weights!r} must be comma-separated rationals") from None
    cert = certify(A, sparsity, levels=levels, weights=weights, method=args.method)
    if args.out:
        try:
            with open(args.out, "w", encoding="utf-8") as fh:
                fh.write(cert.dumps())
        except OSError as exc:
            raise Smale18Error(f"cannot write --out {args.out!r}: {exc.strerror}") from None
    if args.json:
        print(cert.dumps())
    elif cert.status is Status.CERTIFIED:
        print(f"certified: weighted rNSP in levels of order s={sparsity}, levels={cert.data['levels']}: "
              f"rho <= {cert.claim['rho']}, gamma <= {cert.claim['gamma']} (upper ends of ball enclosures, "
              f"{args.method} witness)")
    else:
        print(f"not certified: the {args.method} witness gives q <= {cert.claim.get('q')} (q < 1/2 is needed)")
    return 0 if cert.status is Status.CERTIFIED else 1


def _cmd_check(args) -> int:
    import json

    from .certificates import Certificate
    from . import rnsp  # noqa: F401  (registers the rNSP checkers)

    cert = Certificate.from_json(_read_text(args.certificate, "certificate"))
    result = cert.check()
    if args.json:
        print(json.dumps({"valid": result.valid, "reason": result.reason, "recomputed": result.recomputed}))
    else:
        print(f"{'valid' if result.valid else 'INVALID'}: {cert.kind}: {result.reason}")
    return 0 if result.valid else 1


def _cmd_attack(args) -> int:
    import json

    from oracle import format_bound

    from .instability_demo import demonstration_figure, demonstration_pair

    if args.n < 8 or args.n & (args.n - 1):
        raise Smale18Error(f"--n={args.n} must be a power of two >= 8")
    if args.steps < 1:
        raise Smale18Error(f"--steps={args.steps} must be positive")
    pair = demonstration_pair(n=args.n, seed=args.seed, steps=args.steps)
    if args.out:
        demonstration_figure(pair, args.out)
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
        print(f"  trained map: training error {pair.training_error:.1e}, validation error {pair.validation_error:.2f}"
              f"; FIRENET error {pair.firenet_error:.2f}")
    return 0


def _cmd_paradox(args) -> int:
    import json

    from .paradox import paradox, paradox_figure, train_relu_classifier

    if args.K < 2:
        raise Smale18Error(f"--K={args.K} must be at least 2")
    family, X, rows, stable, cert = paradox(K=args.K, seed=args.seed)
    if args.out:
        y = (X[:, 1] > 0).astype(int)
        paradox_figure(family, train_relu_classifier(X, y, (8,), seed=args.seed), stable, X, args.out)
    if args.json:
        print(json.dumps([{"network": r.name, "widths": list(r.widths), "train_accuracy": r.train_accuracy,
                           "validation_accuracy": r.validation_accuracy, "witnesses_flipped_exact": r.flipped,
                           "lemma_guarantee": r.guaranteed, "n": r.n, "certified_stable": r.certified_stable}
                          for r in rows]))
        return 0
    print(f"stripe family K={args.K}, false feature delta={float(family.delta):g}; witnesses at l-inf distance "
          f"delta/2 = {float(family.delta) / 2:g} from data of the same label")
    print(f"  {'network':30s} {'train':>6s} {'valid':>6s} {'flipped (exact)':>16s} {'lemma >=':>9s}")
    for r in rows:
        print(f"  {r.name:30s} {r.train_accuracy:6.1%} {r.validation_accuracy:6.1%} {r.flipped:>16d} {r.guaranteed:>9d}")
    print(f"  trapezoids: {'certified' if cert.holds else 'NOT certified'} equal to f on the whole eps/2-neighbourhood"
          f" of {cert.checked_points} data points (exact piecewise-linear analysis, margin {float(cert.margin):g})")
    return 0


def _named_matrix(spec: str):
    from oracle import dct2, hadamard, hilbert

    makers = {"dct2": dct2, "hadamard": hadamard, "hilbert": hilbert}
    name, _, size = spec.partition(":")
    if name not in makers or not size.isdigit():
        raise Smale18Error(f"matrix={spec!r} must be one of dct2:N, hadamard:N, hilbert:N")
    return makers[name](int(size))


def _cmd_oracle(args) -> int:
    import json

    from oracle import distance_upper_bound, format_bound

    A = _named_matrix(args.matrix)
    answer = A.approx(args.n)
    if args.json:
        print(json.dumps({"matrix": args.matrix, "n": args.n, "answer": answer.to_json()}))
        return 0
    bound = distance_upper_bound(answer, A)
    print(f"{args.matrix} at n={args.n}: {answer!r}")
    print(f"certified: ||A_n - A||_2 <= {format_bound(bound, 'up', 6)}  (target 2^-{args.n})")
    return 0 if bound <= 2 ** -args.n else 1


def main(argv=None) -> int:
    """Run the command line; return the exit code."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if args.verb is None:
            parser.print_help()
            return 2
        if args.verb == "tour":
            from ._tour import run_tour

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
        raise _UsageError(f"unknown verb {args.verb!r}")
    except _UsageError as exc:
        print(f"smale18: error: {exc} (see smale18 --help)", file=sys.stderr)
        return 2
    except Smale18Error as exc:
        print(f"smale18: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("smale18: interrupted", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
