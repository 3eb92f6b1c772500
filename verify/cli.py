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
    game.add_argument("construction", help="smale18-p1, smale18-p2 or smale18-p3")
    game.add_argument("--K", type=int, required=True, help="the class Omega_K (K >= 1)")
    game.add_argument("--candidate", required=True, help="builtin:NAME, package.module:callable or path/file.py:callable")
    game.add_argument("--digits", type=int, default=None, help="judge at accuracy 10^-D (default K)")
    game.add_argument("--trials", type=int, default=200, help="trials for a randomised candidate (default 200)")
    game.add_argument("--seed", type=int, default=0, help="seed of the adversary and of the candidate's rng")
    game.add_argument("--N2", type=int, default=20, help="size of the identity block (default 20: A is 22 x 26)")
    game.add_argument("--time-limit", type=float, default=60.0, help="wall-clock seconds per candidate run")
    game.add_argument("--json", action="store_true", help="print the result as JSON (exact instance included)")
    game.add_argument("--out", help="write the result (the counterexample case) to this JSON file")
    t1 = sub.add_parser("table1", help="the paper's Table 1 (LISTA vs FIRENET on the barrier class), observed")
    t1.add_argument("--quick", action="store_true", help="train LISTA on fewer samples (under 2 minutes)")
    t1.add_argument("--seed", type=int, default=0)
    t1.add_argument("--json", action="store_true", help="a JSON list of rows {K, n, lista, firenet, bound}")
    replay = sub.add_parser("replay", help="run a candidate on a stored counterexample through an honest oracle")
    replay.add_argument("case", help="a case file written by smale18 game --out")
    replay.add_argument("--candidate", required=True, help="builtin:NAME, package.module:callable or path/file.py:callable")
    replay.add_argument("--time-limit", type=float, default=60.0)
    replay.add_argument("--json", action="store_true")
    return parser


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


def _cmd_game(args) -> int:
    from oracle.adversary import Outcome, play
    from oracle.candidates import load_candidate

    omega = _class(args.construction, args.K, args.N2)
    candidate = load_candidate(args.candidate, omega)
    result = play(candidate, omega, digits=args.digits, trials=args.trials, seed=args.seed,
                  time_limit=args.time_limit, name=args.candidate)
    _emit(result, args.json, args.out)
    return 0 if result.outcome is Outcome.DEFEATED else 1


def _cmd_replay(args) -> int:
    from oracle.adversary import Outcome, replay
    from oracle.candidates import load_candidate
    from oracle.constructions import Smale18Member

    try:
        with open(args.case, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise Smale18Error(f"cannot read case file {args.case!r}: {exc.strerror}") from None
    import json

    try:
        case = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Smale18Error(f"case file {args.case!r} is not JSON: {exc.msg}") from None
    if not isinstance(case, dict) or "instance" not in case:
        raise Smale18Error(f"case file {args.case!r} has no 'instance' (write one with smale18 game --out)")
    omega = Smale18Member.from_json(case["instance"]).omega
    candidate = load_candidate(args.candidate, omega)
    result = replay(case, candidate, time_limit=args.time_limit, name=args.candidate)
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
