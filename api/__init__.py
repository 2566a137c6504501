"""The FastAPI app mounted on Reflex's backend: REST under /api, STOMP at /ws, media."""

from api.app import build_api

__all__ = ["build_api"]
