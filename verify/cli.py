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
    oracle = sub.add_parser("oracle", help="answer an exact named matrix at precision n and certify the error")
    oracle.add_argument("matrix", help="dct2:N, hadamard:N or hilbert:N")
    oracle.add_argument("--n", type=int, required=True, help="precision: answer within 2^-n in operator 2-norm")
    oracle.add_argument("--json", action="store_true", help="print the exact answer as JSON")
    return parser


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

            return run_tour(quick=args.quick, seed=args.seed)
        if args.verb == "oracle":
            return _cmd_oracle(args)
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
