"""The audit's jobs: independent functions of plain arguments that return plain JSON records (picklable both ways),
so that a local process pool and a Dask cluster run exactly the same work and give exactly the same records.

A record: ``test`` (a name), ``section`` ("solver", "reconstruction"), ``verdict``, ``status`` ("certified": checked
in exact/ball arithmetic from the evidence; "observed": measured; "rule": a judged loss by the game's rules),
``summary`` (one sentence), ``numbers`` (exact values as strings), ``evidence`` (``{"file": name, "content": ...}``,
written next to the card) and ``command`` (what reproduces it). Candidates run sealed (:func:`smale18.oracle.adversary
.play`); a user's network file is only parsed (ONNX) or, for a torch module, run in the job's worker process, and then
every number it gives is observed.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction

__all__ = ["solver_game", "onnx_lipschitz", "network_attack"]


def _candidate(spec: str, omega):
    from smale18.oracle.candidates import builtin

    return builtin(spec.split(":", 1)[1], omega) if spec.startswith("builtin:") else spec


def solver_game(spec: str, problem: str, K: int, seed: int, adversary_seed: int, trials: int,
                time_limit: float) -> dict:
    """The barrier game on Omega_K for ``problem`` against the candidate ``spec`` (sealed; randomised candidates
    over ``trials`` trials). The verdict is certified (a distance enclosed in ball arithmetic), a judged loss by rule,
    or, for randomised candidates, counts compared exactly with the theorem's bound."""
    from smale18.oracle import format_bound
    from smale18.oracle.adversary import Outcome, play
    from smale18.oracle.constructions import Smale18Class

    omega = Smale18Class(problem, K)
    result = play(_candidate(spec, omega), omega, trials=trials, seed=seed, adversary_seed=adversary_seed,
                  time_limit=time_limit, workers=1)
    name = f"game-{problem}-K{K}.json"
    record = {"test": f"barrier game {problem}, K = {K}", "section": "solver", "problem": problem, "K": K,
              "verdict": str(result.outcome), "evidence": {"file": name, "content": result.to_json()},
              "command": f"smale18 replay {name} --candidate {spec}"}
    if hasattr(result, "successes"):  # randomised
        record.update(status="observed", numbers={"trials": result.trials, "successes": result.successes,
                                                   "cp_lower": result.cp_lower, "eta_upper": result.eta_upper,
                                                   "bound": str(result.bound)},
                      summary=f"randomised over {result.trials} trials: success rate {result.successes}/"
                              f"{result.trials}, Clopper-Pearson lower {result.cp_lower:.3f} against the theorem's "
                              f"1/2 + eta (eta <= {result.eta_upper:.3f}): {result.outcome}",
                      command=f"smale18 game smale18-{problem.lower()} --K {K} --candidate {spec} --trials {trials} "
                              f"--seed {seed} --adversary-seed {adversary_seed}")
        return record
    if result.distance is not None:
        defeated = result.outcome is Outcome.DEFEATED
        shown = (f">= {format_bound(result.distance.lower, 'down', 4)} >" if defeated
                 else f"<= {format_bound(result.distance.upper, 'up', 4)} <=")
        record.update(status="certified", numbers={"distance_lower": str(result.distance.lower),
                                                    "distance_upper": str(result.distance.upper),
                                                    "accuracy": str(result.accuracy),
                                                    "deepest_query": result.log.deepest},
                      summary=f"read up to n = {result.log.deepest}; dist(output, minimisers) {shown} "
                              f"10^-{result.digits}")
    else:
        record.update(status="rule", numbers={"deepest_query": result.log.deepest},
                      summary=f"no valid output: {result.reason}")
    if result.tail:  # the candidate's last output (e.g. its traceback), as the game reports it
        record["tail"] = "\n".join(result.tail.rstrip().splitlines()[-8:])
    return record


def _sha256(path: str) -> str:
    """SHA-256 of the network file, read as from_onnx reads it (a regular file, at most its size limit)."""
    from smale18.oracle._files import read_regular_file
    from smale18.verify.nets import MAX_FILE_BYTES

    return hashlib.sha256(read_regular_file(path, MAX_FILE_BYTES, "ONNX file")).hexdigest()


def onnx_lipschitz(path: str) -> dict:
    """A certified upper bound on the Lipschitz constant of the network stored in the ONNX file ``path`` (its layers
    read by :func:`smale18.verify.nets.from_onnx`, the bound by :func:`smale18.verify.stability.lipschitz_upper`)."""
    from smale18.oracle import format_bound
    from smale18.verify.nets import from_onnx
    from smale18.verify.stability import lipschitz_upper

    net = from_onnx(path)
    bound = lipschitz_upper(net)
    return {"test": "Lipschitz bound", "section": "reconstruction", "verdict": "bounded", "status": "certified",
            "numbers": {"lipschitz_upper": str(bound), "layers": len(net.layers)},
            "summary": f"||f(y1) - f(y2)|| <= {format_bound(bound, 'up', 4)} ||y1 - y2|| for every pair of inputs "
                       f"({len(net.layers)} layers, norms in ball arithmetic)",
            "evidence": {"file": "lipschitz.json", "content": {"onnx_sha256": _sha256(path), "bound": str(bound)}},
            "command": f"python -c \"from smale18.verify.nets import from_onnx; from smale18.verify.stability import "
                       f"lipschitz_upper; print(lipschitz_upper(from_onnx('{path}')))\""}


def network_attack(source: str, radii: tuple, seed: int, steps: int, samples: int) -> dict:
    """The worst-case perturbation attack on the network (an ONNX file, or ``file.py:name`` of a torch module) at
    Gaussian inputs (seeded); observed lower bounds on the worst case, per radius."""
    import numpy as np

    from smale18.verify.attacks import attack

    if source.endswith(".onnx"):
        from smale18.verify.nets import from_onnx

        model = from_onnx(source)
        m = model.m
    else:
        from smale18.oracle.candidates import load_candidate

        model = load_candidate(source)
        m = next(model.parameters()).shape[-1]
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((samples, m))
    report = attack(model, inputs, radii, steps=steps, seed=seed)
    amp = np.asarray(report.amplification)
    worst = [float(a) for a in amp.max(axis=1)]
    return {"test": "worst-case perturbation", "section": "reconstruction", "verdict": "attacked", "status": "observed",
            "numbers": {"radii": list(radii), "worst_amplification": worst},
            "summary": "largest amplification ||f(y+e) - f(y)|| / ||e|| found per radius: "
                       + ", ".join(f"{r:g}: {a:.4g}" for r, a in zip(radii, worst)) + f" ({report.gradients})",
            "evidence": {"file": "attack.json", "content": {
                "inputs": inputs.tolist(), "radii": list(radii),
                "perturbations": np.asarray(report.perturbations).tolist(),
                "outputs": np.asarray(report.outputs).tolist(),
                "clean_outputs": np.asarray(report.clean_outputs).tolist(), "worst_amplification": worst}},
            "command": f"smale18 audit {source} --kind reconstruction --seed {seed}"}


#: the accuracy test's instances: m x N Gaussian matrices (certified rNSP of order ACCURACY_SPARSITY), noise level
ACCURACY_SHAPE, ACCURACY_SPARSITY, ACCURACY_NOISE, ACCURACY_RESTARTS = (30, 60), 1, 1e-3, 8


def solver_accuracy(spec: str, seed: int, instances: int, time_limit: float) -> dict:
    """The candidate's error on instances where the truth is known and FIRENET's error is *proven*: seeded Gaussian
    ``A`` whose weighted rNSP constants are certified (:func:`smale18.verify.rnsp.certify`, checked in ball
    arithmetic), an s-sparse ``x``, ``y = Ax + e``. The candidate (sealed, told "P3" with Theorem 2's ``lam``) reads
    ``A``, ``y`` through the oracle; its error ``||x_c - x||`` is observed, beside the certified bound ``eps_k`` that
    Theorem 2 proves for FIRENET after ``ACCURACY_RESTARTS`` restarts on the same instance."""
    import numpy as np

    from smale18.oracle import ProblemSpec, as_exact
    from smale18.oracle.sealed import Limits, Run, open_host
    from smale18.verify.bounds import theorem2_run
    from smale18.verify.rnsp import certify

    rng = np.random.default_rng([seed, 15])
    m, N = ACCURACY_SHAPE
    A = rng.standard_normal((m, N)) / np.sqrt(m)
    cert = certify(A, ACCURACY_SPARSITY)
    if not cert.check().valid:
        return {"test": "accuracy on certified instances", "section": "solver", "verdict": "not run",
                "status": "observed", "numbers": {}, "evidence": None, "command": "",
                "summary": "the drawn matrix's rNSP could not be certified, so no provable error to compare with"}
    A_exact = as_exact(A)
    rows, runs = [], []
    for _ in range(instances):
        x = np.zeros(N)
        x[rng.choice(N, ACCURACY_SPARSITY, replace=False)] = rng.choice([-1.0, 1.0], ACCURACY_SPARSITY) * 2.0
        y = A @ x + ACCURACY_NOISE * rng.standard_normal(m) / np.sqrt(m)
        g, errors, _ = theorem2_run(cert, x, y, ACCURACY_RESTARTS)
        y_exact = as_exact(y)
        problem = ProblemSpec("P3", lam=g.lam).to_json()
        runs.append(Run.inexact(lambda kind, n, A_=A_exact, y_=y_exact: (A_ if kind == "A" else y_).approx(n),
                                (m, N), problem=problem))
        rows.append({"x": x.tolist(), "y": y.tolist(), "lam": str(g.lam), "firenet_bound": str(g.eps[-1]),
                     "firenet_error": float(errors[-1])})
    with open_host(spec, Limits(wall_seconds=time_limit)) as host:
        outcomes = host.run(runs)
    reached = 0
    for row, out in zip(rows, outcomes):
        if out.error is None and out.value is not None:
            value = np.asarray(out.value if isinstance(out.value, np.ndarray) else out.value.rounded_float64(), float)
            row["output"] = value.tolist()
            row["error"] = float(np.linalg.norm(value - np.asarray(row["x"])))
            reached += Fraction(row["error"]) <= Fraction(row["firenet_bound"])  # decided exactly
        else:
            row["output"], row["error"], row["failure"] = None, None, out.error
    errs = [r["error"] for r in rows if r["error"] is not None]
    worst_bound = float(max(Fraction(r["firenet_bound"]) for r in rows))
    return {"test": "accuracy on certified instances", "section": "solver", "status": "observed",
            "verdict": f"within FIRENET's proven error on {reached}/{instances}",
            "numbers": {"instances": instances, "reached": reached, "shape": [m, N],
                        "errors": errs, "firenet_bounds": [r["firenet_bound"] for r in rows]},
            "summary": f"{m}x{N} Gaussian matrices with certified rNSP (s = {ACCURACY_SPARSITY}), {instances} "
                       f"signals: the candidate's error (observed) "
                       + (f"{min(errs):.3g}..{max(errs):.3g}" if errs else "-")
                       + f" against the error Theorem 2 proves for FIRENET after {ACCURACY_RESTARTS} restarts "
                       f"(certified <= {worst_bound:.3g}); reached on {reached}/{instances}",
            "evidence": {"file": "accuracy.json", "content": {"certificate": cert.to_json(), "rows": rows,
                                                               "restarts": ACCURACY_RESTARTS}},
            "command": f"smale18 audit {spec} --seed {seed}"}


def _relu_net(network):
    """A smale18 layer network ``Affine(R=W1, c=b1), ReLU, Affine(W=W2, c=b2), ReLU, ..., Affine`` as a ReLUNet."""
    from smale18.oracle import Smale18Error
    from smale18.oracle.constructions.classification import ReLUNet
    from smale18.verify.nets import Affine, ReLU

    layers, pairs = list(network.layers), []
    for i, layer in enumerate(layers):
        want_affine = i % 2 == 0
        if want_affine != isinstance(layer, Affine) or (not want_affine and not isinstance(layer, ReLU)):
            raise Smale18Error("a classifier must alternate affine and ReLU layers, ending with an affine layer")
        if want_affine:
            W = layer.R if i == 0 else layer.W
            if W is None or (i == 0 and layer.W is not None) or (i > 0 and layer.R is not None):
                raise Smale18Error(f"layers[{i}] is not a plain affine map of the previous layer")
            import numpy as np

            c = np.zeros(W.shape[0]) if layer.c is None else layer.c
            pairs.append((W, c))
    if len(layers) % 2 == 0:
        raise Smale18Error("a classifier must end with an affine layer")
    return ReLUNet(tuple(pairs))


def classifier_witnesses(path: str, K: int, seed: int) -> dict:
    """The classification paradox's witnesses for a ReLU classifier of the plane stored as ONNX (2 inputs, 1 output,
    label ``[output > 1/2]``): the stripe family with ``K`` stripes, each misclassified witness point confirmed by
    exact rational evaluation, against the number the counting lemma forces on every network of these widths."""
    from smale18.oracle.constructions.classification import StripeFamily, witnesses
    from smale18.verify.nets import from_onnx

    net = _relu_net(from_onnx(path))
    family = StripeFamily(K=K)
    X, _ = family.sample(3, seed=seed)
    report = witnesses(net, family, X)
    return {"test": "classification witnesses", "section": "classifier", "status": "certified",
            "verdict": f"{report.count} of {report.n} witness points misclassified",
            "numbers": {"flipped": report.count, "n": report.n, "guaranteed": report.guaranteed, "P": report.P,
                        "K": K, "widths": list(net.hidden_widths)},
            "summary": f"on the stripe family with K = {K}: {report.count} of {report.n} witness points misclassified, "
                       f"each confirmed in exact arithmetic; the counting lemma forces >= {report.guaranteed} on "
                       f"every ReLU network of widths {list(net.hidden_widths)} (pieces <= {report.P})",
            "evidence": {"file": "witnesses.json", "content": {"onnx_sha256": _sha256(path), "K": K, "seed": seed,
                                                                "points": [list(p) for p in report.points]}},
            "command": f"smale18 audit {path} --kind classifier --seed {seed}"}


def learner_game(spec: str, problem: str, K: int, M: int, trials: int, seed: int, adversary_seed: int,
                 time_limit: float) -> dict:
    """The training-set game of part (ii) against a learner ``learner(train)`` (sealed): the adversary wins a trial
    when the learner misses ``10^-(K-1)`` or reads more than ``M``; the theorem says it wins with probability at least
    ``(N1 - 1)/N1 - eta``, and the counts are compared with that exactly."""
    from smale18.oracle.training_game import play_training, training_class

    omega = training_class(problem, K)
    result = play_training(spec, omega, M=M, trials=trials, seed=seed, adversary_seed=adversary_seed,
                           time_limit=time_limit, workers=1)
    name = f"training-{problem}-K{K}.json"
    return {"test": f"training-set game {problem}, K = {K}, M = {M}", "section": "learner", "status": "observed",
            "verdict": str(result.outcome),
            "numbers": {"trials": result.trials, "adversary_wins": result.adversary_wins, "misses": result.misses,
                        "read_more": result.read_more, "bound": str(result.bound)},
            "summary": f"over {result.trials} trials the learner missed 10^-{K - 1} or read more than M = {M} in "
                       f"{result.adversary_wins} (missed {result.misses}, read more {result.read_more}); the theorem "
                       f"forces >= {result.bound} - eta (eta <= {result.eta_upper:.3f}): {result.outcome}",
            "evidence": {"file": name, "content": result.to_json()},
            "command": f"smale18 audit {spec} --kind learner --seed {seed}"}
