"""``smale18 tour``: the main job, a guided run that keeps *certified* and *observed* results apart.

The run fills a :class:`_Report`: per section a title, an opening paragraph (the question, what was run, what to
look at), the symbols the section introduces, and its results, each with one explicit status — ``"certified"``,
``"observed"`` or ``"detail"`` — that decides the group it is printed under. A result line must carry the inline tag of
its status (``[certified`` or ``[observed``) and never the other one; a detail carries neither (:func:`_check_status`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
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

#: the figures the tour writes into its folder (removed at the start of a run, so that a report never sits beside
#: figures of an earlier run)
FIGURES = ("game.png", "table1.png", "firenet_convergence.png", "certificate.png", "firenet_image.png", "attack.png",
           "paradox.png")
REPORT = "report.md"
#: seeds of the tour (as the CLI's demonstration verbs)
MAX_SEED = 2**32 - 1

#: the statuses of a result, in the order the report prints their groups, with the group's heading
GROUPS = {"certified": "Certified", "observed": "Observed", "detail": "Details"}
_TAGS = {"certified": "[certified", "observed": "[observed"}


def _check_status(text: str, status: str) -> None:
    """Raise ValueError unless ``text`` carries the inline tag of ``status`` and not the other one (a detail carries
    neither): the group a line is printed under and the tag it shows can then never disagree."""
    if status not in GROUPS:
        raise ValueError(f"status={status!r} must be one of {', '.join(GROUPS)}")
    has = {name: tag in text for name, tag in _TAGS.items()}
    if status == "detail":
        ok = not any(has.values())
    else:
        ok = has[status] and not any(v for name, v in has.items() if name != status)
    if not ok:
        raise ValueError(f"a {status} line must carry {'no status tag' if status == 'detail' else _TAGS[status]!r} "
                         f"and no other status tag: {text!r}")


def _md_cell(value) -> str:
    return str(value).replace("|", "\\|")


@dataclass
class _Table:
    """A table: a caption (a result line, tagged like one), a header and rows of strings."""

    caption: str
    header: tuple
    rows: list
    align: str = ""  # one of "l"/"r" per column; default: first column left, the others right

    def text_lines(self) -> list[str]:
        """Aligned plain-text rendering (stdout)."""
        cells = [list(map(str, self.header))] + [list(map(str, r)) for r in self.rows]
        widths = [max(len(row[j]) for row in cells) for j in range(len(self.header))]
        al = self.align or "l" + "r" * (len(self.header) - 1)
        return ["  ".join(c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(row, widths, al)).rstrip()
                for row in cells]

    def markdown_lines(self) -> list[str]:
        al = self.align or "l" + "r" * (len(self.header) - 1)
        return (["| " + " | ".join(_md_cell(h) for h in self.header) + " |",
                 "|" + "|".join("---" if a == "l" else "--:" for a in al) + "|"]
                + ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in self.rows])


@dataclass
class _Section:
    """One section of the report: its texts, its results ``(status, line or table)``, figures, links, and its wall
    time (``None`` while it runs)."""

    title: str
    opener: str
    symbols: tuple
    started: float
    seconds: float | None = None
    items: list = field(default_factory=list)  # (status, str | _Table)
    figures: list = field(default_factory=list)
    links: list = field(default_factory=list)


class _Report:
    """What one tour run has shown so far. ``section`` opens a section (closing the previous one and recording its
    wall time); ``say``/``table`` add results with an explicit status, printed to stdout as they come; ``markdown``
    renders the report."""

    def __init__(self, clock=time.perf_counter):
        self._clock = clock
        self.sections: list[_Section] = []

    def section(self, title: str, opener: str, symbols=()) -> None:
        """Start a section: ``opener`` (2-4 plain sentences) and ``symbols``, pairs ``(name, definition)``, go to the
        report only; stdout shows the title."""
        self.close()
        print(f"\n== {title} ==", flush=True)
        self.sections.append(_Section(title, " ".join(opener.split()), tuple(symbols), self._clock()))

    def close(self) -> None:
        """Record the wall time of the open section, if any (and print it)."""
        if self.sections and self.sections[-1].seconds is None:
            sec = self.sections[-1]
            sec.seconds = self._clock() - sec.started
            print(f"   (section took {sec.seconds:.1f} s)", flush=True)

    def say(self, text: str, status: str) -> None:
        """Print a result line and record it under ``status`` ('certified' | 'observed' | 'detail')."""
        text = text.strip()
        _check_status(text, status)
        print(f"   {text}", flush=True)
        if self.sections:
            self.sections[-1].items.append((status, text))

    def table(self, caption: str, header, rows, status: str, align: str = "", echo: bool = True) -> None:
        """Record a table under ``status``; ``caption`` carries the status tag; ``echo=False`` when its rows were
        already printed as they were computed."""
        _check_status(caption, status)
        table = _Table(caption.strip(), tuple(header), [tuple(r) for r in rows], align)
        if any(len(r) != len(table.header) for r in table.rows):
            raise ValueError(f"every row of the table {caption!r} must have {len(table.header)} cells")
        if echo:
            print(f"   {table.caption}", flush=True)
            for line in table.text_lines():
                print(f"   {line}", flush=True)
        if self.sections:
            self.sections[-1].items.append((status, table))

    def figure(self, path: str, caption: str) -> None:
        if self.sections:
            self.sections[-1].figures.append((path, caption))

    def link(self, path: str, text: str) -> None:
        if self.sections:
            self.sections[-1].links.append((path, text))

    def markdown(self, out: str, status: str, total_seconds: float, interrupted: bool = False) -> str:
        """The report: title, status line, the introduction, then per section its heading with its wall time, the
        opener, the symbols, the results grouped by status, figures and links; last, the time per section and the
        total ``total_seconds``."""
        import os

        lines = ["# smale18 tour report", "", status, "", *_INTRODUCTION, ""]
        now = self._clock()
        times = []
        for sec in self.sections:
            seconds = sec.seconds if sec.seconds is not None else now - sec.started
            unfinished = sec.seconds is None and interrupted
            when = f"stopped after {seconds:.1f} s" if unfinished else f"{seconds:.1f} s"
            times.append((sec.title, when))
            lines += [f"## {sec.title} ({when})", ""]
            if sec.opener:
                lines += [sec.opener, ""]
            if sec.symbols:
                lines += ["*Symbols:*", ""] + [f"- **`{name}`**: {text}" for name, text in sec.symbols] + [""]
            for status_name, head in GROUPS.items():
                group = [item for s, item in sec.items if s == status_name]
                if not group:
                    continue
                lines += [f"**{head}**", ""]
                bullets = []
                for item in group:
                    if isinstance(item, _Table):
                        if bullets:
                            lines += bullets + [""]
                            bullets = []
                        lines += [f"`{item.caption}`", ""] + item.markdown_lines() + [""]
                    else:
                        bullets.append(f"- `{item}`")
                if bullets:
                    lines += bullets + [""]
            for path, caption in sec.figures:
                lines += [f"![{caption}]({os.path.relpath(path, out)})", "", f"*{caption}*", ""]
            for path, text in sec.links:
                lines += [f"[{text}]({os.path.relpath(path, out)})", ""]
        if times:
            lines += ["## Time per section", "",
                      "Wall time of each section on this machine (`time.perf_counter`, observed).", "",
                      "| section | wall time |", "|---|--:|"]
            lines += [f"| {_md_cell(title)} | {when} |" for title, when in times]
            lines += [f"| **total** | {total_seconds:.1f} s |", ""]
        return "\n".join(lines)


_INTRODUCTION = (
    "**What this is.** smale18 makes executable the computability barriers of deep learning proved by Colbrook, Antun "
    "and Hansen (\"The difficulty of computing stable and accurate neural networks: on the barriers of deep learning "
    "and Smale's 18th problem\", PNAS 2022): for some sparse-recovery problems whose data are perfectly conditioned, "
    "neural networks that solve them accurately exist, yet no algorithm can compute such a network to a given accuracy "
    "from inexact inputs; and FIRENET, a network computed by an algorithm, is stable and converges exponentially when "
    "the matrix has the robust null space property (in levels). The tour runs each piece once, on small instances: "
    "how an algorithm receives its inputs (sections 1-3), the barrier as a game that defeats real solvers (4, 9, 10), "
    "trained against computed networks (5), certificates of the property FIRENET needs (6), the stability of image "
    "reconstruction (7), and the same phenomenon for classifiers (8).",
    "",
    "**Certified or observed.** *Certified* = proven by a witness checked in exact or ball arithmetic (python-flint "
    "intervals whose every operation rounds outward, so the true value is always enclosed), or a closed form proven in "
    "`proofs_notes/`. *Observed* = measured in this run (a float64 computation, a count over random trials, a time): "
    "true of this run, not a theorem.",
    "",
    "**How to read a section.** Its heading gives its wall time on this machine. A paragraph says what question it "
    "asks, what was run and what to look at, and a list defines the symbols it introduces. Then come its results, in "
    "up to three groups: **Certified**, **Observed**, and **Details** (the set-up, and outcomes that are neither, such "
    "as a proof that did not go through, marked `[unknown]`). Every result line also carries its own tag, "
    "`[certified]` or `[observed]`. Figures follow, with captions; the last table lists the time of every section.",
    "",
    "**Symbols**, each defined in the section where it first appears: `2^-n` (section 1); P1, P2, P3, `Xi` (2); "
    "`K`, `Omega_K`, `eta` (4); FIRENET, LISTA, `psi_k` (5); rNSP, rNSPL, `rho*` (6).",
)


def _write_atomic(path: str, text: str) -> str:
    """Write ``text`` to ``path`` through a temporary file in the same folder and one ``os.replace``: a reader (or
    a crash at any moment) sees the old report or the new one, never a mixture or a truncated file."""
    from ._figures import write_text_atomic

    return write_text_atomic(path, text, replace=True)


def _write_report(report: _Report, out: str, seconds: float, quick: bool, ok: bool) -> str:
    """The finished run's report, written atomically over the INCOMPLETE one."""
    import os

    status = (f"Mode: {'quick' if quick else 'full'}; {seconds:.1f} s; the run finished; every certified claim "
              f"proven: {'yes' if ok else 'NO'}.")
    return _write_atomic(os.path.join(out, REPORT), report.markdown(out, status, seconds))


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


def _interrupted_report(report: _Report, out: str, seconds: float, exc: BaseException) -> None:
    """Best effort: mark the report INTERRUPTED, with the sections that did finish (the INCOMPLETE report stays if
    even this fails)."""
    import contextlib
    import os

    where = report.sections[-1].title if report.sections else "the start"
    status = (f"**INTERRUPTED** after {seconds:.1f} s, in section \"{where}\", by {type(exc).__name__}: the run did "
              "not finish, so the certified claims were NOT all checked. What follows is what ran before it stopped.")
    with contextlib.suppress(Exception):
        _write_atomic(os.path.join(out, REPORT), report.markdown(out, status, seconds, interrupted=True))


def _oracle_section(report: _Report, N: int) -> None:
    ns = (10, 53, 200, 1000)
    report.section(
        f"1. The exact orthonormal DCT-II of order {N}, answered within 2^-n",
        f"""How does an algorithm receive a matrix whose entries no computer can hold exactly? In the papers' model it
        asks for a precision `n` and receives an exact rational matrix `A_n` within `2^-n` of `A`. Here smale18's
        oracle answers for the orthonormal DCT-II `D` of order {N} (its entries are cosines, irrational) at
        `n = {', '.join(map(str, ns))}`, and each answer's distance to `D` is re-proven in ball arithmetic,
        independently of how `A_n` was rounded. Look at the table: every certified bound is below `2^-n`, and the
        answers stay small and fast even at `n = 1000`.""",
        (("2^-n", "the accuracy of the inexact inputs: an algorithm asks for `n` and receives `A_n`, `y_n` with "
                  "`||A_n - A||_2 <= 2^-n` (operator 2-norm) and `||y_n - y||_2 <= 2^-n` (Euclidean norm); `n` is "
                  "all it chooses."),
         ("A_n", "an exact dyadic matrix (integers times one power of two); *bits/entry* is the size of its "
                 "integers.")))
    D = dct2(N)
    rows, seconds = [], []
    for n in ns:
        t = time.perf_counter()
        answer = D.approx(n)
        seconds.append(time.perf_counter() - t)
        bound = distance_upper_bound(answer, D, stop_below=Fraction(1, 1 << n))
        rows.append((n, answer.bits, format_bound(bound, "up", 4),
                     f"2^-{n} ~ {format_bound(Fraction(1, 1 << n), 'down', 4)}",
                     "yes" if bound <= Fraction(1, 1 << n) else "NOT PROVEN"))
    report.table("[certified] each answer A_n against the exact D: an upper bound on ||A_n - D||_2, proven in ball "
                 "arithmetic", ("n", "bits/entry", "certified bound", "2^-n", "bound below 2^-n?"), rows,
                 "certified")
    report.say("[observed] time to compute each answer: "
               + ", ".join(f"n={n}: {s:.3f} s" for n, s in zip(ns, seconds)), "observed")


def _candidate_section(report: _Report, seed: int, N: int) -> None:
    rng = np.random.default_rng(seed)
    m = N // 2
    lam = Fraction(1, 10)
    tols = (Fraction(1, 10**4), Fraction(1, 10**12))
    report.section(
        "2. A candidate sees only (A_n, y_n): a float64 square-root LASSO solver",
        f"""Given only inexact inputs, can we still prove how good a solver's answer is? A float64 cvxpy solver reads
        `A_52`, `y_52` of a P3 instance ({m} rows of the DCT-II of order {N}, `y = A x0` for a 3-sparse `x0`,
        `lam = {lam}`) and returns `x`; smale18 then bounds `F(x) - min F` from the exact `A`, `y` and a dual point
        alone (a duality gap, evaluated in ball arithmetic), never from the solver's own report. Look at the verdict
        at each tolerance, `10^-4` and `10^-12`: each is certified, refuted, or unknown when the proof can decide
        neither way (a float64 answer is rarely provably within `10^-12`), never guessed.""",
        (("P1, P2, P3", "the papers' three problems, for a matrix `A`, data `y` and `lam > 0` (here with unit "
                        "weights, `||x||_1 = sum_i |x_i|`; the papers allow `||x||_{l1,w} = sum_i w_i |x_i|`, "
                        "`w_i > 0`): **P1** (quadratically constrained basis pursuit) minimise `||x||_1` subject to "
                        "`||Ax - y||_2 <= eta`, a noise level (not the `eta` of section 4); **P2** (unconstrained "
                        "LASSO) minimise `lam ||x||_1 + ||Ax - y||_2^2`; **P3** (square-root LASSO, the problem "
                        "FIRENET solves) minimise `F(x) = lam ||x||_1 + ||Ax - y||_2`."),
         ("Xi", "`Xi(A, y)`, the set of minimisers of the problem (`Xi_3` for P3); a set, since there can be "
                "several. `dist(z, Xi)` is the Euclidean distance from `z` to it.")))
    rows = np.sort(rng.choice(N, size=m, replace=False))
    select = RationalArray([[1 if j == r else 0 for j in range(N)] for r in rows])
    A = select @ dct2(N)
    support = rng.choice(N, size=3, replace=False)
    x_true = [Fraction(0)] * N
    for i in support:
        x_true[i] = Fraction(int(rng.integers(1, 9)), 4) * (1 if rng.random() < 0.5 else -1)
    y = A @ RationalArray(x_true)
    report.say(f"instance: {m} DCT rows of order {N} (seed {seed}), y = A x0 for a 3-sparse rational x0, lam = {lam}",
               "detail")

    def candidate(inp):
        A52 = np.asarray(inp.A(52), dtype=float)
        y52 = np.asarray(inp.y(52), dtype=float)
        import cvxpy as cp

        x = cp.Variable(A52.shape[1])
        cp.Problem(cp.Minimize(float(lam) * cp.norm1(x) + cp.norm2(A52 @ x - y52))).solve()
        return np.asarray(x.value, dtype=float)

    inp = InexactInput.honest(A, y)
    x_out = candidate(inp)
    report.say(f"query log: {inp.log.summary()}", "detail")
    problem = SqrtLasso(A, y, lam)
    for tol in tols:
        check = problem.certify_minimiser(x_out, tol=tol)
        digits = len(str(tol.denominator)) - 1
        gap = "no bound" if check.gap_upper is None else format_bound(check.gap_upper, "up", 4)
        if check.status is Status.CERTIFIED:
            report.say(f"tolerance 10^-{digits}: [certified] F(x) - min F <= {gap} <= 10^-{digits} (duality gap from "
                       "a cvxpy dual point, re-checked in ball arithmetic)", "certified")
        elif check.status is Status.REFUTED:
            report.say(f"tolerance 10^-{digits}: [certified] refuted: F(x) - min F > 10^-{digits} ({check.reason})",
                       "certified")
        else:
            report.say(f"tolerance 10^-{digits}: undecided [unknown]: the proven bound F(x) - min F <= {gap} is "
                       f"above 10^-{digits}, and no point proves x worse by more than 10^-{digits}", "detail")


def _cap_section(report: _Report) -> None:
    report.section(
        "3. A candidate that never stops asking is stopped by the precision cap",
        """What stops an algorithm that keeps asking for more digits and never answers? The oracle has a precision
        cap (here 4096 bits; 8192 by default): a deeper query is refused and logged, and in the games below a candidate
        that hits it loses. Here a candidate asks for `n = 1, 2, 4, 8, ...`. Look at the refusal, which names the cap
        and how to raise it, and at the query log.""")
    inp = InexactInput.honest([[1, 2], [3, 4]], [1, 1], precision_cap=4096)
    n = 1
    try:
        while True:
            inp.A(n)
            n *= 2
    except PrecisionCapExceeded as exc:
        report.say(f"refused: {exc}", "detail")
    report.say(f"query log: {inp.log.summary()}", "detail")


_CANDIDATES = {
    "cvxpy": "float64 cvxpy solve from A_52, y_52",
    "hiprec": "400 first-order steps in 5000-bit arithmetic from A_5000, y_5000",
    "fista": "float64 accelerated proximal gradient (FISTA)",
    "centroid": "cvxpy, then each group of tied columns' mass spread equally",
}


def _game_section(report: _Report, quick: bool, seed: int, out: str) -> bool:
    from smale18.oracle.adversary import Outcome, play
    from smale18.oracle.candidates import builtin, class_error_bound
    from smale18.oracle.constructions import Smale18Class
    from smale18.oracle.training_game import LEARNERS, play_training, training_class

    K = 3
    omega = Smale18Class("P3", K)
    mu2 = "1" if omega.N1 == 2 else f"sqrt({omega.N1}/2)"
    report.section(
        f"4. The Smale-18 barrier as a game: square-root LASSO on Omega_{K} (A is {omega.m} x {omega.N}, AA* = R^2 I)",
        f"""Can an algorithm that reads only inexact inputs compute a minimiser to `K` digits on every input of a
        perfectly conditioned class? The barrier theorem (Colbrook-Antun-Hansen, part (i)) says no: on the class
        `Omega_K` every algorithm misses `10^-K` on some member and a randomised one succeeds with probability at most
        `1/2 + eta`, although algorithms reaching `10^-(K-1)` (part (ii)) and, from a few bits, `10^-(K-2)` (part
        (iii)) exist. smale18 plays this as a game: the adversary answers every query with the tied member, waits for
        the output, then commits to a member within `2^-n` of every answer it gave whose minimisers are farther than
        `10^-K` from that output, and proves that distance. Look at: every candidate in the table is defeated at
        `10^-{K}`, the class algorithms are certified at `10^-{K - 1}` and `10^-{K - 2}` on the whole class, and the
        randomised candidate and the learner do no better than the theorem's probabilities allow.""",
        (("K", f"the number of digits the theorem forbids: no algorithm reaches accuracy `10^-K` on all of "
               f"`Omega_K` (here `K = {K}`)."),
         ("Omega_K", "the class of inputs `(A, y)` of the barrier theorem, as smale18 builds it "
                     "(proofs_notes/smale18_class.md): `A = D B` and `y = D b`, with `D` the orthonormal DCT-II and "
                     f"`b = (10, {mu2}, 0, ..., 0)`. `B` has a coarse row `(c, ..., c)` over `N1 = {omega.N1}` columns "
                     "with the entry at column `j1` raised by `eps1 > 0`, a fine row `(c_f, c_f)` with the entry at "
                     "`j2` raised by `eps2 >= 0` (`eps2 = 0` is the tied member, whose minimisers form a segment), "
                     f"and `R I` on the other `N2 = {omega.N2}` variables; `c = sqrt(2) 10^K / 3`, "
                     "`c_f = c sqrt(N1/2)`, and one padding entry per row makes every row's norm `R`, so "
                     "`AA* = R^2 I` (condition number 1). Members that differ only in `j2` are within "
                     "`sqrt(2) eps2` of each other in operator norm (and within `(2 c_f + 2) eps2` of the tied "
                     "member), yet their minimisers are more than `2 10^-K` apart: inputs accurate to `2^-n` cannot "
                     "tell them apart once `eps2` is small enough."),
         ("eta", "the success-probability slack of the randomised statements: the probability that what a candidate "
                 "read depended on the member the adversary commits to (some answer differed between the members); "
                 "`eta_hat` is its estimate, the fraction of trials in which that happened.")))
    report.say("Each candidate runs sealed in its own process; the adversary's coins are fixed by --seed here so that "
               "the report reproduces (smale18 game draws a secret seed).", "detail")
    ok = True
    results, rows = [], []
    for name in _CANDIDATES:
        result = play(builtin(name, omega), omega, seed=seed, adversary_seed=seed)
        results.append(result)
        ok &= result.outcome is Outcome.DEFEATED
        dist = "-" if result.distance is None else format_bound(result.distance.lower, "down", 4)
        rows.append((f"builtin:{name}", _CANDIDATES[name], result.log.deepest, str(result.outcome), dist,
                     f"10^-{K}"))
    report.table(f"[certified] the candidates at 10^-{K}: a lower bound on dist(output, Xi) for the member the "
                 "adversary committed to, proven in ball arithmetic",
                 ("candidate", "what it does", "deepest n read", "verdict", "certified dist(output, Xi) >=",
                  "10^-K"), rows, "certified", align="llrlrr")
    report.say(f"the member committed against builtin:{list(_CANDIDATES)[-1]} (exact): {result.instance!r}", "detail")
    for name, digits in (("k-minus-1", K - 1), ("k-minus-2", K - 2)):
        result = play(builtin(name, omega), omega, digits=digits, seed=seed, adversary_seed=seed)
        bound = class_error_bound(omega, name)
        ok &= result.outcome is Outcome.NOT_DEFEATED and bound < omega.digits_bound(digits)
        results.append(result)
        what = ("reads until the coarse row separates" if name == "k-minus-1" else
                "reads 8 bits once, answers both rows' centroids")
        report.say(f"builtin:{name} ({what}) at 10^-{digits}: {result.outcome}; [certified over the whole class] "
                   f"error <= {format_bound(bound, 'up', 4)} < 10^-{digits}", "certified")
    import os

    from ._figures import game_figure

    os.makedirs(out, exist_ok=True)
    report.figure(game_figure(results, K, os.path.join(out, "game.png")),
                  "each candidate's certified distance to the minimisers of the member the adversary committed to "
                  "(red: at least the bar, above its accuracy, the black line; green: at most the bar, below it)")
    trials = 40 if quick else 200
    rnd = play(builtin("random", omega), omega, trials=trials, seed=seed, adversary_seed=seed)
    report.say(f"builtin:random (cvxpy, then each tied group's mass moved to one column drawn at random), {trials} "
               f"trials: [observed] success rate {rnd.success_rate:.3f} (Clopper-Pearson 95% upper bound "
               f"{rnd.cp_upper:.3f}); the theorem: at most 1/2 + eta; eta_hat = {rnd.eta_hat:.3f}", "observed")
    tomega = training_class("P3", K)
    M = 64
    res = play_training(LEARNERS["separating"](tomega, M), tomega, M=M, trials=10 if quick else 40, seed=seed,
                        adversary_seed=seed)
    report.say(f"training-set game (part (ii)), budget M = {M}, a learner that reaches 10^-{K - 1}: [observed] it "
               f"missed 10^-{K - 1} or read more than M (a sample at precision n > M, or more than M samples) in "
               f"{res.adversary_wins}/{res.trials} trials ({res.read_more} read more than M); the theorem: probability "
               f">= {res.bound} - eta; eta_hat = {res.eta_hat:.3f}", "observed")
    report.say("the training-set game uses Omega_K rotated by a Hadamard matrix instead of D, so that its training "
               "labels are exact; its learner reads one sample at precision 8, 16, 32, ... until the coarse row "
               "separates, then answers as k-minus-1", "detail")
    return ok


def _networks_section(report: _Report, quick: bool, seed: int, out: str) -> bool:
    import os

    from .convergence import convergence_figure, convergence_run
    from .table1 import KS, NS, table1

    ns = (10,) if quick else NS
    report.section(
        "5. Networks: FIRENET (computed by an algorithm) against LISTA (trained), the paper's Table 1",
        f"""Do networks reach `10^-K` on `Omega_K` when they are trained (LISTA) or when an algorithm computes them
        (FIRENET)? For `K = {', '.join(map(str, KS))}`, two members of `Omega_K` (for P3, `lam = 1`) that differ only
        in the fine row get the same inputs `A_n`, `y_n`, within `2^-n` of both; each Table 1 entry is the distance
        from the network's output to `Xi_3` of the member called true, enclosed rigorously. Look at: no entry is below
        `10^-K` (expect LISTA near `3 10^-K`, at the other member's minimiser, which it was trained on, and FIRENET
        near `1.5 10^-K`, the midpoint); these are observations for one pair of members, and only the game of section 4
        proves failure. The last lines show FIRENET converging as designed on an instance where it can: its error
        falls by about `e^-1` per restart.""",
        (("FIRENET", "the restarted, unrolled primal-dual network: Chambolle-Pock iterations for P3, written as "
                     "network layers (affine maps with soft thresholding and a projection as nonlinearities), run in "
                     "blocks of `p` steps whose restarts rescale the problem so that the error bound shrinks by "
                     "`e^-1` per restart (THEORY section 4); its weights are computed from `A_n` by an algorithm, "
                     "not trained."),
         ("LISTA", "learned ISTA: 10 layers `x_{k+1} = S_theta_k(x_k + W_k (y - A x_k / (10 ||A||)))`, `S_theta` "
                   "the soft thresholding, whose `W_k` and `theta_k` are trained (Adam, mean squared error) on pairs "
                   "`(y, x)` of the other member at precision `n`."),
         ("Xi_3(A_T, y)", "the minimiser set of P3 for the true member `T`: here a single point."),
         ("psi_k", "FIRENET's output after `k` restarts; `x*` the minimiser it should reach.")))
    header = ("K", "n", "LISTA dist to Xi_3", "FIRENET dist to Xi_3", "10^-K", "LISTA / 10^-K", "FIRENET / 10^-K")
    caption = ("[observed for one pair of members] Table 1: distance from each network's output to Xi_3 of the true "
               "member, inputs within 2^-n of both members (lower ends of rigorous enclosures)")
    widths = (3, 4, 18, 20, 8, 13, 15)
    print(f"   {caption}", flush=True)
    print("   " + "  ".join(h.rjust(w) for h, w in zip(header, widths)), flush=True)
    table_rows = []

    def row_done(r):
        cells = (r.K, r.n, format_bound(r.lista, "down", 5), format_bound(r.firenet, "down", 5), f"10^-{r.K}",
                 format_bound(r.lista / r.bound, "down", 4), format_bound(r.firenet / r.bound, "down", 4))
        table_rows.append(cells)
        print("   " + "  ".join(str(c).rjust(w) for c, w in zip(cells, widths)), flush=True)

    rows = table1(quick=True, seed=seed, ns=ns, samples=1000 if quick else None,
                  iterations=400 if quick else None, progress=row_done)
    report.table(caption, header, table_rows, "observed", align="r" * len(header), echo=False)
    from ._figures import table_figure

    os.makedirs(out, exist_ok=True)
    report.figure(table_figure(rows, os.path.join(out, "table1.png")),
                  "Table 1: each entry divided by 10^-K (observed): LISTA about 3, FIRENET about 1.5, none below 1")
    run = convergence_run(seed=seed, restarts=30 if quick else 40)
    path = convergence_figure(run, os.path.join(out, "firenet_convergence.png"))
    report.figure(path, "FIRENET error per restart (observed), with the fitted rate")
    report.say(f"FIRENET convergence on a Gaussian {run.m}x{run.N} instance (5-sparse x0, y = A x0, lam = {run.lam}) "
               f"[observed]: the error ||psi_k - x*|| falls by a factor {run.rate:.3f} per restart (fitted over "
               f"restarts {run.fitted_from}..{run.fitted_to}; the schedule's factor: e^-1 = 0.368) to the float64 "
               f"floor {run.floor:.1e}", "observed")
    report.say(f"[certified] the convergence run's reference x* (FIRENET's own longer run, against which the "
               f"convergence errors are measured) is a minimiser up to F(x*) - min F <= "
               f"{format_bound(run.gap_certified, 'up', 4)} (duality gap, ball arithmetic)", "certified")
    return run.rate < 0.5


def _firenet_bound_check(report: _Report, A, cert, seed: int) -> bool:
    from fractions import Fraction as Fr

    from smale18.verify.bounds import theorem2_run

    rng = np.random.default_rng([seed, 7])
    x = np.zeros(A.shape[1])
    x[int(rng.integers(A.shape[1]))] = 2.0
    y = A @ x + 1e-3 * rng.standard_normal(A.shape[0]) / np.sqrt(A.shape[0])
    restarts = 8
    g, errs, _ = theorem2_run(cert, x, y, restarts)  # the certificate is re-checked; L_A derived from its matrix
    ratios = [e / float(b) for e, b in zip(errs[1:], g.eps[1:])]  # printed only (observed)
    report.say(f"FIRENET bound (Theorem 2) from these certified constants, for a 1-sparse x and y = Ax + noise of "
               f"norm about 1e-3: [certified] c <= {format_bound(g.c, 'up', 4)}, p = {g.p} inner steps per restart; "
               f"after {restarts} restarts the exact iteration has ||psi - x|| <= {format_bound(g.eps[-1], 'up', 4)}",
               "certified")
    report.say(f"the same FIRENET run in float64: [observed] ||psi - x|| = {errs[-1]:.3e} after {restarts} restarts; "
               f"observed error / certified bound <= {max(ratios):.3f} at every restart 1..{restarts}", "observed")
    return all(Fr(float(e)) <= b for e, b in zip(errs[1:], g.eps[1:]))  # decided exactly


def _certificate_section(report: _Report, quick: bool, seed: int, out: str) -> bool:
    from fractions import Fraction as Fr

    from smale18.verify.rnsp import certify, nsp_constant, refute

    report.section(
        "6. Certificates: the weighted robust null space property, found by LP, checked twice",
        """FIRENET's guarantee, and stable sparse recovery in general, need the matrix to have the robust null space
        property; deciding it is NP-hard, so smale18 proves it with a certificate or disproves it with a witness. A
        certificate (a matrix `Y` found by linear programming) for a Gaussian 60x120 matrix is checked from `Y` alone,
        twice: in float64 with proven rounding-error bounds (proofs_notes/float_norm.md; fast) and in ball arithmetic
        (the independent re-check); the same matrix with duplicated columns is refuted by an explicit vector; FIRENET's
        error bound (Theorem 2), computed from the certified constants, is set against a FIRENET run; and the best
        constant of a small integer matrix is computed exactly. Look at: the certificate is valid, the refutation
        checked, FIRENET's error stays far below its certified bound, and the LP's `rho` lies just above the exact
        optimum `rho*`.""",
        (("rNSP", "robust null space property of order `s` with constants `0 < rho < 1` and `gamma > 0`: for every "
                  "set `Delta` of at most `s` indices and every vector `v`, "
                  "`||v_Delta||_2 <= rho ||v_{Delta^c}||_1 / sqrt(s) + gamma ||Av||_2`. In words: the part of `v` "
                  "on any `s` entries is bounded by the rest of `v` plus how large `A` maps it, so `v` can "
                  "concentrate on `s` entries only if `Av` is large; this makes the recovery of `s`-sparse vectors "
                  "by P1-P3 stable."),
         ("rNSPL", "the weighted rNSP in levels (THEORY section 3): the indices are split into levels, `Delta` "
                   "holds at most `s_k` indices of level `k`, `||.||_1` becomes `||v||_{l1,w} = sum_i w_i |v_i|` and "
                   "`sqrt(s)` becomes `sqrt(xi)`, `xi = sum_k w_(k)^2 s_k`. Here one level and unit weights: the rNSP "
                   "above."),
         ("Theorem 2", "(proofs_notes/firenet_bound.md) if `A` has the rNSPL with `(rho, gamma)`, FIRENET with `p` "
                       "inner steps per restart (`p` large enough) has `||psi_k - x||_2 <= eps_k = e^-k eps_0 + "
                       "delta (1 - e^-k) / (1 - e^-1)` for every `x` with `||x||_2 <= eps_0` and "
                       "`delta >= 2c (lam sigma_s(x)_1 + ||Ax - y||_2)`, where `sigma_s(x)_1` is the l1 distance from "
                       "`x` to the `s`-sparse vectors and `c` the sharpness constant computed from `(rho, gamma)`; "
                       "the bound is for the exact iteration, the run is float64."),
         ("rho*", "the smallest `rho` any valid pair `(rho, gamma)` can have (on the kernel of `A` the `gamma` term "
                  "vanishes); exact, by enumeration, for small matrices.")))
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((60, 120))
    ok = True
    first = None
    certs = []
    for s in ((1,) if quick else (1, 2)):
        cert = certify(A, s)
        certs.append(cert)
        first = first or cert
        t0 = time.perf_counter()
        fast = cert.check(rigorous="float")
        t1 = time.perf_counter()
        ball = cert.check(rigorous="ball")
        t2 = time.perf_counter()
        valid = fast.valid and ball.valid
        ok &= valid
        tag = "[certified]" if cert.status is Status.CERTIFIED and valid else f"not proven [{cert.status}]"
        report.say(f"Gaussian 60x120 (seed {seed}), s={s}: {tag} rho <= {cert.claim['rho']}, gamma <= "
                   f"{cert.claim['gamma']}; checked from the witness alone in float64 with proven error bounds: "
                   f"{'valid' if fast.valid else 'INVALID'} ({t1 - t0:.2f} s), and in ball arithmetic: "
                   f"{'valid' if ball.valid else 'INVALID'} ({t2 - t1:.2f} s)",
                   "certified" if tag == "[certified]" else "detail")
    import os

    from ._figures import certificate_figure

    os.makedirs(out, exist_ok=True)
    report.figure(certificate_figure([(f"s={i + 1}", Fr(c.claim["rho"])) for i, c in enumerate(certs)],
                                     os.path.join(out, "certificate.png")), "certified rho of the Gaussian 60x120")
    B = A[:, :118].copy()
    B = np.hstack([B, B[:, :1], B[:, 1:2]])  # two duplicated columns: the property fails for every rho < 1
    ref = refute(B, 1, rho="1/2", gamma=10**6)
    refuted = ref.status.value == "refuted" and ref.check().valid
    ok &= refuted
    report.say(f"the same matrix with two duplicated columns, (rho, gamma) = (1/2, 10^6): "
               f"{'[certified] refuted' if refuted else f'not refuted [{ref.status}]'} by a violating vector with "
               f"support {ref.witness.get('support')} (margin >= {ref.witness.get('margin')}), checked in ball "
               "arithmetic", "certified" if refuted else "detail")
    ok &= _firenet_bound_check(report, A, first, seed)
    small = rng.integers(-3, 4, size=(6, 10)).astype(float)
    exact = nsp_constant(small, 1)
    cert = certify(small, 1)
    report.say(f"exact decision, a 6x10 integer matrix, s = 1: [certified] rho* = sqrt({exact.rho2}) ~ "
               f"{float(exact.rho2) ** 0.5:.4f} (exact, by enumeration); the LP certificate proves rho <= "
               f"{cert.claim.get('rho')}", "certified")
    return ok


def _imaging_section(report: _Report, quick: bool, seed: int, out: str) -> bool:
    import os

    from .imaging import reconstruct_phantom, reconstruction_figure
    from .instability_demo import demonstration_figure, demonstration_pair

    n = 128 if quick else 256
    side = 16 if quick else 32
    report.section(
        "7. Images: FIRENET on fast operators, and worst-case perturbations",
        f"""Is a reconstruction map `Psi` (from measurements to image) stable: does a small change of the
        measurements `y = Ax` change its output only a little? First FIRENET reconstructs a {n}x{n} phantom from 25% of
        its Fourier samples: the paper's problem, P3 over *complex* db4 wavelet coefficients, with a fast operator
        (the phantom is real, a prior this problem does not use; proofs_notes/images.md). Then a trained map (one linear layer
        trained by ridge regression on images of its class, accurate on held-out images of the class) and FIRENET both reconstruct a new {side}x{side} image from 25%
        of its 2-D DCT (on db2 wavelet coefficients `x`), and each is attacked: gradient ascent searches a
        perturbation `r` of `x`, `||r|| <= 5% of ||Ax||`, that changes the output most (Antun et al., PNAS 2020). Look
        at each map's clean error first (was it accurate before the attack?), then the output change the attack
        caused, and the certified Lipschitz bound that no perturbation can exceed.""",
        (("Psi", "a reconstruction map; its clean relative error is `||Psi(Ax) - x||_2 / ||x||_2` on an image `x` "
                 "not used for training."),
         ("output change", "`||Psi(A(x + r)) - Psi(Ax)||_2`; amplification = output change / `||Ar||_2`."),
         ("Lipschitz bound L", "`||Psi(y) - Psi(y')||_2 <= L ||y - y'||_2` for all `y`, `y'`, certified as a "
                               "product of layer norms: true, and possibly very loose.")))
    rec = reconstruct_phantom(n, 0.25, seed=seed)
    os.makedirs(out, exist_ok=True)
    path = reconstruction_figure(rec, os.path.join(out, "firenet_image.png"))
    report.figure(path, f"FIRENET on a phantom from 25% Fourier samples, {rec.domain} wavelet coefficients "
                  "(observed)")
    report.say(f"{n}x{n} phantom from {rec.sampling_fraction:.0%} Fourier samples ({rec.domain} db4 wavelet "
               "coefficients): [observed] relative "
               f"error ||image - phantom|| / ||phantom|| {rec.errors[-1]:.1%} (zero-filled inverse transform: "
               f"{rec.zero_filled_error:.1%}) in {rec.seconds:.1f} s", "observed")
    pair = demonstration_pair(n=side, seed=seed, steps=20 if quick else 40)
    path = demonstration_figure(pair, os.path.join(out, "attack.png"))
    report.figure(path, "the same attack on a trained reconstruction and on FIRENET (observed)")
    report.say(f"the trained map on {len(pair.trained_heldout_errors)} held-out images of its class: [observed] clean "
               f"relative error mean {np.mean(pair.trained_heldout_errors):.1%}, max "
               f"{max(pair.trained_heldout_errors):.1%} (FIRENET: mean {np.mean(pair.firenet_heldout_errors):.1%} -- "
               "it is not trained, and this class is not sparse in its wavelets)", "observed")
    rows = [(name, f"{clean:.1%}", f"{att.r_norm:.3g}", f"{att.measurement_change:.3g}", f"{att.output_change:.3g}",
             f"{att.amplification:.3g}")
            for name, clean, att in (("trained map", pair.validation_error, pair.trained),
                                     ("FIRENET", pair.firenet_error, pair.firenet))]
    report.table(f"[observed] the attack on a new {side}x{side} image, ||r|| <= {pair.radius:.3g} (5% of ||Ax||): "
                 "each map's clean error, then what the attack did",
                 ("map", "clean relative error", "norm of r", "norm of A r", "output change", "amplification"), rows,
                 "observed")
    report.say(f"[certified] Lipschitz bounds: trained map L <= {format_bound(pair.trained_bound, 'up', 4)}; FIRENET "
               f"L <= {format_bound(pair.firenet_bound, 'up', 3)} (a layer-norm product: true but loose)", "certified")
    amplification = pair.firenet.amplification  # observed (a float); compared exactly with the certified bound
    return bool(np.isfinite(amplification)) and Fraction(float(amplification)) <= pair.firenet_bound


def _paradox_section(report: _Report, quick: bool, seed: int, out: str) -> bool:
    import os

    from .paradox import paradox, paradox_figure, train_relu_classifier

    stripes = 60 if quick else 200
    report.section(
        "8. Classification: accurate but unstable networks, and a stable one of variable width",
        f"""If a classifier fits its data perfectly, is it stable, i.e. does it keep its answer near each data point
        (Bastounis-Hansen-Vlacic)? The data are points `x = (x1, x2)` on {stripes} stripes in `x1` whose labels
        alternate, the true label being `f(x) = ceil(a / x1) mod 2`, plus a false feature `x2 = delta f(x)` that a
        network can read instead of `x1`; ReLU networks of fixed widths are trained on them, and a network of
        trapezoids whose width grows with the data is built. Look at: the trained networks are accurate, yet each
        misclassifies at least as many witness points as the counting lemma forces (every one checked in exact
        arithmetic), while the trapezoid network is certified to give the true label on the whole
        `eps/2`-neighbourhood of the data.""",
        (("lemma", "along a line, a ReLU network with hidden widths `N_1..N_{L-1}` is piecewise affine with at most "
                   "`P = prod_l (N_l + 1)` pieces, so of `n` witnesses with alternating labels at least "
                   "`ceil(n/2 - P)` are misclassified (proofs_notes/classification.md)."),
         ("witnesses", "points `z = (t, delta/2)`, one per stripe, each at l-infinity distance `delta/2` from a "
                       "data point of the same true label."),
         ("eps", "the data lie at least `eps` inside their stripes.")))
    family, X, rows, stable, cert = paradox(K=stripes, widths_list=((4,), (8,)) if quick else ((4,), (8,), (16,),
                                                                                              (8, 8)),
                                            seed=seed, iterations=800 if quick else 1500)
    ok = cert.holds
    acc_rows, witness_rows = [], []
    for r in rows:
        ok &= r.flipped >= r.guaranteed
        acc_rows.append((r.name, f"{r.train_accuracy:.0%}", f"{r.validation_accuracy:.0%}"))
        witness_rows.append((r.name, r.n, r.flipped, r.guaranteed))
    report.table("[observed] accuracy of each network on its training data and on new data of the same stripes",
                 ("network", "train accuracy", "validation accuracy"), acc_rows, "observed")
    report.table("[certified] witnesses misclassified, each checked by exact rational evaluation, against the lemma's "
                 "lower bound (which needs fixed widths; it is 0 for the variable-width network)",
                 ("network", "witnesses", "misclassified (exact)", "lemma: at least"), witness_rows, "certified")
    report.say(f"[certified] the trapezoid network equals f on the whole eps/2-neighbourhood of all "
               f"{cert.checked_points} data points (exact piecewise-linear analysis)", "certified")
    os.makedirs(out, exist_ok=True)
    y = (X[:, 1] > 0).astype(int)
    path = paradox_figure(family, train_relu_classifier(X, y, (8,), seed=seed, iterations=800), stable, X,
                          os.path.join(out, "paradox.png"))
    report.figure(path, "decision regions: a trained fixed-width ReLU net reads the false feature; the trapezoids do "
                        "not")
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


def _your_solvers_section(report: _Report, seed: int, quick: bool = False) -> bool:
    """Section 9: the solvers users trust (scikit-learn, skglm, PyTorch) through smale18's adapters, sealed, at K = 3.
    A library that is not installed is reported with the extra that installs it."""
    import importlib.util

    from smale18.oracle.adversary import Outcome, play
    from smale18.oracle.candidates import builtin
    from smale18.oracle.constructions import Smale18Class

    K = 3
    report.section(
        "9. Your solvers meet the barrier: scikit-learn's Lasso, skglm's square-root LASSO, a PyTorch LISTA",
        f"""Does the barrier of section 4 also defeat the solvers people use every day? The same game at `K = {K}` is
        played against scikit-learn's Lasso (on P2), skglm's square-root LASSO (on P3) and a 5-layer LISTA trained in
        PyTorch (on P3), each wrapped by smale18's adapters and run sealed in its own process. Look at: each one is
        defeated, by a certified distance, or by rule when it gives no valid output (an error raised counts as a
        loss).""")
    report.say("the scaling of each library's objective to P2/P3 is proven in proofs_notes/adapters.md; the adapters "
               "are smale18.oracle.adapters", "detail")
    ok = True
    entries = (("scikit-learn Lasso (builtin:sklearn-lasso)", "P2", "sklearn", "sklearn",
                lambda omega: builtin("sklearn-lasso", omega)),
               ("skglm SqrtLasso (builtin:skglm-sqrt-lasso)", "P3", "skglm", "sklearn",
                lambda omega: builtin("skglm-sqrt-lasso", omega)),
               ("PyTorch LISTA (a torch nn.Module, 5 layers)", "P3", "torch", "torch",
                lambda omega: _torch_lista(omega, seed)))
    for label, problem, module, extra, make in entries:
        if importlib.util.find_spec(module) is None:
            report.say(f"{label}: not run here — pip install 'smale18[{extra}]'", "detail")
            continue
        if quick and module == "skglm":
            report.say(f"{label}: not run in --quick — skglm compiles its solver with numba in every new process "
                       "(8 s measured here for the sealed game); smale18 tour runs it", "detail")
            continue
        omega = Smale18Class(problem, K)
        result = play(make(omega), omega, seed=seed, adversary_seed=seed)
        ok &= result.outcome is Outcome.DEFEATED
        if result.distance is not None:
            report.say(f"{label} on {problem}: read n = {result.log.deepest} -> {result.outcome}; [certified] "
                       f"dist(output, Xi) >= {format_bound(result.distance.lower, 'down', 4)} > 10^-{K}", "certified")
        else:
            report.say(f"{label} on {problem}: {result.outcome} by rule (no valid output) — {result.reason}",
                       "detail")
    return ok


def _audit_section(report: _Report, seed: int, out: str) -> bool:
    """Section 10: ``smale18 audit builtin:fista`` as a report card next to the report (and how to audit your own)."""
    import os

    from .audit import audit, recheck

    report.section(
        "10. An audit's report card: smale18 audit builtin:fista",
        """How do you test your own solver against the barrier? `smale18 audit SPEC` plays the games on P1, P2 and
        P3 for `K = 1, 2, 3` (sealed, with replayable case files) and writes a report card whose every verdict is
        re-derived from its evidence files; here `SPEC` is `builtin:fista`, float64 accelerated proximal gradient.
        Look at: per problem, the first `K` at which the solver is defeated, and that every verdict was re-derived.
        Audit your own solver with `smale18 audit path/to/file.py:solve`, or a network with
        `smale18 audit model.onnx`.""")
    folder = os.path.join(out, "audit-fista")
    card = audit("builtin:fista", out=folder, max_K=3, seed=seed, adversary_seed=seed, progress=False)
    checks = recheck(folder)
    for line in card.headline():
        if "(certified:" in line:
            report.say(f"[certified] {line}", "certified")
        elif "(observed:" in line:
            report.say(f"[observed] {line}", "observed")
        else:
            report.say(line, "detail")
    agree = all(ok for _, ok, _ in checks)
    report.say(f"[certified] {sum(ok for _, ok, _ in checks)}/{len(checks)} verdicts re-derived from the evidence "
               "files", "certified")
    report.say(f"the card: {os.path.join(folder, 'card.md')}; the audit took {card.seconds:.1f} s", "detail")
    report.link(os.path.join(folder, "card.md"), "the report card of smale18 audit builtin:fista")
    return card.complete and agree


def run_tour(quick: bool = False, seed: int = 0, out: str = "smale18-report") -> int:
    """Run the tour; return 0 when every certified claim in it was proven, 1 when one was not.

    ``seed`` (an integer in ``[0, MAX_SEED]``) fixes every random choice, the adversary's coins included. ``out`` is a
    folder (created if missing); the tour replaces its own ``report.md``, :data:`FIGURES` and ``audit-fista/`` there and
    nothing else.
    The report is written atomically; it says INCOMPLETE while the run goes on and INTERRUPTED if it stops early
    (an exception, Ctrl-C), so an earlier run's report never stands beside this run's figures. Each section's wall time
    is in its heading, and a last table lists them."""
    from smale18.oracle import Smale18Error
    from smale18.oracle._errors import check_int_range, short_repr

    if not isinstance(quick, bool):
        raise Smale18Error(f"quick={short_repr(quick)} must be True or False")
    seed = check_int_range(seed, "seed", 0, MAX_SEED)
    out = check_out_folder(out)
    t0 = time.perf_counter()
    report = _Report()
    _start_report(out)
    try:
        print("smale18 tour — certified = proven by a witness checked in exact/ball arithmetic; observed = measured.",
              flush=True)
        _oracle_section(report, 64 if quick else 256)
        _candidate_section(report, seed, 16 if quick else 32)
        _cap_section(report)
        ok = _game_section(report, quick, seed, out)
        ok &= _networks_section(report, quick, seed, out)
        ok &= _certificate_section(report, quick, seed, out)
        ok &= _imaging_section(report, quick, seed, out)
        ok &= _paradox_section(report, quick, seed, out)
        ok &= _your_solvers_section(report, seed, quick)
        ok &= _audit_section(report, seed, out)
        report.close()
    except BaseException as exc:
        _interrupted_report(report, out, time.perf_counter() - t0, exc)
        raise
    seconds = time.perf_counter() - t0
    path = _write_report(report, out, seconds, quick, ok)
    print(f"\ntour finished in {seconds:.1f} s; report: {path}", flush=True)
    return 0 if ok else 1
