"""The measuring page of ``bench.reflex_tabs``: a Chromium page whose event socket is recorded,
and one click timed inside it (``performance.now()`` before ``click()``, and in the
``MutationObserver`` callback where the DOM shows the event's result).

A recorded page also gives the protocol tabs (``bench/_reflex_clients.py``) what to replay: its
CONNECT packet, the number of state frames it received while loading, its click events.
"""

from __future__ import annotations

from typing import Any

from bench._reflex_clients import STATE_FRAME, PageScript

CHIPS = ("GAME", "SPORTS")  # the categories the clicks alternate between
CLUBS_PER_CHIP = 24  # one page of the list (withus.state.clubs.PAGE_SIZE)

# Wraps the page's WebSocket: what it sends and receives is kept for the protocol tabs to replay.
CAPTURE_JS = """(() => {
  const Orig = window.WebSocket;
  window.__ws = [];
  class Recorded extends Orig {
    constructor(url, protocols) {
      super(url, protocols);
      const e = {url: String(url), protocols: protocols ?? [], sent: [], recv: [], at: []};
      window.__ws.push(e);
      this.addEventListener('message', (m) => {
        e.recv.push(typeof m.data === 'string' ? m.data : '');
        e.at.push(performance.now());
      });
      const send = this.send.bind(this);
      this.send = (d) => { e.sent.push(d); return send(d); };
    }
  }
  window.WebSocket = Recorded;
})();"""
# One click, timed in the page: t0 before click(); `first` when the first delta shows (the chip
# pressed; for the counter the same as done), `done` when the DOM shows the event's whole result;
# `arrived` when the last state frame before `done` reached the page's socket (the rest is React).
CLICK_JS = """([kind, index, code]) => new Promise((resolve, reject) => {
  let el, first, done;
  if (kind === 'chip') {
    el = document.querySelectorAll('button[aria-pressed]')[index];
    first = () => el.getAttribute('aria-pressed') === 'true';
    done = () => {
      if (!first()) return false;
      const titles = [...document.querySelectorAll('.club-card-title')];
      return titles.length > 0 && titles.every((t) => t.textContent.startsWith(code));
    };
  } else {
    el = document.querySelector('#bump');
    const want = String(Number(document.querySelector('#count').textContent) + 1);
    done = () => document.querySelector('#count').textContent === want;
    first = done;
  }
  const ws = window.__ws[window.__ws.length - 1];
  const n0 = ws.recv.length;
  const arrived = () => {
    for (let i = ws.recv.length - 1; i >= n0; i--) if (ws.recv[i].startsWith('42/_event,["event"')) return ws.at[i];
    return NaN;
  };
  let t1 = null;
  const obs = new MutationObserver(() => {
    const now = performance.now();
    if (t1 === null && first()) t1 = now;
    if (done()) {
      obs.disconnect();
      clearTimeout(timer);
      resolve({first: t1 - t0, done: now - t0, arrived: arrived() - t0});
    }
  });
  obs.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  const timer = setTimeout(() => { obs.disconnect(); reject(new Error('no DOM update in 30 s')); }, 30000);
  const t0 = performance.now();
  el.click();
})"""


def chip_index(code: str) -> int:
    from withus.models.club import CATEGORIES

    return 1 + [c for c, _, _ in CATEGORIES].index(code)  # chip 0 is 전체


def click(page: Any, app: str, i: int) -> dict[str, float]:
    if app == "withus":
        code = CHIPS[i % len(CHIPS)]
        return page.evaluate(CLICK_JS, ["chip", chip_index(code), code])  # type: ignore[no-any-return]
    return page.evaluate(CLICK_JS, ["counter", 0, ""])  # type: ignore[no-any-return]


def open_page(browser: Any, url: str, app: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="ko-KR")
    page = context.new_page()
    page.add_init_script(CAPTURE_JS)
    page.goto(url)
    page.wait_for_selector(".club-card-title" if app == "withus" else "#count", timeout=60_000)
    return page


def capture(browser: Any, url: str, app: str) -> PageScript:
    """A page's frames: its CONNECT packet, the state frames it got while loading, its click events."""
    page = open_page(browser, url, app)
    page.wait_for_timeout(1500)  # the load's last deltas (on_load handlers) come after the first paint
    (ws,) = page.evaluate("window.__ws")
    load_frames = sum(1 for f in ws["recv"] if f.startswith(STATE_FRAME))
    loaded = len(ws["sent"])
    for i in range(4):
        click(page, app, i)
    (ws,) = page.evaluate("window.__ws")
    page.context.close()
    connect = ws["sent"][0]
    if not connect.startswith("40/_event,") or loaded != 1:
        raise RuntimeError(f"unexpected frames on load: {ws['sent'][:loaded]!r}")
    clicks = [f for f in ws["sent"][loaded:] if f.startswith('42/_event,["event"')][:2]
    return PageScript(ws["url"], ws["protocols"], url, connect, load_frames, clicks)
