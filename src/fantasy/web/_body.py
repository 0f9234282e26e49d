"""Reading request bodies with a size limit (Starlette requests)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from fantasy.web._common import RequestError

__all__ = ["read_body", "read_json"]


async def read_json(request: Request, limit: int) -> Any:
    """The request's JSON body, read at most ``limit`` bytes far.

    Raises:
        RequestError: Wrong content type (415), too large (413) or not JSON (400).
    """
    content_type = request.headers.get("content-type", "")
    if "json" not in content_type.split(";")[0]:
        raise RequestError("send the request body as application/json", status=415)
    data = await read_body(request, limit)
    try:
        return json.loads(data)
    except ValueError as error:
        raise RequestError(f"the request body is not valid JSON: {error}", status=400) from None


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 once it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestError(f"the request body is larger than {limit} bytes", status=413)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(f"the request body is larger than {limit} bytes", status=413)
        chunks.append(chunk)
    return b"".join(chunks)
