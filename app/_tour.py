"""``smale18 tour``: the main job, a guided run that keeps *certified* and *observed* results apart."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from smale18.oracle import (
    InexactInput,
    PrecisionCapExceeded,
    RationalArray,
    SqrtLasso,
    Status,
    dct2,
    distance_upper_bound,
    format_bound,
)

__all__ = ["run_tour"]


_REPORT: list[dict] = []

#: the figures the tour writes into its folder (removed at the start of a run, so that a report never sits beside
#: figures of an earlier run)
FIGURES = ("game.png", "table1.png", "firenet_convergence.png", "certificate.png", "firenet_image.png", "attack.png",
           "paradox.png")
REPORT = "report.md"
#: seeds of the tour (as the CLI's demonstration verbs)
MAX_SEED = 2**32 - 1


def _say(text: str = "") -> None:
    """Print a line (progress) and record it in the current report section."""
    print(text, flush=True)
    if _REPORT and text:
        _REPORT[-1]["lines"].append(text.strip())


def _section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)
    _REPORT.append({"title": title, "lines": [], "figures": [], "links": []})


def _figure(path: str, caption: str) -> None:
    if _REPORT:
        _REPORT[-1]["figures"].append((path, caption))


def _write_atomic(path: str, text: str) -> str:
    """Write ``text`` to ``path`` through a temporary file in the same folder and one ``os.replace``: a reader (or
    a crash at any moment) sees the old report or the new one, never a mixture or a truncated file."""
    from ._figures import write_text_atomic

    return write_text_atomic(path, text, replace=True)


def _report_text(out: str, status: str) -> str:
    """Markdown report: a status line, then per section the certified results, the observed ones, the rest, and the
    figures."""
    import os

    lines = ["# smale18 tour report", "", status, "",
             "*Certified* = proven by a witness checked in exact or ball arithmetic; *observed* = measured.", ""]
    for sec in _REPORT:
        lines += [f"## {sec['title']}", ""]
        certified = [l for l in sec["lines"] if "[certified" in l or l.lower().startswith("certified")]
        observed = [l for l in sec["lines"] if "[observed" in l and l not in certified]
        other = [l for l in sec["lines"] if l not in certified and l not in observed]
        for head, group in (("Certified", certified), ("Observed", observed), ("Details", other)):
            if group:
                lines += [f"**{head}**", ""] + [f"- `{l}`" for l in group] + [""]
        for path, caption in sec["figures"]:
            lines += [f"![{caption}]({os.path.relpath(path, out)})", "", f"*{caption}*", ""]
        for path, text in sec.get("links", ()):
            lines += [f"[{text}]({os.path.relpath(path, out)})", ""]
    return "\n".join(lines)


def _write_report(out: str, seconds: float, quick: bool, ok: bool) -> str:
    """The finished run's report, written atomically over the INCOMPLETE one."""
    import os

    status = (f"Mode: {'quick' if quick else 'full'}; {seconds:.1f} s; the run finished; every certified claim "
              f"proven: {'yes' if ok else 'NO'}.")
    return _write_atomic(os.path.join(out, REPORT), _report_text(out, status))


def check_out_folder(out, option: str = "out") -> str:
    """``out`` if the tour may use it as its folder (missing, or an existing folder), else a Smale18Error naming
    ``option``."""
    import os

    from smale18.oracle import Smale18Error
    from smale18.oracle._errors import short_repr

    if not isinstance(out, (str, os.PathLike)) or not str(out).strip():
        raise Smale18Error(f"{option}={short_repr(out)} must be a folder name")
    out = os.fspath(out)
    if os.path.lexists(out) and not os.path.isdir(out):
        raise Smale18Error(f"{option}={out!r} exists and is not a folder; the tour writes a folder of a report and "
                           "figures")
    if os.path.isdir(out) and not os.access(out, os.W_OK | os.X_OK):
        raise Smale18Error(f"{option}={out!r} is not a writable folder")
    return out


def _start_report(out: str) -> None:
    """Make the folder, remove the figures of an earlier run, and replace any earlier report by an INCOMPLETE one
    before any work: whatever happens next (an exception, Ctrl-C, SIGKILL, a power cut), the folder never shows an
    earlier run's "every certified claim proven: yes" beside this run's figures."""
    import os

    from smale18.oracle import Smale18Error

    try:
        os.makedirs(out, exist_ok=True)
        _write_atomic(os.path.join(out, REPORT), "# smale18 tour report\n\n**INCOMPLETE**: a tour run started at "
                      f"{time.strftime('%Y-%m-%d %H:%M:%S')} and has not finished (it is still running, or it was "
                      "stopped); nothing in this folder is a result of it yet.\n")
        for name in FIGURES:
            path = os.path.join(out, name)
            if os.path.lexists(path) and not os.path.isdir(path):
                os.unlink(path)
    except OSError as exc:
        raise Smale18Error(f"out={out!r}: cannot write the tour's folder: {exc.strerror or exc}") from None


def _interrupted_report(out: str, seconds: float, exc: BaseException) -> None:
    """Best effort: mark the report INTERRUPTED, with the sections that did finish (the INCOMPLETE report stays if
    even this fails)."""
    import contextlib
    import os

    where = _REPORT[-1]["title"] if _REPORT else "the start"
    status = (f"**INTERRUPTED** after {seconds:.1f} s, in section \"{where}\", by {type(exc).__name__}: the run did "
              "not finish, so the certified claims were NOT all checked. What follows is what ran before it stopped.")
    with contextlib.suppress(Exception):
        _write_atomic(os.path.join(out, REPORT), _report_text(out, status))


def _oracle_section(N: int) -> None:
    _section(f"1. The exact orthonormal DCT-II of order {N}, answered within 2^-n")
    _say("   A_n is an exact dyadic matrix; the bound is re-proven in ball arithmetic, independently of the rounding.")
    D = dct2(N)
    _say(f"   {'n':>5} {'bits/entry':>10} {'answer s':>9}   certified ||A_n - A||_2 <=")
    for n in (10, 53, 200, 1000):
        t = time.perf_counter()
        answer = D.approx(n)
        seconds = time.perf_counter() - t
        bound = distance_upper_bound(answer, D, stop_below=Fraction(1, 1 << n))
        ok = "ok" if bound <= Fraction(1, 1 << n) else "NOT PROVEN"
        _say(f"   {n:>5} {answer.bits:>10} {seconds:>9.3f}   [certified] {format_bound(bound, 'up', 4)}  (2^-{n}: {ok})")


def _candidate_section(seed: int, N: int) -> None:
    _section("2. A candidate sees only (A_n, y_n): a float64 square-root LASSO solver")
    rng = np.random.default_rng(seed)
    m = N // 2
    rows = np.sort(rng.choice(N, size=m, replace=False))
    select = RationalArray([[1 if j == r else 0 for j in range(N)] for r in rows])
    A = select @ dct2(N)
    support = rng.choice(N, size=3, replace=False)
    x_true = [Fraction(0)] * N
    for i in support:
        x_true[i] = Fraction(int(rng.integers(1, 9)), 4) * (1 if rng.random() < 0.5 else -1)
    y = A @ RationalArray(x_true)
    lam = Fraction(1, 10)
    _say(f"   instance: {m} DCT rows of order {N} (seed {seed}), y = A x for a 3-sparse rational x, lam = {lam}")

    def candidate(inp):
        A52 = np.asarray(inp.A(52), dtype=float)
        y52 = np.asarray(inp.y(52), dtype=float)
        import cvxpy as cp

        x = cp.Variable(A52.shape[1])
        cp.Problem(cp.Minimize(float(lam) * cp.norm1(x) + cp.norm2(A52 @ x - y52))).solve()
        return np.asarray(x.value, dtype=float)

    inp = InexactInput.honest(A, y)
    x_out = candidate(inp)
    _say(f"   query log: {inp.log.summary()}")
    problem = SqrtLasso(A, y, lam)
    for tol in (Fraction(1, 10**4), Fraction(1, 10**12)):
        check = problem.certify_minimiser(x_out, tol=tol)
        tag = {Status.CERTIFIED: "certified", Status.REFUTED: "refuted", Status.UNKNOWN: "unknown"}[check.status]
        _say(
            f"   tol 10^-{len(str(tol.denominator)) - 1}: [{tag}] F(x) - min F <= "
            f"{format_bound(check.gap_upper, 'up', 4)} "
            f"(duality gap from a cvxpy dual point, re-checked in ball arithmetic)"
        )
    _say("   [observed] the solver's own report is not used; only the exact data and the dual point are.")


def _cap_section() -> None:
    _section("3. A candidate that never stops asking is stopped by the precision cap")
    inp = InexactInput.honest([[1, 2], [3, 4]], [1, 1], precision_cap=4096)
    n = 1
    try:
        while True:
            inp.A(n)
            n *= 2
    except PrecisionCapExceeded as exc:
        _say(f"   {exc}")
    _say(f"   query log: {inp.log.summary()}")


def _game_section(quick: bool, seed: int, out: str) -> bool:
    from smale18.oracle.adversary import Outcome, play
    from smale18.oracle.candidates import builtin, class_error_bound
    from smale18.oracle.constructions import Smale18Class
    from smale18.oracle.training_game import LEARNERS, play_training, training_class

    K = 3
    omega = Smale18Class("P3", K)
    _section(f"4. The Smale-18 barrier as a game: square-root LASSO on Omega_{K} (A is {omega.m} x {omega.N}, AA* = R^2 I)")
    _say("   The adversary answers with a tied instance, waits for the output, then commits to the member it misses.")
    _say("   Each candidate runs sealed in its own process; the adversary's coins are fixed by --seed here so that the "
         "report reproduces (smale18 game draws a secret seed).")
    ok = True
    results = []
    for name in ("cvxpy", "hiprec", "fista", "centroid"):
        result = play(builtin(name, omega), omega, seed=seed, adversary_seed=seed)
        results.append(result)
        ok &= result.outcome is Outcome.DEFEATED
        _say(f"   builtin:{name:<8} read up to n={result.log.deepest:<5} -> {result.outcome}; [certified] "
             f"dist(output, Xi) >= {format_bound(result.distance.lower, 'down', 4)} > 10^-{K}")
    _say(f"   counterexample (exact): {result.instance!r}")
    for name, digits in (("k-minus-1", K - 1), ("k-minus-2", K - 2)):
        result = play(builtin(name, omega), omega, digits=digits, seed=seed, adversary_seed=seed)
        bound = class_error_bound(omega, name)
        ok &= result.outcome is Outcome.NOT_DEFEATED and bound < omega.digits_bound(digits)
        results.append(result)
        _say(f"   builtin:{name} at 10^-{digits}: {result.outcome}; [certified over the whole class] error <= "
             f"{format_bound(bound, 'up', 4)}")
    import os

    from ._figures import game_figure

    os.makedirs(out, exist_ok=True)
    _figure(game_figure(results, K, os.path.join(out, "game.png")),
            "each candidate's certified distance to the minimisers of the member the adversary committed to (red: at "
            "least the bar, above its accuracy, the black line; green: at most the bar, below it)")
    trials = 40 if quick else 200
    rnd = play(builtin("random", omega), omega, trials=trials, seed=seed, adversary_seed=seed)
    _say(f"   builtin:random, {trials} trials: [observed] success rate {rnd.success_rate:.3f}, Clopper-Pearson 95% "
         f"upper {rnd.cp_upper:.3f}; theorem: <= 1/2 + eta, eta_hat = {rnd.eta_hat:.3f}")
    tomega = training_class("P3", K)
    M = 64
    res = play_training(LEARNERS["separating"](tomega, M), tomega, M=M, trials=10 if quick else 40, seed=seed,
                        adversary_seed=seed)
    _say(f"   training set, budget M={M}: a learner reaching 10^-{K - 1} read more than M in "
         f"{res.read_more}/{res.trials} trials [observed]; the theorem forces >= {res.bound} - eta")
    return ok


def _networks_section(quick: bool, seed: int, out: str) -> bool:
    import os

    from .convergence import convergence_figure, convergence_run
    from .table1 import table1

    _section("5. Networks: FIRENET (computed by an algorithm) against LISTA (trained), the paper's Table 1")
    _say("   [observed for one pair of members] distance to Xi_3 of the true member, inputs within 2^-n of both members")
    _say(f"   {'K':>3} {'n':>4} {'LISTA':>12} {'FIRENET':>12} {'10^-K':>8}")
    rows = table1(quick=True, seed=seed, ns=(10,) if quick else (10, 20, 30), samples=1000 if quick else None,
                  iterations=400 if quick else None, progress=lambda r: _say(
        f"   {r.K:>3} {r.n:>4} {format_bound(r.lista, 'down', 5):>12} {format_bound(r.firenet, 'down', 5):>12} "
        f"{'10^-' + str(r.K):>8}"))
    from ._figures import table_figure

    os.makedirs(out, exist_ok=True)
    _figure(table_figure(rows, os.path.join(out, "table1.png")),
            "Table 1: each entry divided by 10^-K (observed): LISTA about 3, FIRENET about 1.5, none below 1")
    run = convergence_run(seed=seed, restarts=30 if quick else 40)
    os.makedirs(out, exist_ok=True)
    path = convergence_figure(run, os.path.join(out, "firenet_convergence.png"))
    _figure(path, "FIRENET error per restart (observed), with the fitted rate")
    _say(f"   FIRENET convergence [observed]: error falls by a factor {run.rate:.3f} per restart (fitted over restarts "
         f"{run.fitted_from}..{run.fitted_to}; theory: e^-1 = 0.368) to the float floor {run.floor:.1e}; figure: {path}")
    return run.rate < 0.5


def _firenet_bound_check(A, cert, seed: int) -> bool:
    from fractions import Fraction as Fr

    from smale18.verify.bounds import theorem2_run

    rng = np.random.default_rng([seed, 7])
    x = np.zeros(A.shape[1])
    x[int(rng.integers(A.shape[1]))] = 2.0
    y = A @ x + 1e-3 * rng.standard_normal(A.shape[0]) / np.sqrt(A.shape[0])
    g, errs, _ = theorem2_run(cert, x, y, 8)  # the certificate is re-checked; L_A derived from its matrix
    ratios = [e / float(b) for e, b in zip(errs[1:], g.eps[1:])]  # printed only (observed)
    _say(f"   FIRENET bound (Theorem 2, proofs_notes/firenet_bound.md) from these certified constants: c <= "
         f"{format_bound(g.c, 'up', 4)}, p = {g.p_min} inner steps; after 8 restarts [certified, exact iteration] "
         f"||psi - x|| <= {format_bound(g.eps[-1], 'up', 4)}, [observed, float64] {errs[-1]:.3e} (observed/bound <= "
         f"{max(ratios):.3f} over the restarts)")
    return all(Fr(float(e)) <= b for e, b in zip(errs[1:], g.eps[1:]))  # decided exactly


def _certificate_section(quick: bool, seed: int, out: str) -> bool:
    from fractions import Fraction as Fr

    from smale18.verify.rnsp import certify, nsp_constant, refute

    _section("6. Certificates: the weighted robust null space property, found by LP, checked in ball arithmetic")
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((60, 120))
    ok = True
    first = None
    certs = []
    for s in ((1,) if quick else (1, 2)):
        t = time.perf_counter()
        cert = certify(A, s)
        certs.append(cert)
        first = first or cert
        check = cert.check()
        ok &= check.valid
        _say(f"   Gaussian 60x120 (seed {seed}), s={s}: [{cert.status}] rho <= {cert.claim['rho']}, gamma <= "
             f"{cert.claim['gamma']}; check from the witness alone: {'valid' if check.valid else 'INVALID'} "
             f"({time.perf_counter() - t:.1f} s)")
    import os

    from ._figures import certificate_figure

    os.makedirs(out, exist_ok=True)
    _figure(certificate_figure([(f"s={i + 1}", Fr(c.claim["rho"])) for i, c in enumerate(certs)],
                               os.path.join(out, "certificate.png")), "certified rho of the Gaussian 60x120")
    B = A[:, :118].copy()
    B = np.hstack([B, B[:, :1], B[:, 1:2]])  # two duplicated columns: the property fails for every rho < 1
    ref = refute(B, 1, rho="1/2", gamma=10**6)
    ok &= ref.status.value == "refuted" and ref.check().valid
    _say(f"   the same matrix with a duplicated column: [{ref.status}] a violating vector with support "
         f"{ref.witness['support']} (margin >= {ref.witness['margin']}), checked")
    ok &= _firenet_bound_check(A, first, seed)
    small = rng.integers(-3, 4, size=(6, 10)).astype(float)
    exact = nsp_constant(small, 1)
    cert = certify(small, 1)
    _say(f"   exact decision, a 6x10 integer matrix: best rho* = sqrt({exact.rho2}) ~ {float(exact.rho2) ** 0.5:.4f} "
         f"(exact, by enumeration); the LP certificate gives rho <= {cert.claim.get('rho')}")
    return ok


def _imaging_section(quick: bool, seed: int, out: str) -> bool:
    import os

    from .imaging import reconstruct_phantom, reconstruction_figure
    from .instability_demo import demonstration_figure, demonstration_pair

    _section("7. Images: FIRENET on fast operators, and worst-case perturbations")
    n = 128 if quick else 256
    rec = reconstruct_phantom(n, 0.25, seed=seed)
    os.makedirs(out, exist_ok=True)
    path = reconstruction_figure(rec, os.path.join(out, "firenet_image.png"))
    _figure(path, "FIRENET on a phantom from 25% Fourier samples (observed)")
    _say(f"   {n}x{n} phantom from {rec.sampling_fraction:.0%} Fourier samples (db4 wavelets): [observed] relative error "
         f"{rec.errors[-1]:.1%} (zero-filled {rec.zero_filled_error:.1%}) in {rec.seconds:.1f} s; figure: {path}")
    pair = demonstration_pair(n=16 if quick else 32, seed=seed, steps=20 if quick else 40)
    path = demonstration_figure(pair, os.path.join(out, "attack.png"))
    _figure(path, "the same attack on a trained reconstruction and on FIRENET (observed)")
    _say(f"   attack with ||r|| <= 5% of ||Ax||: trained map output change {pair.trained.output_change:.3g} "
         f"[observed], certified amplification <= {format_bound(pair.trained_bound, 'up', 4)}; FIRENET output change "
         f"{pair.firenet.output_change:.3g} [observed], certified amplification <= "
         f"{format_bound(pair.firenet_bound, 'up', 3)} (a layer-norm product: true but loose); figure: {path}")
    amplification = pair.firenet.amplification  # observed (a float); compared exactly with the certified bound
    return bool(np.isfinite(amplification)) and Fraction(float(amplification)) <= pair.firenet_bound


def _paradox_section(quick: bool, seed: int, out: str) -> bool:
    import os

    from .paradox import paradox, paradox_figure, train_relu_classifier

    _section("8. Classification: accurate but unstable networks, and a stable one of variable width")
    K = 60 if quick else 200
    family, X, rows, stable, cert = paradox(K=K, widths_list=((4,), (8,)) if quick else ((4,), (8,), (16,), (8, 8)),
                                            seed=seed, iterations=800 if quick else 1500)
    ok = cert.holds
    for r in rows:
        ok &= r.flipped >= r.guaranteed
        _say(f"   {r.name:28s} accuracy train {r.train_accuracy:.0%} / valid {r.validation_accuracy:.0%} [observed]; "
             f"witnesses flipped (exact): {r.flipped} >= lemma {r.guaranteed}")
    _say(f"   [certified] the trapezoid network equals f on the whole eps/2-neighbourhood of all {cert.checked_points} "
         f"data points (exact piecewise-linear analysis)")
    os.makedirs(out, exist_ok=True)
    y = (X[:, 1] > 0).astype(int)
    path = paradox_figure(family, train_relu_classifier(X, y, (8,), seed=seed, iterations=800), stable, X,
                          os.path.join(out, "paradox.png"))
    _figure(path, "decision regions: a trained fixed-width ReLU net reads the false feature; the trapezoids do not")
    _say(f"   figure: {path}")
    return ok


def _torch_lista(omega, seed: int):
    """A PyTorch LISTA (smale18's trained layers as a torch module) for the class's matrix, trained on sparse
    vectors."""
    import numpy as np

    from smale18.verify.nets import to_torch, train_lista

    A = np.asarray(omega.member(0, omega.l0, 0, 60).A.approx(52), dtype=float)
    rng = np.random.default_rng(seed)
    X = np.zeros((omega.N, 512))
    for k in range(512):
        X[rng.choice(omega.N, 3, replace=False), k] = rng.standard_normal(3)
    return to_torch(train_lista(A, A @ X, X, depth=5, iterations=200, batch=256, seed=seed).network())


def _your_solvers_section(seed: int) -> bool:
    """Section 9: the solvers users trust (scikit-learn, skglm, PyTorch) through smale18's adapters, sealed, at K = 3.
    A library that is not installed is reported with the extra that installs it."""
    import importlib.util

    from smale18.oracle.adversary import Outcome, play
    from smale18.oracle.candidates import builtin
    from smale18.oracle.constructions import Smale18Class

    K = 3
    _section("9. Your solvers meet the barrier: scikit-learn's Lasso, skglm's square-root LASSO, a PyTorch LISTA")
    _say(f"   The game of section 4 at K = {K}, with candidates from the libraries users trust, each adapted and run "
         "sealed in its own process (smale18.oracle.adapters; the scaling of their objectives to P2/P3 is proven in "
         "proofs_notes/adapters.md).")
    ok = True
    entries = (("scikit-learn Lasso (builtin:sklearn-lasso)", "P2", "sklearn", "sklearn",
                lambda omega: builtin("sklearn-lasso", omega)),
               ("skglm SqrtLasso (builtin:skglm-sqrt-lasso)", "P3", "skglm", "sklearn",
                lambda omega: builtin("skglm-sqrt-lasso", omega)),
               ("PyTorch LISTA (a torch nn.Module, 5 layers)", "P3", "torch", "torch",
                lambda omega: _torch_lista(omega, seed)))
    for label, problem, module, extra, make in entries:
        if importlib.util.find_spec(module) is None:
            _say(f"   {label}: not run here — pip install 'smale18[{extra}]'")
            continue
        omega = Smale18Class(problem, K)
        result = play(make(omega), omega, seed=seed, adversary_seed=seed)
        ok &= result.outcome is Outcome.DEFEATED
        if result.distance is not None:
            _say(f"   {label} on {problem}: read n = {result.log.deepest} -> {result.outcome}; [certified] "
                 f"dist(output, Xi) >= {format_bound(result.distance.lower, 'down', 4)} > 10^-{K}")
        else:
            _say(f"   {label} on {problem}: {result.outcome} — {result.reason}")
    return ok


def _audit_section(seed: int, out: str) -> bool:
    """Section 10: ``smale18 audit builtin:fista`` as a report card next to the report (and how to audit your own)."""
    import os

    from .audit import audit, recheck

    _section("10. An audit's report card: smale18 audit builtin:fista")
    _say("   smale18 audit SPEC plays the barrier games on P1-P3 for K = 1, 2, 3 (sealed, replayable case files) and "
         "writes a report card whose every verdict is re-derived from its evidence files; audit your own solver with "
         "smale18 audit path/to/file.py:solve, a network with smale18 audit model.onnx.")
    folder = os.path.join(out, "audit-fista")
    card = audit("builtin:fista", out=folder, max_K=3, seed=seed, adversary_seed=seed, progress=False)
    checks = recheck(folder)
    for line in card.headline():
        _say(f"   {'[certified] ' if '(certified:' in line else ''}{line}")
    agree = all(ok for _, ok, _ in checks)
    _say(f"   [certified] {sum(ok for _, ok, _ in checks)}/{len(checks)} verdicts re-derived from the evidence files; "
         f"the card: {os.path.join(folder, 'card.md')} ({card.seconds:.1f} s)")
    if _REPORT:
        _REPORT[-1]["links"].append((os.path.join(folder, "card.md"), "the report card of smale18 audit builtin:fista"))
    return card.complete and agree


def run_tour(quick: bool = False, seed: int = 0, out: str = "smale18-report") -> int:
    """Run the tour; return 0 when every certified claim in it was proven, 1 when one was not.

    ``seed`` (an integer in ``[0, MAX_SEED]``) fixes every random choice, the adversary's coins included. ``out`` is a
    folder (created if missing); the tour replaces its own ``report.md``, :data:`FIGURES` and ``audit-fista/`` there and
    nothing else.
    The report is written atomically; it says INCOMPLETE while the run goes on and INTERRUPTED if it stops early
    (an exception, Ctrl-C), so an earlier run's report never stands beside this run's figures."""
    from smale18.oracle import Smale18Error
    from smale18.oracle._errors import check_int_range, short_repr

    if not isinstance(quick, bool):
        raise Smale18Error(f"quick={short_repr(quick)} must be True or False")
    seed = check_int_range(seed, "seed", 0, MAX_SEED)
    out = check_out_folder(out)
    t0 = time.perf_counter()
    _REPORT.clear()
    _start_report(out)
    try:
        _say("smale18 tour — certified = proven by a witness checked in exact/ball arithmetic; observed = measured.")
        _oracle_section(64 if quick else 256)
        _candidate_section(seed, 16 if quick else 32)
        _cap_section()
        ok = _game_section(quick, seed, out)
        ok &= _networks_section(quick, seed, out)
        ok &= _certificate_section(quick, seed, out)
        ok &= _imaging_section(quick, seed, out)
        ok &= _paradox_section(quick, seed, out)
        ok &= _your_solvers_section(seed)
        ok &= _audit_section(seed, out)
    except BaseException as exc:
        _interrupted_report(out, time.perf_counter() - t0, exc)
        raise
    seconds = time.perf_counter() - t0
    path = _write_report(out, seconds, quick, ok)
    print(f"\ntour finished in {seconds:.1f} s; report: {path}", flush=True)
    return 0 if ok else 1
