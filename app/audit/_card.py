"""The report card: one table first (each test, its verdict, certified or observed, the evidence file), then one
section per test with what it shows and the command that reproduces it; Markdown and JSON, evidence files beside."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

__all__ = ["AuditCard"]

_STATUS = {"certified": "certified", "observed": "observed", "rule": "by rule (no valid output)"}


@dataclass(frozen=True)
class AuditCard:
    """What an audit found: the records of its jobs (None: not run within the budget), the subject and its kind, the
    seconds it took, the adversary's seed (revealed), and the figures written."""

    subject: str
    kind: str
    records: tuple
    seconds: float
    adversary_seed: int
    budget: float
    figures: tuple = field(default=())

    @property
    def complete(self) -> bool:
        return all(r is not None for r in self.records)

    def to_json(self) -> dict:
        return {"kind": "smale18-audit", "subject": self.subject, "audit_kind": self.kind,
                "seconds": round(self.seconds, 1), "budget": self.budget, "adversary_seed": str(self.adversary_seed),
                "complete": self.complete, "figures": [list(f) for f in self.figures], "headline": self.headline(),
                "records": [None if r is None else {k: v for k, v in r.items() if k != "evidence"}
                            | {"evidence_file": (r.get("evidence") or {}).get("file")} for r in self.records]}

    def headline(self) -> list[str]:
        """Per problem: the largest K the solver survives (every game up to it not defeated) and where it fails."""
        lines = []
        for problem in ("P1", "P2", "P3"):
            games = sorted((r for r in self.records if r is not None and r.get("problem") == problem),
                           key=lambda r: r["K"])
            if not games:
                continue
            survived = 0
            for r in games:
                if r["verdict"] != "not defeated":
                    break
                survived = r["K"]
            failed = next((r for r in games if r["verdict"] == "defeated"), None)
            text = f"{problem}: survives K <= {survived}" if survived else f"{problem}: survives no K tried"
            if failed is not None:
                text += (f"; defeated at K = {failed['K']} ({_STATUS.get(failed['status'], failed['status'])}: "
                         f"{failed['summary']})")
            lines.append(text)
        return lines

    def to_markdown(self) -> str:
        lines = [f"# smale18 audit: `{self.subject}` ({self.kind})", "",
                 f"Took {self.seconds:.1f} s on this machine (budget {self.budget:g} s); "
                 + ("every planned test ran." if self.complete else
                    f"{sum(r is None for r in self.records)} planned test(s) did not run within the budget."),
                 "*Certified* = checked from the evidence in exact or ball arithmetic; *observed* = measured; a game "
                 "lost *by rule* is a run without a valid output (raised, timed out, asked for too much). "
                 f"The adversary's seed was {self.adversary_seed} (revealed now; the candidate never saw it).", "",
                 *[f"- {line}" for line in self.headline()], "",
                 "| test | verdict | status | evidence |", "|---|---|---|---|"]
        for r in self.records:
            if r is None:
                continue
            ev = (r.get("evidence") or {}).get("file")
            lines.append(f"| {r['test']} | {r['verdict']} | {_STATUS.get(r['status'], r['status'])} | "
                         f"{f'[{ev}]({ev})' if ev else '-'} |")
        for path, caption in self.figures:
            lines += ["", f"![{caption}]({os.path.basename(path)})", "", f"*{caption}*"]
        for r in self.records:
            if r is None:
                continue
            lines += ["", f"## {r['test']}", "", f"{r['summary']} ({_STATUS.get(r['status'], r['status'])})."]
            if r.get("tail"):
                lines += ["", "The candidate's last output:", "", "```", r["tail"], "```"]
            if r.get("command"):
                lines += ["", "Reproduce:", "", "```", r["command"], "```"]
        return "\n".join(lines) + "\n"

    def write(self, out: str) -> str:
        """Write ``card.md``, ``card.json`` and the evidence files into the folder ``out`` (created if missing);
        return the card's path."""
        from smale18.app._figures import write_text_atomic

        os.makedirs(out, exist_ok=True)
        for r in self.records:
            if r is not None and r.get("evidence"):
                write_text_atomic(os.path.join(out, r["evidence"]["file"]),
                                  json.dumps(r["evidence"]["content"], indent=1) + "\n", replace=True)
        write_text_atomic(os.path.join(out, "card.json"), json.dumps(self.to_json(), indent=1) + "\n", replace=True)
        return write_text_atomic(os.path.join(out, "card.md"), self.to_markdown(), replace=True)
