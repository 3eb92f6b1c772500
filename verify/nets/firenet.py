"""FIRENET: the restarted, unrolled primal-dual network for square-root LASSO (THEORY §4).

Inner block (Chambolle–Pock on ``min_x max_{||z|| <= 1} lam ||x||_{l1,w} + Re<Ax - y, z>``), from ``x_0``, ``z_0 = 0``:

    x_k = S_{tau lam w}(x_{k-1} - tau A^* z_{k-1})
    z_k = P_{B_1}(z_{k-1} + sigma A(2 x_k - x_{k-1}) - sigma y)           output: mean of x_1 .. x_p

Restarts (the layers in ``proofs_notes/firenet.md``, Theorem 2 in ``proofs_notes/firenet_bound.md``): ``psi_0 = 0``,
``eps_0`` given, and for ``k = 0 .. n-1``: ``alpha_k = sqrt(tau/sigma)/eps_k``,
``psi_{k+1} = InnerBlock(alpha_k y, alpha_k psi_k, p)/alpha_k``, ``eps_{k+1} = eps_k/e + delta``. This is a
reparametrisation of the paper's schedule (THEORY §4: ``eps`` updated before use, ``alpha = 2 L_A/(p eps)``), not the
paper's own numbers; ``firenet(..., schedule="paper")`` takes the paper's ``eps0, delta`` and converts them exactly.

:func:`firenet` builds the explicit network (two affine layers and two nonlinear layers per primal-dual step);
:meth:`Firenet.run` is the float64 fast path (the same arithmetic as an iteration, no dense weights), used for large or
fast operators. ``tau sigma ||A||^2 < 1`` is enforced with a bound ``L_A >= ||A||_2`` whose origin is recorded in
``Firenet.L_A_source``: ``"derived"`` (computed for a dense matrix in float64 with proven rounding-error bounds,
``proofs_notes/float_norm.md``, or in ball arithmetic where that proof does not apply), ``"operator-columns"`` (the
same, for the float64 matrix of a linear operator's values on the unit vectors), ``"checked"`` (given by the caller
and proven the same way), ``"certificate"`` (proven for the exact matrix of a checked rNSPL
certificate, :func:`smale18.verify.bounds.theorem2_run`; the network runs that matrix's float64 values) or
``"supplied"`` (given for a linear operator, which cannot be checked here: then the condition is the caller's
hypothesis). The network computes an iteration; nothing it outputs is certified by itself (the error bound of Theorem 2
is :func:`smale18.verify.bounds.firenet_guarantee`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle._errors import short_repr
from smale18.oracle._prox import soft_threshold

from ..balls import operator_norm_upper
from ._checks import MAX_NORM_SIDE, exact_rational, norm_bound_is_proven
from ._layers import Affine, BallProjection, SoftThreshold
from ._network import Network

__all__ = ["Firenet", "firenet"]


def _op(A):
    if isinstance(A, np.ndarray):
        if A.ndim != 2 or A.dtype.kind not in "iufc" or not np.all(np.isfinite(A)) or 0 in A.shape:
            raise Smale18Error("A must be a finite 2-D array (numeric, non-empty)")
        return A, (lambda x: A @ x), (lambda z: A.conj().T @ z)
    if hasattr(A, "matvec") and hasattr(A, "rmatvec") and hasattr(A, "shape"):
        if len(A.shape) != 2 or 0 in A.shape:
            raise Smale18Error(f"A must be a non-empty m x N operator, got shape {A.shape}")
        return A, (lambda x: A.matmat(x) if x.ndim == 2 else A.matvec(x)), (
            lambda z: A.rmatmat(z) if z.ndim == 2 else A.rmatvec(z))
    raise Smale18Error(f"A must be a dense array or a linear operator with matvec/rmatvec, got {type(A).__name__}")


def _positive(v, name):
    bad = Smale18Error(f"{name}={short_repr(v)} must be a positive finite number (a float64)")
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.floating, np.integer, Fraction)):
        raise bad
    try:
        f = float(v)
    except OverflowError:
        raise bad from None
    if not np.isfinite(f) or f <= 0:
        raise bad
    return f


@dataclass(frozen=True, eq=False)
class Firenet:
    """A FIRENET for one operator ``A`` (``m x N``) and its parameters; see the module docstring.

    ``L_A`` is an upper bound on ``||A||_2`` (proven unless ``L_A_source == "supplied"``, see the module docstring) and ``tau * sigma * L_A^2 < 1`` holds exactly. ``run(y)`` is the
    float64 fast path (returns ``psi_n``, or every ``psi_k`` with ``history=True``); ``network()`` the explicit
    layers (length ``4 n p + 2``), whose ``forward`` agrees with ``run`` to rounding.
    """

    A: object
    lam: float
    weights: np.ndarray
    restarts: int
    inner: int
    eps0: float
    delta: float
    tau: float
    sigma: float
    L_A: Fraction
    _fns: tuple = field(repr=False, default=None)
    L_A_source: str = "supplied"  # a Firenet made directly, not by firenet(): its L_A is unchecked
    #: ``(eps0, delta, L)`` of the paper's schedule when the net was built with ``schedule="paper"``, else None
    paper_schedule: tuple | None = None

    @property
    def m(self) -> int:
        return self.A.shape[0]

    @property
    def N(self) -> int:
        return self.A.shape[1]

    def schedule(self) -> list[float]:
        """``eps_0, ..., eps_n``: ``eps_{k+1} = eps_k / e + delta``."""
        eps = [self.eps0]
        for _ in range(self.restarts):
            eps.append(eps[-1] / math.e + self.delta)
        return eps

    def alphas(self) -> list[float]:
        r = math.sqrt(self.tau / self.sigma)
        return [r / e for e in self.schedule()[:-1]]

    # -- the fast path --------------------------------------------------------------------------------------
    def inner_block(self, y, x0):
        """``p`` primal-dual steps from ``(x0, 0)`` on data ``y``; returns the mean of ``x_1..x_p``."""
        _, Av, Atv = self._fns
        t_thr = self.tau * self.lam * (self.weights if y.ndim == 1 else self.weights[:, None])
        x, z = x0, np.zeros_like(y, dtype=np.result_type(y, x0))
        total = np.zeros_like(x0)
        for _ in range(self.inner):
            x_new = soft_threshold(x - self.tau * Atv(z), t_thr)
            w = z + self.sigma * Av(2 * x_new - x) - self.sigma * y
            nrm = np.linalg.norm(w, axis=0)
            z = w / np.maximum(nrm, 1.0)
            x = x_new
            total = total + x
        return total / self.inner

    def run(self, y, history: bool = False):
        """Float64 FIRENET output ``psi_n`` for data ``y`` (``(m,)`` or a batch ``(m, B)``)."""
        y = np.asarray(y)
        if y.shape[0] != self.m or not np.all(np.isfinite(y)):
            raise Smale18Error(f"y must be a finite array with {self.m} rows, got shape {y.shape}")
        domain = np.asarray(self._fns[2](y)).dtype  # the unknown's type: real for real-domain operators
        psi = np.zeros((self.N,) + y.shape[1:], dtype=np.result_type(domain, float))
        out = [psi]
        for alpha in self.alphas():
            psi = self.inner_block(alpha * y, alpha * psi) / alpha
            out.append(psi)
        return out if history else psi

    def run_vjp(self, y, g, dense=None) -> np.ndarray:
        """``J(y)^T g`` for the map ``y -> run(y)`` at one real measurement vector ``y`` (real data and operator), by
        reverse mode through the same iteration -- the VJP of :meth:`network` without its layers (at the kinks of the
        soft-thresholding and the projection it takes the one-sided derivative the layers' VJP takes). ``dense``, if
        given, is the operator's m x N matrix, used instead of its matvecs (faster for small operators; the caller
        vouches that it is the same map). Observed use only (attacks): a gradient, not a bound."""
        y, g = np.asarray(y, dtype=float), np.asarray(g, dtype=float)
        if y.shape != (self.m,) or g.shape != (self.N,) or not (np.all(np.isfinite(y)) and np.all(np.isfinite(g))):
            raise Smale18Error(f"y and g must be finite real vectors of lengths {self.m} and {self.N}")
        if dense is not None:
            Av, Atv = (lambda v: dense @ v), (lambda v: dense.T @ v)
        else:
            _, Av, Atv = self._fns
        tau, sigma, p = self.tau, self.sigma, self.inner
        thresholds = tau * self.lam * self.weights
        alphas = self.alphas()
        psi, tape = np.zeros(self.N), []
        for alpha in alphas:  # forward, recording what the reverse pass needs
            x, z, total, steps = alpha * psi, np.zeros(self.m), np.zeros(self.N), []
            for _ in range(p):
                u = x - tau * np.real(Atv(z))
                x_new = np.sign(u) * np.maximum(np.abs(u) - thresholds, 0.0)
                w = z + sigma * np.real(Av(2 * x_new - x)) - sigma * alpha * y
                norm_w = float(np.linalg.norm(w))
                steps.append((np.abs(u) > thresholds, w, norm_w))
                z = w / max(norm_w, 1.0)
                x = x_new
                total = total + x
            psi = total / p / alpha
            tape.append(steps)
        g_y, g_psi = np.zeros(self.m), g
        for alpha, steps in zip(reversed(alphas), reversed(tape)):
            g_mean = g_psi / (alpha * p)  # psi_{k+1} = mean(x_1..x_p) / alpha
            g_x_next, g_z, g_ya = np.zeros(self.N), np.zeros(self.m), np.zeros(self.m)
            for active, w, norm_w in reversed(steps):
                g_w = g_z if norm_w <= 1.0 else (g_z - w * (w @ g_z) / norm_w**2) / norm_w  # z = w / max(|w|, 1)
                At_gw = np.real(Atv(g_w))
                g_x = g_mean + g_x_next + 2 * sigma * At_gw  # x_k: the mean, step k+1, and w_k = ... + 2 sigma A x_k
                g_ya -= sigma * g_w
                g_u = g_x * active  # x_k = S(u_k)
                g_x_next = g_u - sigma * At_gw  # into x_{k-1}: u_k = x_{k-1} - ..., w_k = ... - sigma A x_{k-1}
                g_z = g_w - tau * np.real(Av(g_u))  # into z_{k-1}
            g_y += alpha * g_ya  # the block's data is alpha y
            g_psi = alpha * g_x_next  # the block starts from alpha psi_k
        return g_y

    # -- the explicit network -------------------------------------------------------------------------------
    def network(self) -> Network:
        """The explicit layers. State ``(x, s, z)`` of width ``2N + m``; per primal-dual step

        ``V_a: (x, s, z) -> (x - tau A^* z, s, z - sigma A x)``, ``rho_a``: soft-threshold the first block;
        ``V_b: (x_k, s, q) -> (x_k, s + x_k, q + 2 sigma A x_k - sigma alpha y)``, ``rho_b``: project the last block.

        A restart maps ``(x, s, z) -> (alpha' s / (p alpha), 0, 0)``; it is folded into the next ``V_a``.
        """
        if 4 * self.restarts * self.inner + 1 > MAX_LAYERS:
            raise Smale18Error(f"the network would have {4 * self.restarts * self.inner + 1} layers; at most "
                               f"{MAX_LAYERS} are built (use run() for the same map without layers)")
        if not isinstance(self.A, np.ndarray):
            return self._operator_network()
        A, N, m, p = self.A, self.N, self.m, self.inner
        tau, sigma = self.tau, self.sigma
        I_N, I_m = np.eye(N), np.eye(m)
        Z = np.zeros
        Ah = A.conj().T
        dtype = np.result_type(A, float)
        # V_a as a map of the state (x, s, z)
        Va = np.block([[I_N, Z((N, N)), -tau * Ah], [Z((N, N)), I_N, Z((N, m))], [-sigma * A, Z((m, N)), I_m]]).astype(dtype)
        Vb = np.block([[I_N, Z((N, N)), Z((N, m))], [I_N, I_N, Z((N, m))], [2 * sigma * A, Z((m, N)), I_m]]).astype(dtype)
        thresholds = np.concatenate([tau * self.lam * self.weights, np.zeros(N + m)])
        soft = SoftThreshold(thresholds)
        proj = BallProjection(2 * N, 2 * N + m, 1.0)
        layers = []
        alphas = self.alphas()
        # restart map: state -> (scale * s, 0, 0)
        def restart(scale):
            return np.block([[Z((N, N)), scale * I_N, Z((N, m))], [Z((N + m, 2 * N + m))]]).astype(dtype)

        for k, alpha in enumerate(alphas):
            Ry = np.vstack([Z((2 * N, m)), -sigma * alpha * I_m]).astype(dtype)
            for step in range(p):
                if k == 0 and step == 0:
                    # psi_0 = 0: the state (0, 0, 0), so V_a is the zero map of y; give it the input width
                    layers.append(Affine(R=Z((2 * N + m, m), dtype=dtype)))
                elif step == 0:
                    layers.append(Affine(W=Va @ restart(alpha / (p * alphas[k - 1]))))
                else:
                    layers.append(Affine(W=Va))
                layers.append(soft)
                layers.append(Affine(W=Vb, R=Ry))
                layers.append(proj)
        layers.append(Affine(W=np.hstack([Z((N, N)), I_N / (p * alphas[-1]), Z((N, m))]).astype(dtype)))
        return Network(m, tuple(layers))


    def layer_norm_bounds(self, net: Network) -> dict:
        """Bounds ``{id(matrix or operator): bound}`` for the affine maps of ``self.network()`` of a FIRENET of a
        *linear operator* (proofs_notes/stability.md): ``||V_a|| <= 1 + max(tau, sigma) L_A``, ``||V_b|| <= 1 +
        sqrt(1 + 4 sigma^2 L_A^2)``, a restart folded into ``V_a`` ``<= c sqrt(1 + sigma^2 L_A^2)`` with ``c`` the
        float64 scale the layer applies, the skip ``R = c' (0, 0, I)`` exactly ``|c'|`` (read from R), the output map
        exactly its float64 scale. The operator maps are the exact maps with the float64 parameters ``tau, sigma, c``.
        Certified when ``L_A`` is (``L_A_source`` not "supplied"); otherwise valid under the caller's hypothesis
        ``L_A >= ||A||_2``. A dense FIRENET is refused: its layers are dense float64 matrices, which
        :func:`smale18.verify.stability.lipschitz_upper` bounds itself in ball arithmetic."""
        from smale18.oracle import _arb

        if isinstance(self.A, np.ndarray):
            raise Smale18Error("layer_norm_bounds is for a FIRENET of a linear operator; the dense layers of this one "
                               "are bounded by smale18.verify.stability.lipschitz_upper itself")
        affine = [layer for layer in net.layers if isinstance(layer, Affine)] if isinstance(net, Network) else []
        if not affine or net.m != self.m or len(affine) != 2 * self.restarts * self.inner + 1 \
                or any(isinstance(layer.W, np.ndarray) for layer in affine):
            raise Smale18Error("net must be this FIRENET's network()")
        tau, sigma, L = Fraction(self.tau), Fraction(self.sigma), self.L_A
        p, N = self.inner, self.N

        def sqrt_up(v):
            return _arb.sqrt_bounds(v, v, 64)[1]

        Va = 1 + max(tau, sigma) * L
        Vb = 1 + sqrt_up(1 + 4 * sigma * sigma * L * L)
        alphas = self.alphas()  # float64, exactly as the layers use them
        out = {}
        k = step = 0
        for i, layer in enumerate(affine[:-1]):
            if i % 2 == 0:  # V_a (possibly with the restart folded in), or the zero first layer
                if layer.W is None:
                    out[id(layer.R)] = Fraction(0)
                elif step == 0:
                    scale = Fraction(abs(alphas[k] / (p * alphas[k - 1])))  # the float the restart layer applies
                    out[id(layer.W)] = scale * sqrt_up(1 + sigma * sigma * L * L)
                else:
                    out[id(layer.W)] = Va
            else:
                out[id(layer.W)] = Vb
                R = np.asarray(layer.R)
                if np.count_nonzero(R[:2 * N]) or np.count_nonzero(R[2 * N:] - np.diag(np.diag(R[2 * N:]))) \
                        or len(set(np.abs(np.diag(R[2 * N:])).tolist())) != 1:
                    raise Smale18Error("net must be this FIRENET's network(): a skip matrix is not c (0, 0, I)")
                out[id(layer.R)] = Fraction(float(abs(R[2 * N, 0])))  # ||c (0, 0, I)|| = |c|, exactly
                step += 1
                if step == p:
                    k, step = k + 1, 0
        out[id(affine[-1].W)] = Fraction(abs(1 / (p * alphas[-1])))  # the float the output layer applies
        return out

    def _operator_network(self) -> Network:
        """The same layers with the affine maps as linear operators (for fast A: no dense weights are formed)."""
        import scipy.sparse.linalg as sla

        _, Av, Atv = self._fns
        N, m, p = self.N, self.m, self.inner
        tau, sigma = self.tau, self.sigma
        d = 2 * N + m
        dtype = np.result_type(getattr(self.A, "dtype", float), float)

        def split(X):
            return X[:N], X[N:2 * N], X[2 * N:]

        def operator(fwd, adj, rows=d):
            def mm(X):
                return fwd(*split(X if X.ndim == 2 else X[:, None]))

            def rmm(G):
                return adj(G if G.ndim == 2 else G[:, None])

            return sla.LinearOperator((rows, d), matvec=lambda v: mm(v)[:, 0], rmatvec=lambda g: rmm(g)[:, 0],
                                      matmat=mm, rmatmat=rmm, dtype=dtype)

        Va = operator(lambda x, s, z: np.vstack([x - tau * Atv(z), s, z - sigma * Av(x)]),
                      lambda G: np.vstack([G[:N] - sigma * Atv(G[2 * N:]), G[N:2 * N], G[2 * N:] - tau * Av(G[:N])]))
        Vb = operator(lambda x, s, q: np.vstack([x, s + x, q + 2 * sigma * Av(x)]),
                      lambda G: np.vstack([G[:N] + G[N:2 * N] + 2 * sigma * Atv(G[2 * N:]), G[N:2 * N], G[2 * N:]]))

        def restart_then_Va(scale):
            zero_N = lambda X: np.zeros((N, X.shape[1]), dtype=np.result_type(X, dtype))  # noqa: E731
            return operator(lambda x, s, z: np.vstack([scale * s, zero_N(s), -sigma * scale * Av(s)]),
                            lambda G: np.vstack([zero_N(G), scale * G[:N] - sigma * scale * Atv(G[2 * N:]),
                                                 np.zeros((m, G.shape[1]), dtype=np.result_type(G, dtype))]))

        soft = SoftThreshold(np.concatenate([tau * self.lam * self.weights, np.zeros(N + m)]))
        proj = BallProjection(2 * N, 2 * N + m, 1.0)
        layers, alphas = [], self.alphas()
        for k, alpha in enumerate(alphas):
            Ry = np.vstack([np.zeros((2 * N, m)), -sigma * alpha * np.eye(m)]).astype(dtype)
            for step in range(p):
                if k == 0 and step == 0:
                    layers.append(Affine(R=np.zeros((d, m), dtype=dtype)))
                elif step == 0:
                    layers.append(Affine(W=restart_then_Va(alpha / (p * alphas[k - 1]))))
                else:
                    layers.append(Affine(W=Va))
                layers.append(soft)
                layers.append(Affine(W=Vb, R=Ry))
                layers.append(proj)
        scale = 1 / (p * alphas[-1])
        final = operator(lambda x, s, z: scale * s,
                         lambda G: np.vstack([np.zeros_like(G), scale * G, np.zeros((m, G.shape[1]), dtype=G.dtype)]),
                         rows=N)
        layers.append(Affine(W=final))
        return Network(m, tuple(layers))




def firenet(
    A,
    lam=1.0,
    weights=None,
    restarts: int = 20,
    inner: int = 20,
    eps0: float = 1.0,
    delta: float = 1e-12,
    tau: float | None = None,
    sigma: float | None = None,
    L_A: Fraction | None = None,
    schedule: str = "smale18",
    schedule_norm: float | None = None,
) -> Firenet:
    """Build a FIRENET for ``A`` (dense array or linear operator), enforcing ``tau sigma ||A||^2 < 1``.

    ``schedule`` says how ``eps0`` and ``delta`` are read (``proofs_notes/firenet.md``, "Two parametrisations"):
    ``"smale18"`` (default) as in the module docstring, ``alpha_k = sqrt(tau/sigma)/eps_k`` with ``eps_0 = eps0``;
    ``"paper"`` as in the paper and its reference code, ``eps_k = (eps_{k-1} + delta)/e`` updated *before* use and
    ``alpha_k = 2 L/(p eps_k)`` with ``L = schedule_norm`` (any positive number, e.g. the reference code's float
    ``np.linalg.norm(A, 2)``) or, if it is omitted, the net's ``L_A``. A paper schedule is converted exactly (up to
    float64 rounding of the two numbers) to ``eps0' = sqrt(tau/sigma) p (eps0 + delta)/(2 e L)``,
    ``delta' = sqrt(tau/sigma) p delta/(2 e L)``, which give the same ``alpha_k``; the Firenet stores the converted
    pair and records the given one in ``paper_schedule``.

    ``L_A >= ||A||_2``: computed with :func:`smale18.verify.balls.operator_norm_upper` (``method="float"``: float64
    with proven rounding-error bounds, falling back to ball arithmetic) when not given; a given ``L_A`` (a rational:
    int, float, Fraction or ``"p/q"``) is *proven* to bound the norm of a dense ``A`` (float64 with proven bounds, then
    ball arithmetic: ``proofs_notes/firenet_bound.md``, Lemma 4) and refused if that fails; for a linear operator it
    cannot be checked and is recorded as ``L_A_source = "supplied"`` (the caller's hypothesis). Then
    ``tau sigma L_A^2 < 1`` is checked in exact rationals. Default steps ``tau = sigma = (1 - 2^-20)/L_A``. Dense
    matrices for which a norm bound is derived or checked need ``min(m, N) <= 512``.

    >>> net = firenet(np.array([[1.0, 0.0], [0.0, 2.0]]), lam=0.5, restarts=3, inner=5)
    >>> len(net.network()) == 4 * 3 * 5 + 1, net.network().widths[:3]
    (True, [2, 6, 6])
    >>> firenet(np.eye(2), tau=1.0, sigma=1.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: tau*sigma*L_A^2 = ... >= 1 with L_A = ... an upper bound on ||A||_2: choose tau = sigma < 1/L_A
    >>> firenet(np.eye(2), L_A=0.5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: L_A=0.5 is not proven to be >= ||A||_2 ...

    The paper's schedule gives the same step scales ``alpha_k = 2 L/(p eps_k)``:

    >>> net = firenet(np.eye(2), restarts=3, inner=5, eps0=0.9, delta=1e-6, schedule="paper", schedule_norm=1.0)
    >>> eps, alphas = 0.9, []
    >>> for _ in range(3):
    ...     eps = (eps + 1e-6) / math.e
    ...     alphas.append(2 * 1.0 / (5 * eps))
    >>> bool(np.allclose(net.alphas(), alphas, rtol=1e-14, atol=0)), net.paper_schedule
    (True, (0.9, 1e-06, 1.0))
    """
    _op(A)
    params = _validated(A, lam, weights, restarts, inner, eps0, delta)  # cheap checks before any norm computation
    if not isinstance(schedule, str) or schedule not in ("smale18", "paper"):
        raise Smale18Error(f"schedule={short_repr(schedule)} must be 'smale18' or 'paper'")
    if schedule_norm is not None:
        if schedule != "paper":
            raise Smale18Error("schedule_norm is the L of the paper's schedule: give it only with schedule='paper'")
        schedule_norm = _positive(schedule_norm, "schedule_norm")
    if L_A is None:
        _check_norm_side(A)
        L, source = (operator_norm_upper(A, method="float"),
                     "derived" if isinstance(A, np.ndarray) else "operator-columns")
    else:
        L = exact_rational(L_A, "L_A")
        if L <= 0:
            raise Smale18Error(f"L_A={short_repr(L_A)} must be positive")
        if isinstance(A, np.ndarray):
            _check_norm_side(A)
            if not norm_bound_is_proven(A, L):
                raise Smale18Error(f"L_A={short_repr(L_A)} is not proven to be >= ||A||_2 (a certified upper bound is "
                                   f"{float(operator_norm_upper(A)):.6g}); omit L_A to use a derived bound")
            source = "checked"
        else:
            source = "supplied"
    net = _assemble(A, *params, tau, sigma, L, source)
    if schedule == "paper":
        net = _from_paper_schedule(net, float(L) if schedule_norm is None else schedule_norm)
    return net


def _from_paper_schedule(net: Firenet, L: float) -> Firenet:
    """The same net with the paper's ``(eps0, delta)`` (as given to it) converted to ours; see :func:`firenet`."""
    scale = math.sqrt(net.tau / net.sigma) * net.inner / (2 * math.e * L)
    eps0, delta = scale * (net.eps0 + net.delta), scale * net.delta
    if not (math.isfinite(eps0) and eps0 > 0 and math.isfinite(delta)):
        raise Smale18Error(f"the paper's schedule eps0={net.eps0!r}, delta={net.delta!r} with L={L!r} converts to "
                           f"eps0={eps0!r}, delta={delta!r}, outside the float64 range")
    return replace(net, eps0=eps0, delta=delta, paper_schedule=(net.eps0, net.delta, L))


MAX_RESTARTS = 10_000
MAX_INNER = 1_000_000
MAX_LAYERS = 1_000_000


def _check_norm_side(A) -> None:
    if min(A.shape) > MAX_NORM_SIDE:
        raise Smale18Error(f"A has shape {A.shape}: a norm bound is derived or checked here only for min(m, N) <= "
                           f"{MAX_NORM_SIDE}; pass a linear operator together with an L_A you have proven")


def _validated(A, lam, weights, restarts, inner, eps0, delta) -> tuple:
    """``(lam, weights, restarts, inner, eps0, delta)`` checked (Smale18Error naming the argument otherwise)."""
    N = A.shape[1]
    lam = _positive(lam, "lam")
    try:
        w = np.ones(N) if weights is None else np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise Smale18Error(f"weights must be {N} positive finite numbers") from None
    if w.shape != (N,) or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise Smale18Error(f"weights must be {N} positive finite numbers")
    for name, v, hi in (("restarts", restarts, MAX_RESTARTS), ("inner", inner, MAX_INNER)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or not 1 <= v <= hi:
            raise Smale18Error(f"{name}={short_repr(v)} must be a positive integer (at most {hi})")
    eps0 = _positive(eps0, "eps0")
    if isinstance(delta, (bool, np.bool_)) or not (isinstance(delta, (int, float, np.integer, np.floating))
                                                   and np.isfinite(delta) and delta >= 0):
        raise Smale18Error(f"delta={short_repr(delta)} must be a non-negative finite number")
    return lam, w, int(restarts), int(inner), eps0, float(delta)


def _assemble(A, lam, w, restarts, inner, eps0, delta, tau, sigma, L: Fraction, source: str) -> Firenet:
    """Build the Firenet from validated parameters and a bound ``L`` whose origin ``source`` the caller states."""
    _, Av, Atv = _op(A)
    if L <= 0:
        raise Smale18Error("A is zero; FIRENET needs a non-zero operator")
    step = float((1 - Fraction(1, 2**20)) / L)
    tau = step if tau is None else _positive(tau, "tau")
    sigma = step if sigma is None else _positive(sigma, "sigma")
    product = Fraction(tau) * Fraction(sigma) * L * L
    if product >= 1:
        raise Smale18Error(
            f"tau*sigma*L_A^2 = {float(product):.7f} >= 1 with L_A = {float(L):.6f} an upper bound on "
            f"||A||_2: choose tau = sigma < 1/L_A"
        )
    return Firenet(A, lam, w, restarts, inner, eps0, delta, tau, sigma, L, (A, Av, Atv), source)
