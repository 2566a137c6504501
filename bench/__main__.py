"""`make bench`: runs every benchmark and prints one table.

Each benchmark module has ``run() -> list[Result]``; a result is one figure beside
the baseline measured in the same run, their ratio, and the target of the issue
that set it. ``python -m bench login_load`` runs one.
"""

from __future__ import annotations

import importlib
import sys

from bench.results import Result, table

BENCHMARKS = ["login_load", "club_lists", "scaleout_chat", "realtime_chat"]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    results: list[Result] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)
        results.extend(module.run())
    print()
    print(table(results))
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
