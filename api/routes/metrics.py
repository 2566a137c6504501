"""``GET /metrics``: Prometheus text for the operators' scraper, nobody else.

Answered for a client whose address is in ``TRUSTED_PROXIES`` (the address as the rate limits
see it: behind nginx, the address nginx saw, so the public cannot reach it through nginx) or
that sends ``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets the 404 of an unknown
path. Not in the OpenAPI document: it is not part of the API that clients use.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import get_client_ip
from withus.errors import NotFound
from withus.i18n import Msg
from withus.observability import metrics
from withus.settings import get_settings

router = APIRouter()


def may_scrape(request: Request) -> bool:
    settings = get_settings()
    token = settings.metrics_token
    if token:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode()):
            return True
    return get_client_ip(request) in settings.trusted_proxies


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response:
    if not may_scrape(request):
        raise NotFound(Msg("error.not_found.address"), code="not_found")
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
