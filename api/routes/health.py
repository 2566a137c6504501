"""Health for operators and load balancers.

- ``GET /api/health``: the database and Redis, each checked with a short timeout (the contract
  of the first API; unchanged).
- ``GET /api/health/live``: 200 while the process serves; checks nothing else (a supervisor
  restarts a process that stops answering it).
- ``GET /api/health/ready``: 200 when the database and Redis answer and the instance is not
  draining; 503 naming the reasons otherwise. A graceful shutdown turns it 503 at its first step,
  before any client is told to go (``withus.realtime.shutdown.begin``), so the upstream check in
  front (``deploy/upstream_check.py``) stops sending new clients here.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from withus import db
from withus.kv import get_kv
from withus.realtime import shutdown

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


class Live(BaseModel):
    status: Literal["ok"]


@router.get("/health/live", response_model=Live)
async def live() -> Live:
    return Live(status="ok")


Check = Literal["ok", "error", "unchecked"]


class Ready(BaseModel):
    status: Literal["ok", "error"]
    draining: bool
    database: Check
    redis: Check
    reasons: list[Literal["draining", "database", "redis"]]


@router.get(
    "/health/ready",
    response_model=Ready,
    responses={
        503: {
            "model": Ready,
            "description": "Not ready: draining (a graceful shutdown has begun; the dependencies are then "
            "left unchecked) or a dependency is down. `reasons` names each.",
        }
    },
)
async def ready() -> JSONResponse:
    if shutdown.is_shutting_down():
        body = Ready(status="error", draining=True, database="unchecked", redis="unchecked", reasons=["draining"])
        return JSONResponse(body.model_dump(), status_code=503)
    database, redis = await asyncio.gather(_check("database", db.ping()), _check("redis", get_kv().ping()))
    reasons: list[Literal["draining", "database", "redis"]] = []
    if database != "ok":
        reasons.append("database")
    if redis != "ok":
        reasons.append("redis")
    body = Ready(status="error" if reasons else "ok", draining=False, database=database, redis=redis, reasons=reasons)
    return JSONResponse(body.model_dump(), status_code=503 if reasons else 200)
