"""Page loads in Chromium: cold and warm loads of home, a club, a post and a chat room.

Starts the production server as ``make run`` does (``tests.e2e.conftest.start_server``: a fresh
build of ``.web`` in this checkout, SQLite, its own data folder), writes the content of the
accessibility tour (``tests.e2e.a11y_site``: a club with a cover, a post with comments, a chat room
with messages) and loads each page logged in, in Debian's Chromium through Playwright:

- **cold**: a new browser context (empty HTTP cache, no cookies but the login's);
- **warm**: the same page loaded again in that context (the cache holds the hashed assets).

For each load: bytes transferred (the document plus every resource, ``transferSize``; the
WebSocket's frames are not counted), first contentful paint, and the time the page's main content
shows (the club's name, the post's title, the newest chat message, a club card), measured from
navigation start on animation frames. ``--repeat`` loads each way and reports the median.

The baseline is the same figure of the home page in the same run (a page without an id, pre-rendered).
``--lighthouse`` also runs Lighthouse (npm, ``bench/lighthouse/``, desktop preset, Debian's
Chromium) on home and the club page and prints its accessibility and performance scores.

    .venv/bin/python -m bench.page_load                 # the README's table
    .venv/bin/python -m bench.page_load --repeat 1      # a quick look
    .venv/bin/python -m bench.page_load --lighthouse    # plus Lighthouse's scores
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.results import Result

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"

MEASURE_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {bytes: (nav ? nav.transferSize : 0) + res.reduce((s, r) => s + r.transferSize, 0),
          fcp: fcp ? fcp.startTime : null};
}"""
# Resolves on the first animation frame where the selector's element shows the text.
SHOWN_JS = """([sel, text]) => {
  const e = [...document.querySelectorAll(sel)].find(x => x.offsetParent !== null && x.textContent.includes(text));
  return e ? performance.now() : false;
}"""


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.page_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="loads of each page each way (median reported)")
    parser.add_argument("--lighthouse", action="store_true", help="also Lighthouse's scores for home and a club")
    return parser


def _load(context: Any, url: str, selector: str, text: str) -> dict[str, float]:
    pg = context.new_page()
    pg.goto(url, wait_until="commit")
    shown = pg.wait_for_function(SHOWN_JS, arg=[selector, text], polling="raf", timeout=60_000).json_value()
    pg.wait_for_load_state("load")
    pg.wait_for_timeout(500)  # late fonts and images count into the bytes
    figures = pg.evaluate(MEASURE_JS)
    pg.close()
    return {"bytes": float(figures["bytes"]), "fcp": float(figures["fcp"] or 0), "main": float(shown)}


def _lighthouse(url: str, cookie: str) -> dict[str, float]:
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: npm ci --prefix bench/lighthouse")
    out = Path(tempfile.mkdtemp()) / "report.json"
    headers = json.dumps({"Cookie": cookie, "Accept-Language": "ko-KR,ko;q=0.9"})
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--preset=desktop",
            "--only-categories=performance,accessibility",
            "--output=json",
            f"--output-path={out}",
            f"--extra-headers={headers}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            "--quiet",
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": os.environ.get("CHROMIUM", "/usr/bin/chromium")},
    )
    cats = json.loads(out.read_text())["categories"]
    return {name: round(cats[name]["score"] * 100) for name in ("performance", "accessibility")}


def run_args(args: argparse.Namespace) -> list[Result]:
    from playwright.sync_api import sync_playwright

    from tests.e2e.a11y_site import build_site
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, E2E_PASSWORD, start_server, stop_server

    proc, server = start_server(name="page-load")
    try:
        site = build_site(server, Path(tempfile.mkdtemp()))
        pages = {
            "home": ("/", ".club-card-title", site.club_name),
            "club": (f"/clubs/{site.club_id}", "main h1, main h2", site.club_name),
            "post": (f"/posts/{site.post_id}", "main h1, main h2", site.post_title),
            "chat room": (f"/chat/{site.room_id}", "#chat-messages", "2시에 봬요"),
        }
        rows: dict[str, dict[str, list[dict[str, float]]]] = {name: {"cold": [], "warm": []} for name in pages}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(args.repeat):
                for name, (path, selector, text) in pages.items():
                    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="ko-KR")
                    r = context.request.post(
                        f"{server.url}/api/auth/login?cookie=true", data={"login": site.host, "password": E2E_PASSWORD}
                    )
                    assert r.status == 200, r.text()
                    rows[name]["cold"].append(_load(context, server.url + path, selector, text))
                    rows[name]["warm"].append(_load(context, server.url + path, selector, text))
                    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
                    context.close()
            browser.close()
        print(f"\nPage loads, Chromium 1280 px, logged in, median of {args.repeat} (bytes: transferred)\n")
        print("| page | cold: bytes | cold: FCP | cold: main content | warm: bytes | warm: FCP | warm: main content |")
        print("|---|---|---|---|---|---|---|")
        med: dict[str, dict[str, dict[str, float]]] = {}
        for name, ways in rows.items():
            med[name] = {
                w: {k: statistics.median(x[k] for x in loads) for k in ("bytes", "fcp", "main")}
                for w, loads in ways.items()
            }
            c, w = med[name]["cold"], med[name]["warm"]
            print(
                f"| {name} | {c['bytes'] / 1000:,.0f} KB | {c['fcp']:,.0f} ms | {c['main']:,.0f} ms "
                f"| {w['bytes'] / 1000:,.0f} KB | {w['fcp']:,.0f} ms | {w['main']:,.0f} ms |"
            )
        if args.lighthouse:
            print("\n| page | Lighthouse accessibility | Lighthouse performance (desktop) |\n|---|---|---|")
            for name in ("home", "club"):
                scores = _lighthouse(server.url + pages[name][0], cookie)
                print(f"| {name} | {scores['accessibility']} | {scores['performance']} |")
        home = med["home"]["cold"]
        return [
            Result(
                f"cold {name}: main content",
                med[name]["cold"]["main"],
                "ms",
                "cold home",
                home["main"],
                "—",
                None,
            )
            for name in pages
        ]
    finally:
        stop_server(proc)


def run() -> list[Result]:
    return run_args(arguments().parse_args([]))


if __name__ == "__main__":
    run_args(arguments().parse_args())
