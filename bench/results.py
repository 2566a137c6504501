"""One benchmark figure beside its baseline, and the table they print as."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Result:
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    target: str  # as the issue words it, e.g. "ratio < 3"
    met: bool | None  # None when the target is not a pass/fail figure

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")


def table(results: list[Result]) -> str:
    head = "| figure | value | baseline (same run) | ratio | target | met |"
    rows = [head, "|---|---|---|---|---|---|"]
    for r in results:
        met = "—" if r.met is None else ("yes" if r.met else "**no**")
        # A figure without a baseline (a count, a latency the issue sets no peer for) shows dashes.
        base = f"{r.baseline_name}: {r.baseline:,.1f} {r.unit}" if r.baseline else "—"
        ratio = f"{r.ratio:.2f}" if r.baseline else "—"
        rows.append(f"| {r.name} | {r.value:,.1f} {r.unit} | {base} | {ratio} | {r.target} | {met} |")
    return "\n".join(rows)
