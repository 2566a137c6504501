"""axe-core (npm, pinned in tests/js/package.json) run inside a Playwright page.

``serious_violations`` injects ``axe.min.js`` from tests/js/node_modules and returns the
violations of impact moderate, serious or critical, one dict a rule with its nodes' selectors
(moderate since every page passed it: ``page-has-heading-one`` and ``region`` were the last).
Every run is also appended to a JSON-lines report (``A11Y_REPORT``, default in the temp
folder) so the closing note can give counts per page.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
REPORT = Path(os.environ.get("A11Y_REPORT", Path(tempfile.gettempdir()) / "withus-a11y.jsonl"))
BLOCKING = ("moderate", "serious", "critical")

_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: (n.failureSummary || '').slice(0, 300)})),
  }));
}"""


def violations(page: Any) -> list[dict[str, Any]]:
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `make setup` (npm ci --prefix tests/js)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return list(page.evaluate(_RUN))


def serious_violations(page: Any, label: str) -> list[dict[str, Any]]:
    found = violations(page)
    blocking = [v for v in found if v["impact"] in BLOCKING]
    with REPORT.open("a") as f:
        row = {
            "page": label,
            "serious": sum(len(v["nodes"]) for v in blocking),
            "rules": {v["id"]: len(v["nodes"]) for v in blocking},
            "other": {v["id"]: len(v["nodes"]) for v in found if v["impact"] not in BLOCKING},
        }
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return blocking


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {n['target']}: {n['summary']}" for n in v["nodes"][:6])
    return "\n".join(lines)
