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
    """Certified distance lower bounds of each candidate's output against 10^-K and 10^-(K-1)."""
    plt = _plt()
    names = [r.candidate.replace("builtin:", "") + ("" if r.digits == K else f"\n(judged at 10^-{r.digits})")
             for r in results]
    lows = [float(r.distance.lower) if r.distance is not None else np.nan for r in results]
    fig, ax = plt.subplots(figsize=(7, 3.4), dpi=110)
    ax.bar(names, lows, color=["tab:red" if r.outcome.value == "defeated" else "tab:green" for r in results])
    ax.axhline(10.0**-K, color="k", ls="--", lw=1, label=f"10^-{K} (no algorithm on the class)")
    ax.axhline(10.0 ** -(K - 1), color="gray", ls=":", lw=1, label=f"10^-{K - 1}")
    ax.set_yscale("log")
    ax.set_ylabel("certified dist(output, Xi) >=")
    ax.set_title(f"Barrier game on Omega_{K} (square-root LASSO): red = defeated at its accuracy, green = not",
                 fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def table_figure(rows, path: str) -> str:
    """Table 1 entries against K (observed), with 10^-K."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=110)
    for n, marker in zip(sorted({r.n for r in rows}), "os^"):
        sel = [r for r in rows if r.n == n]
        ax.semilogy([r.K for r in sel], [float(r.lista) for r in sel], marker, color="tab:red", ms=5,
                    label=f"LISTA, n={n}")
        ax.semilogy([r.K for r in sel], [float(r.firenet) for r in sel], marker, color="tab:blue", ms=5, mfc="none",
                     label=f"FIRENET, n={n}")
    Ks = sorted({r.K for r in rows})
    ax.semilogy(Ks, [10.0**-k for k in Ks], "k--", lw=1, label="10^-K")
    ax.set_xlabel("K")
    ax.set_ylabel("distance to Xi_3 of the true member")
    ax.set_title("Table 1 (observed for one pair of members)", fontsize=9)
    ax.legend(fontsize=6, ncol=2)
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
