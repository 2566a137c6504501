"""Reflex configuration, read from withus.settings (the one source of settings)."""

import os

from withus.observability import multiproc

# Before anything imports prometheus-client: the granian workers this process starts inherit the
# folder where they keep their metrics (withus/observability/multiproc.py).
multiproc.prepare_for_server()

import reflex as rx  # noqa: E402

from withus.settings import SettingsError, get_settings  # noqa: E402
from withus.theme import THEME, RadixThemesPlugin  # noqa: E402

try:
    settings = get_settings()
except SettingsError as exc:  # one clear line, not a traceback
    raise SystemExit(f"withUs: {exc}") from None

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")

config = rx.Config(
    app_name="withus",
    redis_url=settings.redis_url,
    cors_allowed_origins=settings.allowed_origins,
    show_built_with_reflex=False,
    telemetry_enabled=False,
    plugins=[RadixThemesPlugin(theme=THEME), rx.plugins.SitemapPlugin()],
)
