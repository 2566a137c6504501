"""`make bench`: runs every benchmark and prints one table.

Each benchmark module has ``arguments() -> argparse.ArgumentParser`` (its flags),
``run_args(namespace) -> list[Result]`` and ``run()`` with the defaults; a result is one
figure beside the baseline measured in the same run, their ratio, and the target of the
issue that set it.

    python -m bench                                  every benchmark, default sizes
    python -m bench realtime_chat --phases chat      one, with its flags
    python -m bench login_load --clients 10 club_lists --only board   several, each with its own
    python -m bench --help                           the benchmarks and their flags
    python -m bench NAME --help                      one benchmark's flags
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType

from bench.results import Result, table

BENCHMARKS = [
    "login_load",
    "club_lists",
    "people_search",
    "events",
    "scaleout_chat",
    "realtime_chat",
    "bus_fanout",
    "mail_outbox",
    "reflex_tabs",
]
"""What ``python -m bench`` runs, in this order."""
OTHERS = ["soak", "page_load", "send_batches"]
"""Run only when named (minutes long)."""


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"bench.{name}")


def _groups(argv: list[str]) -> list[tuple[str, list[str]]]:
    """``NAME [flags] NAME [flags] ...`` -> [(NAME, flags), ...]; a flag belongs to the name before it."""
    known = BENCHMARKS + OTHERS
    groups: list[tuple[str, list[str]]] = []
    for token in argv:
        if token in known:
            groups.append((token, []))
        elif groups:
            groups[-1][1].append(token)
        else:
            raise SystemExit(f"bench: unknown benchmark {token!r}; one of: {', '.join(known)} (see --help)")
    return groups


def usage() -> str:
    lines = [__doc__.split("\n\n")[0], "", "usage: python -m bench [NAME [flags]] ...", ""]
    for name in BENCHMARKS + OTHERS:
        parser: argparse.ArgumentParser = _module(name).arguments()
        first = (parser.description or "").strip().splitlines()
        lines.append(f"{name}{'' if name in BENCHMARKS else ' (only when named)'}: {' '.join(first)}")
        for action in parser._actions:
            if not action.option_strings or "--help" in action.option_strings:
                continue
            flag = ", ".join(action.option_strings)
            meta = "" if action.nargs == 0 else f" {action.metavar or action.dest.upper()}"
            quiet = action.nargs == 0 or action.default in (None, argparse.SUPPRESS)
            default = "" if quiet else f" (default {action.default})"
            lines.append(f"    {flag}{meta}{default}  {action.help or ''}".rstrip())
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    groups = _groups(argv) or [(name, []) for name in BENCHMARKS]
    # Every benchmark's flags are checked before the first one starts (a typo fails at once).
    parsed = [(name, _module(name), _module(name).arguments().parse_args(flags)) for name, flags in groups]
    results: list[Result] = []
    for name, module, args in parsed:
        print(f"== {name}", flush=True)
        results.extend(module.run_args(args))
    print()
    print(table(results))
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
