"""Run the benchmarks: ``python -m benchmarks [NAME ...] [--quick]`` (no name: all)."""

from __future__ import annotations

import argparse
import sys

from . import certificate_check, firenet_floor, game_overhead, norm_bound, oracle_dct, sqrt_lasso_solvers

REGISTRY = {m.NAME: m for m in (oracle_dct, game_overhead, sqrt_lasso_solvers, norm_bound, certificate_check,
                                firenet_floor)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all): {', '.join(REGISTRY)}")
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in REGISTRY]
    if unknown:
        print(f"python -m benchmarks: error: unknown benchmark {unknown[0]!r}; known: {', '.join(REGISTRY)}",
              file=sys.stderr)
        return 2
    for name in args.names or list(REGISTRY):
        REGISTRY[name].run(quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
