"""Re-derive an audit card's verdicts from its evidence files alone (no candidate is run again).

- a deterministic game: the committed member is read from the case file (:func:`smale18.oracle.adversary.read_case`,
  schema and checks), the recorded output is decoded exactly, its distance to the member's minimiser set is enclosed
  again in ball arithmetic (the judge's precision) and compared with ``10^-digits``; a game without an output must be
  a loss by rule;
- a randomised game: the recorded counts' Clopper–Pearson bounds are recomputed and compared exactly with
  ``1/2 + eta`` (:func:`smale18.oracle.adversary.at_most_with_slack`);
- a Lipschitz bound: recomputed from the ONNX file (whose SHA-256 must match);
- an attack: each amplification recomputed from the stored inputs' outputs and perturbations (observed numbers, so
  this checks their consistency, not the model).
"""

from __future__ import annotations

import os
import re
from fractions import Fraction

import numpy as np

__all__ = ["recheck_folder"]


def _game(content: dict, recorded: str) -> tuple[bool, str]:
    from smale18.oracle.adversary import _clopper_pearson, _verdict, at_most_with_slack, judge_prec_bits, read_case
    from smale18.oracle.dyadic import DyadicArray

    if content.get("kind") == "smale18-training-game":
        from smale18.oracle.adversary import at_least_with_slack

        trials, wins = int(content["trials"]), int(content["adversary_wins"])
        _, cp_upper = _clopper_pearson(wins, trials)
        eta_upper = _clopper_pearson(round(float(content["eta_hat"]) * trials), trials)[1]
        defeated = at_least_with_slack(cp_upper, Fraction(content["theorem_bound"]), eta_upper)
        verdict = "defeated" if defeated else "not defeated"
        return verdict == recorded, f"adversary won {wins}/{trials}; Clopper-Pearson upper {cp_upper:.4f}: {verdict}"
    if content.get("kind") == "smale18-randomised-game":
        trials = int(content["trials"])
        counted = int(content["successes"]) + int(content["undecided"])  # undecided trials count as successes
        differed = round(float(content["eta_hat"]) * trials)
        cp_lower, _ = _clopper_pearson(counted, trials)
        eta_upper = _clopper_pearson(differed, trials)[1]
        defeated = at_most_with_slack(cp_lower, Fraction(content["theorem_bound"]), eta_upper)
        verdict = "defeated" if defeated else "not defeated"
        return verdict == recorded, (f"{counted}/{trials} successes, Clopper-Pearson lower {cp_lower:.4f} against "
                                     f"1/2 + eta (<= {eta_upper:.4f}): {verdict}")
    case = read_case(content)
    if content.get("output") is None:
        return recorded == "defeated", "no output: a loss by rule"
    output = DyadicArray.from_json(content["output"])
    distance = case.member.distance(output, judge_prec_bits(case.digits))
    outcome, why = _verdict(distance, Fraction(1, 10**case.digits), case.digits)
    return str(outcome) == recorded, why


def _accuracy(content: dict, record: dict) -> tuple[bool, str]:
    """The certificate re-checked from its witness, each FIRENET bound re-derived by Theorem 2 from it and the
    stored ``(x, y)``, each error recomputed from the stored output, and the count compared exactly."""
    from smale18.verify.bounds import theorem2_run
    from smale18.verify.certificates import Certificate

    cert = Certificate.from_json(content["certificate"])
    if not cert.check().valid:
        return False, "the stored certificate does not check"
    reached = 0
    for row in content["rows"]:
        g = theorem2_run(cert, np.asarray(row["x"]), np.asarray(row["y"]), int(content["restarts"])).guarantee
        if str(g.eps[-1]) != row["firenet_bound"]:
            return False, "a FIRENET bound does not follow from the certificate"
        if row["output"] is not None:
            error = float(np.linalg.norm(np.asarray(row["output"]) - np.asarray(row["x"])))
            if error != row["error"]:
                return False, "an error does not follow from the stored output"
            reached += Fraction(error) <= Fraction(row["firenet_bound"])
    return reached == record["numbers"]["reached"], (f"certificate re-checked, {len(content['rows'])} bounds "
                                                     f"re-derived (Theorem 2), reached on {reached}")


#: the largest card or evidence file read back (a card's evidence is a few MB at most)
MAX_EVIDENCE_BYTES = 64 << 20


def _read_json(out: str, name, what: str):
    """A JSON file of the card's folder: a plain file name (no path), a regular file of at most MAX_EVIDENCE_BYTES,
    strict JSON (no NaN, no duplicate keys, bounded nesting)."""
    from smale18.oracle import Smale18Error
    from smale18.oracle._files import read_regular_file
    from smale18.oracle._strict_json import loads_strict

    if not isinstance(name, str) or re.fullmatch(r"[A-Za-z0-9_.-]{1,128}\.json", name) is None:
        raise Smale18Error(f"{what}: {name!r} is not a file name of the card's folder")
    data = read_regular_file(os.path.join(out, name), MAX_EVIDENCE_BYTES, what)
    try:
        return loads_strict(data.decode("utf-8"), what, 64)
    except UnicodeDecodeError:
        raise Smale18Error(f"{what} {name!r} is not a text (JSON) file") from None


def recheck_folder(out: str) -> list[tuple[str, bool, str]]:
    """``(test, agrees, what was re-derived)`` for every record of ``out/card.json`` that ran."""
    card = _read_json(out, "card.json", "audit card")
    checks = []
    for r in card["records"]:
        if r is None or not r.get("evidence_file"):
            continue
        content = _read_json(out, r["evidence_file"], "evidence file")
        if r["test"] == "accuracy on certified instances":
            ok, why = _accuracy(content, r)
        elif r["section"] in ("solver", "learner"):
            ok, why = _game(content, r["verdict"])
        elif r["test"] == "classification witnesses":
            from smale18.oracle.constructions.classification import StripeFamily, witnesses
            from smale18.verify.nets import from_onnx

            from ._jobs import _relu_net

            family = StripeFamily(K=int(content["K"]))
            X, _ = family.sample(3, seed=int(content["seed"]))
            report = witnesses(_relu_net(from_onnx(card["subject"])), family, X)
            ok = [list(p) for p in report.points] == content["points"] and report.count == r["numbers"]["flipped"]
            why = f"{report.count} flips re-confirmed in exact arithmetic"
        elif r["test"] == "Lipschitz bound":
            from smale18.verify.nets import from_onnx
            from smale18.verify.stability import lipschitz_upper

            from ._jobs import _sha256

            path = card["subject"]
            same_file = _sha256(path) == content["onnx_sha256"]
            bound = lipschitz_upper(from_onnx(path))
            ok, why = same_file and str(bound) == content["bound"], f"recomputed bound {float(bound):.6g}"
        else:  # attack
            inputs, outputs = np.asarray(content["perturbations"]), np.asarray(content["outputs"])
            clean = np.asarray(content["clean_outputs"])
            change = np.linalg.norm((outputs - clean[None]).reshape(outputs.shape[0], outputs.shape[1], -1), axis=2)
            norms = np.linalg.norm(inputs.reshape(inputs.shape[0], inputs.shape[1], -1), axis=2)
            worst = (change / norms).max(axis=1)
            ok = bool(np.allclose(worst, content["worst_amplification"], rtol=1e-12))
            why = "amplifications recomputed from the stored outputs and perturbations"
        checks.append((r["test"], ok, why))
    return checks
