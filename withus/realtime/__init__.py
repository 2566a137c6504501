"""Realtime (STOMP over WebSocket) messaging."""
