"""``smale18 audit``: one command, an algorithm in, a report card out.

:func:`audit` plans independent jobs (:mod:`._jobs`) for the subject's kind, runs them on a local process pool or an
existing Dask cluster (:mod:`._runner`), and returns an :class:`AuditCard` (:mod:`._card`) whose verdicts can be
re-derived from its evidence files alone (:func:`recheck`).

- *solver* (a candidate spec: ``builtin:NAME``, ``package.module:fn``, ``path/file.py:fn``): the barrier games on
  P1, P2, P3 for K = 1, ..., ``max_K`` (sealed; the largest K it survives and the certified distance where it fails,
  with replayable case files); a randomised candidate is played over ``trials`` trials; and (not for built-ins,
  which are made for the barrier classes) its error on seeded instances with certified rNSP constants beside the
  error Theorem 2 proves for FIRENET on the same instances.
- *reconstruction* (an ``.onnx`` file, or ``file.py:name`` of a torch module): the worst-case perturbation attack
  (observed) beside a certified Lipschitz bound (ONNX networks).

- *learner* (``learner(train)``, a spec as for solvers): the training-set game of part (ii) on P1, P2, P3 at K = 2
  with a budget of M = 64 (counts compared exactly with ``(N1 - 1)/N1 - eta``).
- *classifier* (an ``.onnx`` ReLU network of the plane): the classification paradox's witnesses, each flip
  confirmed in exact arithmetic, against the number the counting lemma forces.

The accuracy instances are seeded numpy draws (reproducible on any scheduler), not Hypothesis's.
"""

from __future__ import annotations

import os
import secrets
import sys
import time

from smale18.oracle import Smale18Error
from smale18.oracle._errors import check_int_range, check_positive_number, short_repr

from ._card import AuditCard
from ._runner import Job, run_jobs

__all__ = ["audit", "AuditCard", "recheck", "KINDS"]

KINDS = ("solver", "learner", "reconstruction", "classifier")
MAX_AUDIT_K = 8


def _kind_of(subject: str) -> str:
    return "reconstruction" if subject.endswith(".onnx") else "solver"


def _plan(subject: str, kind: str, max_K: int, seed: int, adversary_seed: int, trials: int, time_limit: float):
    if kind == "solver":
        jobs = [Job("solver_game", {"spec": subject, "problem": p, "K": K, "seed": seed,
                                    "adversary_seed": adversary_seed, "trials": trials, "time_limit": time_limit},
                    f"game {p} K={K}") for p in ("P1", "P2", "P3") for K in range(1, max_K + 1)]
        if not subject.startswith("builtin:"):  # the built-ins are made for the barrier classes' own problems
            jobs.insert(0, Job("solver_accuracy", {"spec": subject, "seed": seed, "instances": 3,
                                                   "time_limit": time_limit}, "accuracy"))
        return jobs
    if kind == "learner":
        return [Job("learner_game", {"spec": subject, "problem": p, "K": 2, "M": 64, "trials": trials, "seed": seed,
                                     "adversary_seed": adversary_seed, "time_limit": time_limit},
                    f"training-set game {p}") for p in ("P1", "P2", "P3")]
    if kind == "classifier":
        return [Job("classifier_witnesses", {"path": subject, "K": 50, "seed": seed}, "witnesses")]
    jobs = [Job("network_attack", {"source": subject, "radii": (1e-3, 1e-2, 1e-1), "seed": seed, "steps": 40,
                                   "samples": 4}, "attack")]
    if subject.endswith(".onnx"):
        jobs.insert(0, Job("onnx_lipschitz", {"path": subject}, "Lipschitz bound"))
    return jobs


def _stderr_progress(started: float):
    def report(done: int, total: int, label: str) -> None:
        print(f"audit: {done}/{total} done ({label}), {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

    return report


def _game_figure(records, out: str) -> tuple:
    """Certified distance of each deterministic game's output against 10^-K, per problem (log scale)."""
    games = [r for r in records if r is not None and r.get("section") == "solver" and r["status"] == "certified"]
    if not games:
        return ()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from fractions import Fraction

    from smale18.app._figures import atomic_path

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for problem, marker, shift in (("P1", "o", -0.1), ("P2", "s", 0.0), ("P3", "^", 0.1)):
        pts = [(r["K"] + shift, float(Fraction(r["numbers"]["distance_lower"]))) for r in games
               if r["problem"] == problem]
        if pts:
            ax.plot(*zip(*pts), marker=marker, linestyle="none", label=f"{problem}: certified lower distance")
    Ks = sorted({r["K"] for r in games})
    ax.plot(Ks, [10.0 ** -K for K in Ks], color="black", linewidth=1, label=r"$10^{-K}$ (the accuracy asked)")
    ax.set_yscale("log")
    ax.set_xlabel("K")
    ax.set_ylabel("distance of the output to the minimisers")
    ax.set_xticks(Ks)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(out, "games.png")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return ((path, "the games: a point above the line is a certified defeat at that K"),)


def audit(subject: str, kind: str | None = None, budget: float = 120.0, out: str | None = None,
          scheduler: str | None = None, seed: int = 0, adversary_seed: int | None = None, max_K: int = 4,
          trials: int = 40, time_limit: float = 20.0, workers: int = 2, progress: bool = True) -> AuditCard:
    """Audit ``subject`` and return its report card (written to ``out`` with its evidence when given).

    ``kind``: "solver" or "reconstruction" (default: from the subject). ``budget`` seconds for all jobs (the jobs not
    finished by then are reported as not run). ``scheduler``: the address of a running Dask scheduler (else a local
    pool of ``workers`` processes). ``adversary_seed``: the games' coins (default: drawn now, revealed in the card).
    """
    if not isinstance(subject, str) or not subject or len(subject) > 4096:
        raise Smale18Error(f"subject={short_repr(subject)} must be a candidate spec or a network file")
    kind = kind or _kind_of(subject)
    if kind not in KINDS:
        raise Smale18Error(f"kind={short_repr(kind)} must be one of {', '.join(KINDS)}")
    if kind in ("solver", "learner"):
        from smale18.oracle.candidates import check_spec

        if not subject.startswith("builtin:"):
            check_spec(subject)
    elif kind == "classifier" and not (subject.endswith(".onnx") and os.path.isfile(subject)):
        raise Smale18Error(f"subject={short_repr(subject)}: a classifier is an .onnx file of a ReLU network")
    elif not (subject.endswith(".onnx") and os.path.isfile(subject)) and ":" not in subject:
        raise Smale18Error(f"subject={short_repr(subject)}: a reconstruction map is an .onnx file or file.py:name")
    budget = check_positive_number(budget, "budget", 86400.0)
    max_K = check_int_range(max_K, "max_K", 1, MAX_AUDIT_K)
    seed = check_int_range(seed, "seed", 0, 2**32 - 1)
    adversary_seed = secrets.randbits(64) if adversary_seed is None else check_int_range(
        adversary_seed, "adversary_seed", 0, 2**128 - 1)
    started = time.monotonic()
    jobs = _plan(subject, kind, max_K, seed, adversary_seed, trials, time_limit)
    records = run_jobs(jobs, started + budget, scheduler=scheduler, workers=workers,
                       progress=_stderr_progress(started) if progress else None)
    if out is not None:
        os.makedirs(out, exist_ok=True)
    figures = _game_figure(records, out) if out is not None else ()
    card = AuditCard(subject, kind, tuple(records), time.monotonic() - started, adversary_seed, budget, figures)
    if out is not None:
        card.write(out)
    return card


def recheck(out: str) -> list[tuple[str, bool, str]]:
    """Re-derive every verdict of the card in the folder ``out`` from its evidence files alone
    (:mod:`smale18.app.audit._recheck`); ``(test, agrees, what was re-derived)`` per test that ran."""
    from ._recheck import recheck_folder

    return recheck_folder(out)
