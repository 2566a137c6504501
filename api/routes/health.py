"""GET /api/health: the database and Redis, each checked with a short timeout."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from withus import db
from withus.kv import get_kv

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0


class Health(BaseModel):
    status: Literal["ok", "error"]
    database: Literal["ok", "error"]
    redis: Literal["ok", "error"]
    redis_mode: Literal["redis", "memory"]


async def _check(name: str, probe: asyncio.Future[None] | object) -> Literal["ok", "error"]:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT)  # type: ignore[arg-type]
        return "ok"
    except Exception as exc:  # any failure of a dependency is "error", never a 500
        log.warning("health: %s is down: %s", name, type(exc).__name__)
        return "error"


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "A dependency is down; the failing part says error."}},
)
async def health() -> JSONResponse:
    kv = get_kv()
    database, redis = await asyncio.gather(_check("database", db.ping()), _check("redis", kv.ping()))
    ok = database == "ok" and redis == "ok"
    body = Health(status="ok" if ok else "error", database=database, redis=redis, redis_mode=kv.name)  # type: ignore[arg-type]
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
