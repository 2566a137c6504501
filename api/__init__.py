"""The FastAPI app mounted on Reflex's backend: REST under /api, STOMP at /ws, media."""

from api.app import build_api, build_server

__all__ = ["build_api", "build_server"]
