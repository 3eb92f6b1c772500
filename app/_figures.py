"""Small figures for the tour's report (matplotlib, Agg), and atomic writes of every file smale18 produces."""

from __future__ import annotations

import contextlib
import os
import tempfile

import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle._errors import short_repr


def check_out_file(path, force: bool = False, suffix: str | None = None, option: str = "--out") -> str:
    """``path`` if an output may be written there, else a Smale18Error naming ``option``; checked *before* the work.

    Refused: a path that is a folder, whose folder does not exist, that exists already (unless ``force``), or that
    does not end in ``suffix`` (e.g. ``.png``: matplotlib would otherwise append one and write elsewhere)."""
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise Smale18Error(f"{option}={short_repr(path)} must be a file name")
    path = os.fspath(path)
    if suffix is not None and not path.lower().endswith(suffix):
        raise Smale18Error(f"{option}={path!r} must name a {suffix} file (a name ending in {suffix})")
    if os.path.isdir(path):
        raise Smale18Error(f"{option}={path!r} is a folder; give a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise Smale18Error(f"{option}={path!r}: its folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Smale18Error(f"{option}={path!r}: its folder {folder!r} is not writable")
    if os.path.lexists(path) and not force:
        raise Smale18Error(f"{option}={path!r} exists already; pass --force to replace it")
    return path


@contextlib.contextmanager
def atomic_path(path, replace: bool = True):
    """Yield a temporary file name in ``path``'s folder (same suffix); on success the file is flushed to disk and
    renamed to ``path`` in one step, so ``path`` holds either the old content or the complete new one, never a part.
    With ``replace=False`` an existing ``path`` is never replaced (the rename is a hard link, which fails if the name
    exists). On failure the temporary file is removed and the error propagates."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    suffix = os.path.splitext(base)[1]
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=f".part{suffix}", dir=folder)
    os.close(fd)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise Smale18Error(f"{path!r} appeared while smale18 was working; not replaced (pass --force)") \
                    from None
            os.unlink(tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text_atomic(path, text: str, replace: bool = True) -> str:
    """Write ``text`` (UTF-8) to ``path`` atomically (:func:`atomic_path`); return ``path``."""
    with atomic_path(path, replace) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
    return os.fspath(path)


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def game_figure(results, K: int, path: str) -> str:
    """Each candidate's certified distance to the minimisers against the accuracy it was judged at: for a defeated
    candidate the lower end of the enclosure (the distance is at least this), for one not defeated the upper end (at
    most this); a short black line over each bar marks its own accuracy ``10^-digits``."""
    plt = _plt()
    names = [r.candidate.replace("builtin:", "") + ("" if r.digits == K else f"\nat $10^{{-{r.digits}}}$")
             for r in results]
    defeated = [r.outcome.value == "defeated" for r in results]
    heights = [np.nan if r.distance is None else float(r.distance.lower if d else r.distance.upper)
               for r, d in zip(results, defeated)]
    fig, ax = plt.subplots(figsize=(8.6, 3.8), dpi=110)
    x = np.arange(len(results))
    ax.bar(x, heights, width=0.6, color=["tab:red" if d else "tab:green" for d in defeated])
    for xi, r in zip(x, results):
        ax.hlines(10.0 ** -r.digits, xi - 0.4, xi + 0.4, color="k", lw=2)
    ax.set_xticks(x, names, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("certified distance of the output\nto the minimisers", fontsize=8)
    ax.set_title(f"The barrier game on $\\Omega_{K}$ (square-root LASSO), each candidate sealed", fontsize=9)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color="tab:red", label="defeated: distance $\\geq$ bar > its accuracy"),
                       Patch(color="tab:green", label="not defeated: distance $\\leq$ bar $\\leq$ its accuracy"),
                       Line2D([], [], color="k", lw=2, label="the accuracy it was judged at")],
              fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def table_figure(rows, path: str) -> str:
    """Table 1 entries (observed) divided by ``10^-K``, on a linear scale so that the message reads off: every entry
    is at least 1 (no network reaches ``10^-K`` on the class), LISTA's near 3 and FIRENET's near 1.5."""
    plt = _plt()
    rows = sorted(rows, key=lambda r: (r.K, r.n))
    fig, ax = plt.subplots(figsize=(7.6, 3.6), dpi=110)
    x = np.arange(len(rows))
    lista = [float(r.lista / r.bound) for r in rows]
    fire = [float(r.firenet / r.bound) for r in rows]
    ax.bar(x - 0.18, lista, width=0.36, color="tab:red", label="LISTA (trained)")
    ax.bar(x + 0.18, fire, width=0.36, color="tab:blue", label="FIRENET (computed)")
    ax.axhline(1.0, color="k", lw=1.2, ls="--", label="$10^{-K}$ (no algorithm reaches it on the class)")
    ax.set_xticks(x, [f"K={r.K}\nn={r.n}" for r in rows], fontsize=7)
    ax.set_ylabel("distance to $\\Xi$ of the true member\ndivided by $10^{-K}$", fontsize=8)
    ax.set_ylim(0, max(lista + fire) * 1.15)
    ax.set_title("Table 1 on the barrier class (observed for one pair of members; distances enclosed)", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def certificate_figure(entries, path: str) -> str:
    """Certified rho (and the exact rho* where known) per sparsity."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=110)
    labels = [e[0] for e in entries]
    ax.bar(labels, [float(e[1]) for e in entries], color="tab:blue", label="certified rho (upper end)")
    ax.axhline(1, color="k", ls="--", lw=1, label="rho < 1 needed")
    ax.set_ylabel("rho")
    ax.set_title("weighted rNSP in levels: certified constants", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
