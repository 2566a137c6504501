"""A garbage collection that paused the server longer than ``SLOW_COLLECTION`` is logged with its
generation (the profiles charge a pause to whatever line allocated last)."""

from __future__ import annotations

import gc
import logging

import pytest

from withus import lifecycle


def test_a_slow_collection_is_logged_with_its_generation(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(lifecycle, "SLOW_COLLECTION", -1.0)  # every collection counts as slow here
    gc.callbacks.append(lifecycle._log_slow_collections)
    try:
        with caplog.at_level(logging.INFO, logger="withus"):
            gc.collect(2)
    finally:
        gc.callbacks.remove(lifecycle._log_slow_collections)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("gc: ")]
    assert lines and lines[-1].startswith("gc: generation 2 collection paused the process")


def test_a_quick_collection_is_not_logged(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(lifecycle, "SLOW_COLLECTION", 3600.0)
    with caplog.at_level(logging.INFO, logger="withus"):
        lifecycle._log_slow_collections("start", {"generation": 0})
        lifecycle._log_slow_collections("stop", {"generation": 0, "collected": 0})
    assert not [r for r in caplog.records if r.getMessage().startswith("gc: ")]
