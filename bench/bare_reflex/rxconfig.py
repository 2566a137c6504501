"""The bare Reflex app of ``bench.reflex_tabs``: its baseline, one button and a counter.

Built into this folder's own ``.web`` (git-ignored). ``REDIS_URL`` gives it Reflex's Redis state
manager, as withUs's ``rxconfig.py`` does; without it, the in-memory one.
"""

import os

import reflex as rx

config = rx.Config(
    app_name="bare",
    redis_url=os.environ.get("REDIS_URL") or None,
    show_built_with_reflex=False,
    telemetry_enabled=False,
    # No plugins: nothing withUs adds (its Radix theme plugin, the sitemap).
    plugins=[],
    disable_plugins=["reflex_base.plugins.sitemap.SitemapPlugin"],
)
