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
        rows.append(
            f"| {r.name} | {r.value:,.1f} {r.unit} | {r.baseline_name}: {r.baseline:,.1f} {r.unit} "
            f"| {r.ratio:.2f} | {r.target} | {met} |"
        )
    return "\n".join(rows)
